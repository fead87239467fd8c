using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>A demo account to print at first start: who it is, where to sign in, and how.</summary>
public sealed record DemoAccount(string Role, string? SchoolCode, string Username, string Password);

/// <summary>
/// Gives a fresh install something to sign in to: one small school with one account per role
/// and a platform operator. Only on an empty database, so it can never touch real data.
/// </summary>
internal sealed class DemoSchoolSeeder(SchoolbelDb db, PasswordHasher hasher, TimeProvider time)
{
    public const string SchoolCode = "demo";

    // Printed on the console and in the README; a demo install is not meant to be reachable
    // from outside, and an operator replaces these accounts before real use.
    public const string Password = "Welkom-op-Schoolbel-1";

    public async Task<IReadOnlyList<DemoAccount>?> SeedIfEmptyAsync(CancellationToken ct)
    {
        // Schools and operators carry no school filter, so these see the whole database.
        if (await db.Schools.AnyAsync(ct) || await db.Operators.AnyAsync(ct))
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        // Hashing costs ~100 ms; all demo accounts share the password, so once is enough.
        var passwordHash = hasher.Hash(Password);

        var school = new School { Code = SchoolCode, Name = "Demoschool Sint-Jan", DefaultLanguage = "nl", CreatedAt = now };

        Person NewPerson(string username, PersonRole role, string firstName, string lastName) => new()
        {
            SchoolId = school.Id,
            Username = username,
            Role = role,
            FirstName = firstName,
            LastName = lastName,
            PasswordHash = passwordHash,
            CreatedAt = now,
        };

        var pupil = NewPerson("leerling", PersonRole.Pupil, "Lotte", "Peeters");
        var pupil2 = NewPerson("leerling2", PersonRole.Pupil, "Wout", "Claes");
        var teacher = NewPerson("leerkracht", PersonRole.Teacher, "An", "Janssens");
        var parent = NewPerson("ouder", PersonRole.Parent, "Marc", "Peeters");
        var admin = NewPerson("directie", PersonRole.SchoolAdmin, "Els", "Maes");
        var schoolClass = new SchoolClass { SchoolId = school.Id, Name = "3B", SchoolYear = ClassesAdmin.SchoolYearOf(time.GetUtcNow()) };
        var courses = new[]
        {
            new Course { SchoolId = school.Id, Name = "Wiskunde 3B", CreatedAt = now },
            new Course { SchoolId = school.Id, Name = "Nederlands 3B", CreatedAt = now },
        };
        var platformOperator = new PlatformOperator
        {
            Username = "operator",
            DisplayName = "Platformbeheerder",
            PasswordHash = passwordHash,
            CreatedAt = now,
        };

        db.Schools.Add(school);
        db.People.AddRange(pupil, pupil2, teacher, parent, admin);
        db.Classes.Add(schoolClass);
        db.ClassMemberships.AddRange(
            new ClassMembership { SchoolId = school.Id, ClassId = schoolClass.Id, PupilId = pupil.Id },
            new ClassMembership { SchoolId = school.Id, ClassId = schoolClass.Id, PupilId = pupil2.Id });
        db.ParentLinks.Add(new ParentLink { SchoolId = school.Id, ParentId = parent.Id, PupilId = pupil.Id });
        db.Courses.AddRange(courses);
        foreach (var course in courses)
        {
            db.CourseClasses.Add(new CourseClass { SchoolId = school.Id, CourseId = course.Id, ClassId = schoolClass.Id });
            db.CourseTeachers.Add(new CourseTeacher { SchoolId = school.Id, CourseId = course.Id, TeacherId = teacher.Id });
        }

        AddDemoPlanner(school.Id, schoolClass.Id, courses[0].Id, courses[1].Id, teacher.Id, now);
        var (exerciseSet, exerciseItems) = Exercises.DemoExercises.TafelsVan7(school.Id, courses[0].Id, teacher.Id, now);
        db.Add(exerciseSet);
        db.AddRange(exerciseItems);
        db.Operators.Add(platformOperator);
        AddSampleAssignment(school.Id, courses[0].Id, schoolClass.Id, teacher.Id, pupil.Id, now);
        Messages.DemoMessages.Add(db, school.Id, teacher, admin, parent, [pupil, pupil2], now);
        // One SaveChanges is one transaction: a crash leaves the database empty, so the next
        // start simply seeds again.
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Several nodes started on the same empty database; the unique school code let
            // exactly one of them win, and that one prints the accounts.
            db.ChangeTracker.Clear();
            if (await db.Schools.AsNoTracking().AnyAsync(s => s.Code == SchoolCode, ct))
            {
                return null;
            }

            throw;
        }

        return
        [
            new DemoAccount("pupil", SchoolCode, pupil.Username, Password),
            new DemoAccount("pupil", SchoolCode, pupil2.Username, Password),
            new DemoAccount("teacher", SchoolCode, teacher.Username, Password),
            new DemoAccount("parent", SchoolCode, parent.Username, Password),
            new DemoAccount("school admin", SchoolCode, admin.Username, Password),
            new DemoAccount("operator", null, platformOperator.Username, Password),
        ];
    }

    /// <summary>A week's timetable for the class and a few planner items in the coming school days, so the planner shows a real week.</summary>
    private void AddDemoPlanner(Guid schoolId, Guid classId, Guid maths, Guid dutch, Guid teacherId, DateTime now)
    {
        (DayOfWeek Day, int Hour, int Minute, Guid Course, string Room)[] lessons =
        [
            (DayOfWeek.Monday, 8, 30, maths, "A101"), (DayOfWeek.Monday, 9, 20, dutch, "A102"),
            (DayOfWeek.Tuesday, 8, 30, dutch, "A102"), (DayOfWeek.Tuesday, 10, 25, maths, "A101"),
            (DayOfWeek.Wednesday, 8, 30, maths, "A101"),
            (DayOfWeek.Thursday, 9, 20, dutch, "A102"), (DayOfWeek.Thursday, 11, 15, maths, "A101"),
            (DayOfWeek.Friday, 8, 30, dutch, "A102"), (DayOfWeek.Friday, 9, 20, maths, "A101"),
        ];
        foreach (var (day, hour, minute, course, room) in lessons)
        {
            var start = new TimeOnly(hour, minute);
            db.Add(new Planner.TimetableSlot { SchoolId = schoolId, ClassId = classId, CourseId = course, Weekday = day, Start = start, End = start.AddMinutes(50), Room = room });
        }

        var schoolDay = Lessons.SchoolTime.LocalDate(now);
        DateOnly NextSchoolDay(DateOnly from, int count)
        {
            for (var found = 0; found < count;)
            {
                from = from.AddDays(1);
                found += from.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0 : 1;
            }

            return from;
        }

        (Planner.PlannerItemKind Kind, Guid Course, int InDays, string Title, string? Details)[] items =
        [
            (Planner.PlannerItemKind.Homework, maths, 1, "Oefeningen breuken p. 42, 1 tot 8", null),
            (Planner.PlannerItemKind.Bring, maths, 2, "Geodriehoek en passer", null),
            (Planner.PlannerItemKind.Test, dutch, 3, "Toets spelling: werkwoorden", "Leer hoofdstuk 3 en de lijst met werkwoorden."),
        ];
        foreach (var (kind, course, inDays, title, details) in items)
        {
            db.Add(new Planner.PlannerItem
            {
                SchoolId = schoolId, CourseId = course, ClassId = classId, Kind = kind, Day = NextSchoolDay(schoolDay, inDays),
                Title = title, Details = details, CreatedBy = teacherId, CreatedAt = now, UpdatedAt = now,
            });
        }
    }

    /// <summary>
    /// One graded assignment for 3B (due in a week at 08:30) and one released test score for
    /// the first pupil, so the assignments, today and grades pages show something real.
    /// </summary>
    private void AddSampleAssignment(Guid schoolId, Guid courseId, Guid classId, Guid teacherId, Guid pupilId, DateTime now)
    {
        var due = Lessons.SchoolTime.AtUtc(Lessons.SchoolTime.LocalDate(now).AddDays(7), new TimeOnly(8, 30));
        var assignment = new Assignments.Assignment
        {
            SchoolId = schoolId,
            CourseId = courseId,
            Title = "Oefeningen breuken",
            Instructions = "Maak oefening 1 tot 10 op blz. 42 en dien je oplossing in als foto of pdf.",
            DueAt = due,
            Graded = true,
            MaxScore = 10,
            CreatedAt = now,
            CreatedBy = teacherId,
        };
        var assignmentEvaluation = new Grades.Evaluation
        {
            SchoolId = schoolId,
            CourseId = courseId,
            Name = assignment.Title,
            Date = Lessons.SchoolTime.LocalDate(due),
            MaxScore = 10,
            Category = Assignments.AssignmentBook.AssignmentCategory,
            AssignmentId = assignment.Id,
            CreatedAt = now,
            CreatedBy = teacherId,
        };
        assignment.EvaluationId = assignmentEvaluation.Id;
        var test = new Grades.Evaluation
        {
            SchoolId = schoolId,
            CourseId = courseId,
            Name = "Toets hoofdstuk 1",
            Date = Lessons.SchoolTime.LocalDate(now).AddDays(-3),
            MaxScore = 20,
            Weight = 2,
            Category = "toets",
            ReleasedAt = now,
            CreatedAt = now,
            CreatedBy = teacherId,
        };
        db.AddRange(assignment, assignmentEvaluation, test);
        db.Add(new Assignments.AssignmentClass { SchoolId = schoolId, AssignmentId = assignment.Id, ClassId = classId });
        db.Add(new Grades.Score { SchoolId = schoolId, EvaluationId = test.Id, PupilId = pupilId, Points = 14, RecordedAt = now, RecordedBy = teacherId, ReleasedAt = now });
    }
}
