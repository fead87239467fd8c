using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Assignments;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Documents;
using Schoolbel.Server.Exercises;
using Schoolbel.Server.Lessons;
using Schoolbel.Server.Messages;
using Schoolbel.Server.Notifications;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Storage;

namespace Schoolbel.Server.Ops;

/// <summary>What <see cref="PlatformSeeder"/> should create.</summary>
internal sealed record SeedRequest
{
    /// <summary>How many schools; codes run from <see cref="FirstSchoolNumber"/> upwards.</summary>
    public int Schools { get; init; } = 20;

    /// <summary>Pupils in each school; classes of about 22 follow from it.</summary>
    public int PupilsPerSchool { get; init; } = 1000;

    /// <summary>The one password every seeded account gets. Never echoed in the summary.</summary>
    public required string Password { get; init; }

    /// <summary>Number of the first school: 1 gives <c>school001</c>. Lets a second run add more schools.</summary>
    public int FirstSchoolNumber { get; init; } = 1;
}

/// <summary>
/// The result of a seed, written as JSON (camelCase) for the peak simulator and for people:
/// <code>
/// {
///   "schools": ["school001", "school002"],
///   "usernames": { "pupils": "p00001..p01000", "teachers": "t0001..t0120", "parents": "o00001..o01000", "admin": "admin" },
///   "pupilsPerSchool": 1000, "teachersPerSchool": 120, "classesPerSchool": 46, "coursesPerSchool": 460,
///   "classes": [ { "school": "school001", "className": "1A", "pupils": "p00001..p00022",
///                  "course": { "id": "…", "name": "Wiskunde 1A", "url": "/school001/courses/…",
///                              "documents": [ { "name": "…pdf", "contentType": "application/pdf", "length": 204800,
///                                               "url": "/school001/documents/…/versions/…" } ] } } ]
/// }
/// </code>
/// Every school has the same shape, so the username ranges hold in each of them. The password
/// is left out on purpose: the caller chose it, and a summary may end up in logs or files.
/// Treat the shape as a contract: add fields, do not rename or remove them.
/// </summary>
internal sealed record SeedSummary(
    IReadOnlyList<string> Schools,
    SeedUsernames Usernames,
    int PupilsPerSchool,
    int TeachersPerSchool,
    int ClassesPerSchool,
    int CoursesPerSchool,
    IReadOnlyList<SeededClass> Classes);

/// <summary>Username ranges ("first..last"), the same in every seeded school.</summary>
internal sealed record SeedUsernames(string Pupils, string Teachers, string Parents, string Admin);

/// <summary>One class of one school, its pupils ("first..last") and one of its courses.</summary>
internal sealed record SeededClass(string School, string ClassName, string Pupils, SeededCourse Course);

/// <summary>
/// A course of the class; <c>url</c> is relative to the server, path-prefix style.
/// <c>documents</c>: the seeded documents a pupil of the class can download (the lesson's PDF,
/// and in one course per school a 20 MB video), with versioned download URLs.
/// </summary>
internal sealed record SeededCourse(Guid Id, string Name, string Url, IReadOnlyList<SeededDocument> Documents);

/// <summary>A seeded document: its name, type, size in bytes and versioned download URL (relative, path-prefix style).</summary>
internal sealed record SeededDocument(string Name, string ContentType, long Length, string Url);

/// <summary>Serialises <see cref="SeedSummary"/> without reflection, indented and camelCase.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(SeedSummary))]
internal sealed partial class SeedJsonContext : JsonSerializerContext;

/// <summary>A school code that already exists; nothing was written.</summary>
internal sealed class SeedConflictException : Exception
{
    public SeedConflictException()
    {
    }

    public SeedConflictException(string message)
        : base(message)
    {
    }

    public SeedConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}


/// <summary>
/// Fills the database with realistic schools for load tests: classes of about 22 pupils, ten
/// courses per class, subject teachers, one parent per pupil and an admin, all sharing one
/// password. Each class's first course has what the peak simulator's pupils do at 08:30: a
/// published lesson with a PDF, an exercise task, an open assignment (due in a week), and three
/// unread messages from its teacher in every pupil's inbox. Deterministic per school number, so
/// two runs give the same names.
/// </summary>
internal sealed partial class PlatformSeeder(SchoolbelDb db, PasswordHasher hasher, TimeProvider time, IConfiguration configuration, ILogger<PlatformSeeder> logger)
{
    private const string AdminUsername = "admin";
    private const int PupilsPerClass = 22;
    private const int YearsPerSchool = 6;

    /// <summary>Size of the PDF every course's lesson gets (one blob shared by all of them).</summary>
    internal const int SeedPdfBytes = 200 * 1024;

    /// <summary>Size of the video one course per school gets (one blob shared by all schools).</summary>
    internal const long SeedVideoBytes = 20L * 1024 * 1024;

    // A subject teacher takes the same subject in about four neighbouring classes (1A..1D),
    // which is how secondary schools timetable and gives roughly one teacher per four courses.
    private const int ClassesPerSubjectTeacher = 4;

    private static readonly string[] Subjects =
    [
        "Wiskunde", "Nederlands", "Frans", "Engels", "Geschiedenis",
        "Aardrijkskunde", "Biologie", "Lichamelijke opvoeding", "Informatica", "Muzikale opvoeding",
    ];

    // What a class teacher sends in the first week; every pupil finds these in the inbox, unread.
    private static readonly (string Subject, string Body)[] ClassMessages =
    [
        ("Welkom in het nieuwe schooljaar", "Dag allemaal,\n\nWelkom! Kijk elke ochtend op je startpagina welke lessen en opdrachten er klaarstaan.\n\nTot in de klas!"),
        ("Toets vrijdag", "Vrijdag is er een korte toets over **hoofdstuk 1**. Oefen de tafels nog eens op het platform."),
        ("Uitstap volgende week", "Volgende donderdag gaan we op uitstap. Breng een lunchpakket en een regenjas mee."),
    ];

    private static readonly string[] SchoolNames =
    [
        "Sint-Jozefscollege", "Koninklijk Atheneum", "Sint-Victorinstituut", "Heilig-Hartinstituut",
        "Sint-Lodewijkscollege", "Onze-Lieve-Vrouwecollege", "Sint-Jan Berchmanscollege", "Sint-Barbaracollege",
        "Maria-Boodschaplyceum", "Sint-Ursula-Instituut", "Don Boscocollege", "Sint-Pieterscollege",
        "Sint-Lucasinstituut", "Sint-Ritacollege", "Atheneum De Ring", "Sint-Norbertusinstituut",
    ];

    private static readonly string[] ChildFirstNames =
    [
        "Lotte", "Emma", "Louise", "Noor", "Marie", "Lena", "Elise", "Fien", "Julie", "Hanne",
        "Lore", "Ella", "Mila", "Nina", "Febe", "Jana", "Kato", "Lisa", "Amber", "Jolien",
        "Lucas", "Louis", "Noah", "Arthur", "Jules", "Finn", "Wout", "Lars", "Seppe", "Mathis",
        "Vic", "Warre", "Stan", "Jasper", "Milan", "Daan", "Thibo", "Lander", "Ruben", "Siebe",
    ];

    private static readonly string[] AdultFirstNames =
    [
        "An", "Els", "Katrien", "Sofie", "Veerle", "Griet", "Ilse", "Inge", "Kristel", "Liesbeth",
        "Nathalie", "Tine", "Hilde", "Evelien", "Sarah", "Marc", "Koen", "Bart", "Tom", "Peter",
        "Dirk", "Geert", "Wim", "Jan", "Stijn", "Kris", "Joris", "Pieter", "Filip", "Steven",
    ];

    private static readonly string[] LastNames =
    [
        "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Smet",
        "Hermans", "Aerts", "Michiels", "Verstraete", "Van den Broeck", "Vermeulen", "Claeys", "Pauwels", "Declercq", "Van Damme",
        "De Backer", "Lambrechts", "Stevens", "Vandenberghe", "Cools", "Segers", "Verhoeven", "Smets", "Van de Velde", "Leemans",
        "Vos", "Martens", "Lemmens", "Hendrickx", "Baert", "De Wilde", "Coppens", "Desmet", "Wuyts", "Vanhoutte",
    ];

    public async Task<SeedSummary> SeedAsync(SeedRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Password, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Schools, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.PupilsPerSchool, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.FirstSchoolNumber, 1, nameof(request));

        var shape = SchoolShape.For(request.PupilsPerSchool);
        var numbers = Enumerable.Range(request.FirstSchoolNumber, request.Schools).ToList();
        var codes = numbers.Select(SchoolCode).ToList();
        var schoolYear = ClassesAdmin.SchoolYearOf(time.GetUtcNow());

        // One hash for everyone: at ~100 ms a hash, hashing 40,000 accounts one by one would
        // take over an hour of CPU for no benefit in a load-test database.
        var passwordHash = hasher.Hash(request.Password);

        var summaryClasses = new List<SeededClass>(codes.Count * shape.ClassCount);
        var files = await StoreSeedFilesAsync(ct);
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        // Entities are only ever added, never changed after Add, so scanning for changes on
        // every Add (quadratic over thousands of rows) buys nothing.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            // One transaction around all schools: a run that fails half-way (or is cancelled)
            // leaves nothing behind, so it can simply be run again. The execution strategy
            // replays the whole unit if PostgreSQL drops the connection.
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async cancellationToken =>
            {
                summaryClasses.Clear();
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

                // Schools are not school-owned (no query filter), so this sees every school.
                var existing = await db.Schools.AsNoTracking()
                    .Where(s => codes.Contains(s.Code))
                    .Select(s => s.Code)
                    .OrderBy(c => c)
                    .ToListAsync(cancellationToken);
                if (existing.Count > 0)
                {
                    throw new SeedConflictException(
                        $"School code(s) already exist: {string.Join(", ", existing)}. Nothing was written; "
                        + "use another --first-school or a fresh database.");
                }

                foreach (var number in numbers)
                {
                    var started = Stopwatch.GetTimestamp();
                    var rows = AddSchool(number, shape, schoolYear, passwordHash, files, summaryClasses);
                    await db.SaveChangesAsync(cancellationToken);
                    // Forget what was saved so memory and SaveChanges cost stay flat per school.
                    db.ChangeTracker.Clear();
                    var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    var code = SchoolCode(number);
                    LogSchoolSeeded(logger, code, rows, elapsedMs);
                }

                await transaction.CommitAsync(cancellationToken);
            }, ct);
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }

        return new SeedSummary(
            codes,
            new SeedUsernames(
                Range(PupilUsername(1), PupilUsername(request.PupilsPerSchool)),
                Range(TeacherUsername(1), TeacherUsername(shape.TeacherCount)),
                Range(ParentUsername(1), ParentUsername(request.PupilsPerSchool)),
                AdminUsername),
            request.PupilsPerSchool,
            shape.TeacherCount,
            shape.ClassCount,
            shape.ClassCount * Subjects.Length,
            summaryClasses);
    }

    internal static string SchoolCode(int number) => string.Create(CultureInfo.InvariantCulture, $"school{number:D3}");

    private static string PupilUsername(int number) => string.Create(CultureInfo.InvariantCulture, $"p{number:D5}");

    private static string ParentUsername(int number) => string.Create(CultureInfo.InvariantCulture, $"o{number:D5}");

    private static string TeacherUsername(int number) => string.Create(CultureInfo.InvariantCulture, $"t{number:D4}");

    private static string Range(string first, string last) => first + ".." + last;

    /// <summary>Adds one school's rows to the context (not yet saved) and returns how many.</summary>
    private int AddSchool(int number, SchoolShape shape, string schoolYear, string passwordHash, SeedBlobs files, List<SeededClass> summaryClasses)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var names = new NamePicker(number);
        var school = new School
        {
            Code = SchoolCode(number),
            Name = SchoolNames[(number - 1) % SchoolNames.Length] + " " + number.ToString("D3", CultureInfo.InvariantCulture),
            DefaultLanguage = "nl",
            CreatedAt = now,
        };

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

        var people = new List<Person>(2 * shape.PupilCount + shape.TeacherCount + 1)
        {
            NewPerson(AdminUsername, PersonRole.SchoolAdmin, names.Adult(), names.Last()),
        };

        var teachers = new List<Person>(shape.TeacherCount);
        for (var t = 1; t <= shape.TeacherCount; t++)
        {
            teachers.Add(NewPerson(TeacherUsername(t), PersonRole.Teacher, names.Adult(), names.Last()));
        }

        people.AddRange(teachers);

        var classes = new List<SchoolClass>(shape.ClassCount);
        var memberships = new List<ClassMembership>(shape.PupilCount);
        var pupilsOfClass = new List<Person>(PupilsPerClass + 1);
        var parentLinks = new List<ParentLink>(shape.PupilCount);
        var courses = new List<Course>(shape.ClassCount * Subjects.Length);
        var courseClasses = new List<CourseClass>(courses.Capacity);
        var courseTeachers = new List<CourseTeacher>(courses.Capacity);
        var content = new List<object>(courses.Capacity * 4);
        // Published a minute ago, so that the lesson and its PDF are there for every pupil at once.
        var publishedAt = now.AddMinutes(-1);

        for (var c = 0; c < shape.ClassCount; c++)
        {
            var className = shape.ClassNames[c];
            var schoolClass = new SchoolClass { SchoolId = school.Id, Name = className, SchoolYear = schoolYear };
            classes.Add(schoolClass);

            var (firstPupil, lastPupil) = shape.PupilRange(c);
            pupilsOfClass.Clear();
            for (var p = firstPupil; p <= lastPupil; p++)
            {
                var lastName = names.Last();
                var pupil = NewPerson(PupilUsername(p), PersonRole.Pupil, names.Child(), lastName);
                // Most children share a surname with the parent the school has on file.
                var parent = NewPerson(ParentUsername(p), PersonRole.Parent, names.Adult(), lastName);
                people.Add(pupil);
                people.Add(parent);
                pupilsOfClass.Add(pupil);
                memberships.Add(new ClassMembership { SchoolId = school.Id, ClassId = schoolClass.Id, PupilId = pupil.Id });
                parentLinks.Add(new ParentLink { SchoolId = school.Id, ParentId = parent.Id, PupilId = pupil.Id });
            }

            for (var s = 0; s < Subjects.Length; s++)
            {
                var course = new Course { SchoolId = school.Id, Name = Subjects[s] + " " + className, CreatedAt = now };
                courses.Add(course);
                courseClasses.Add(new CourseClass { SchoolId = school.Id, CourseId = course.Id, ClassId = schoolClass.Id });
                var teacherId = teachers[shape.TeacherIndex(s, c)].Id;
                courseTeachers.Add(new CourseTeacher { SchoolId = school.Id, CourseId = course.Id, TeacherId = teacherId });
                var documents = new List<SeededDocument>(2);
                var lesson = new Lesson { SchoolId = school.Id, CourseId = course.Id, Title = "Les 1: " + course.Name, Instructions = "Lees het document en maak de oefeningen.", RequestedPublishAt = publishedAt, CreatedAt = now, CreatedBy = teacherId };
                content.Add(lesson);
                content.Add(new LessonClass { SchoolId = school.Id, LessonId = lesson.Id, ClassId = schoolClass.Id, PublishAt = publishedAt });
                documents.Add(AddDocument(content, school, course, lesson.Id, teacherId, "Les 1 " + course.Name + ".pdf", files.Pdf, now));
                if (s == 0 && c == 0)
                {
                    documents.Add(AddDocument(content, school, course, null, teacherId, "Instructievideo.mp4", files.Video, now));
                }

                if (s == 0)
                {
                    // Something to practise: "Tafels van 7" in the class's first course, given to
                    // the class as a task for the month, so it is on every pupil's today page.
                    var (set, items) = DemoExercises.TafelsVan7(school.Id, course.Id, teacherId, now);
                    content.Add(set);
                    content.AddRange(items);
                    content.Add(new ExerciseTask
                    {
                        SchoolId = school.Id, CourseId = course.Id, SetId = set.Id, ClassId = schoolClass.Id,
                        From = now.AddDays(-1), Until = now.AddDays(30), CreatedAt = now, CreatedBy = teacherId,
                    });

                    // Something to hand in, due in a week, so it is on every pupil's today page.
                    var assignment = new Assignment
                    {
                        SchoolId = school.Id, CourseId = course.Id, Title = "Opdracht 1: " + course.Name,
                        Instructions = "Maak de oefeningen van les 1 en dien je werk hier in (tekst of bestand).",
                        DueAt = now.AddDays(7), AcceptsLate = true, CreatedAt = now, CreatedBy = teacherId,
                    };
                    content.Add(assignment);
                    content.Add(new AssignmentClass { SchoolId = school.Id, AssignmentId = assignment.Id, ClassId = schoolClass.Id });
                    AddClassMessages(content, school.Id, teachers[shape.TeacherIndex(s, c)], className, pupilsOfClass, now);
                    summaryClasses.Add(new SeededClass(
                        school.Code,
                        className,
                        Range(PupilUsername(firstPupil), PupilUsername(lastPupil)),
                        new SeededCourse(course.Id, course.Name, $"/{school.Code}/courses/{course.Id}", documents)));
                }
            }
        }

        // Parents before children in the graph: schools, then people and classes, then the
        // rows that point at them. EF orders inserts by foreign keys anyway; this keeps it cheap.
        db.Schools.Add(school);
        db.People.AddRange(people);
        db.Classes.AddRange(classes);
        db.ClassMemberships.AddRange(memberships);
        db.ParentLinks.AddRange(parentLinks);
        db.Courses.AddRange(courses);
        db.CourseClasses.AddRange(courseClasses);
        db.CourseTeachers.AddRange(courseTeachers);
        db.AddRange(content);
        return 1 + people.Count + classes.Count + memberships.Count + parentLinks.Count
            + courses.Count + courseClasses.Count + courseTeachers.Count + content.Count;
    }

    /// <summary>The class teacher's messages to the class: sent, delivered and unread, with each pupil's unread counter to match.</summary>
    private static void AddClassMessages(List<object> rows, Guid schoolId, Person teacher, string className, List<Person> pupils, DateTime now)
    {
        for (var m = 0; m < ClassMessages.Length; m++)
        {
            var sentAt = now.AddHours(m - ClassMessages.Length);
            var message = new Message
            {
                SchoolId = schoolId, SenderId = teacher.Id, SenderRole = teacher.Role,
                Subject = ClassMessages[m].Subject, Body = ClassMessages[m].Body,
                Audience = "klas " + className, RecipientCount = pupils.Count, SentAt = sentAt, ReleaseAt = sentAt,
            };
            rows.Add(message);
            rows.Add(new MailboxEntry { SchoolId = schoolId, MessageId = message.Id, PersonId = teacher.Id, Box = MailboxBox.Sent, ReleaseAt = sentAt, Delivered = true, ReadAt = sentAt });
            foreach (var pupil in pupils)
            {
                rows.Add(new MailboxEntry { SchoolId = schoolId, MessageId = message.Id, PersonId = pupil.Id, Box = MailboxBox.Inbox, ReleaseAt = sentAt, Delivered = true });
            }
        }

        foreach (var pupil in pupils)
        {
            rows.Add(new UnreadCounter { SchoolId = schoolId, PersonId = pupil.Id, Messages = ClassMessages.Length });
        }
    }

    private static SeededDocument AddDocument(List<object> rows, School school, Course course, Guid? lessonId, Guid teacherId, string fileName, Blob blob, DateTime now)
    {
        var item = new CourseItem
        {
            SchoolId = school.Id,
            CourseId = course.Id,
            LessonId = lessonId,
            Kind = CourseItemKind.Document,
            Title = Path.GetFileNameWithoutExtension(fileName),
            Position = 1,
            CreatedAt = now,
            CreatedBy = teacherId,
        };
        var version = new DocumentVersion
        {
            SchoolId = school.Id,
            ItemId = item.Id,
            Number = 1,
            BlobHash = blob.Hash,
            Length = blob.Length,
            ContentType = blob.ContentType,
            FileName = fileName,
            CreatedAt = now,
            CreatedBy = teacherId,
        };
        item.CurrentVersionId = version.Id;
        rows.Add(item);
        rows.Add(version);
        return new SeededDocument(fileName, blob.ContentType, blob.Length, $"/{school.Code}/documents/{item.Id}/versions/{version.Id}");
    }

    /// <summary>
    /// Stores the seed's PDF and video once, in the configured store, whatever the number of
    /// courses and schools that use them: that is what content addressing buys.
    /// </summary>
    private async Task<SeedBlobs> StoreSeedFilesAsync(CancellationToken cancellationToken)
    {
        var options = Microsoft.Extensions.Options.Options.Create(configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions());
        var store = BlobStores.Create(options);
        try
        {
            using var pdf = new MemoryStream(SeedFiles.Pdf("Schoolbel: les 1", SeedPdfBytes));
            var pdfBlob = await StoreAsync(store, pdf, "application/pdf", cancellationToken);
            await using var video = SeedFiles.Video(SeedVideoBytes);
            var videoBlob = await StoreAsync(store, video, "video/mp4", cancellationToken);
            return new SeedBlobs(pdfBlob, videoBlob);
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    private async Task<Blob> StoreAsync(IBlobStore store, Stream bytes, string contentType, CancellationToken cancellationToken)
    {
        using var staged = await store.StageAsync(bytes, long.MaxValue, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var blob = await db.Set<Blob>().FirstOrDefaultAsync(b => b.Hash == staged.Hash, cancellationToken);
        if (blob is null)
        {
            blob = new Blob { Hash = staged.Hash, Length = staged.Length, ContentType = contentType, LastUsedAt = now };
            db.Add(blob);
        }
        else
        {
            blob.LastUsedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        await store.CommitAsync(staged, cancellationToken);
        db.ChangeTracker.Clear();
        return blob;
    }

    private sealed record SeedBlobs(Blob Pdf, Blob Video);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded school {Code}: {Rows} rows in {ElapsedMs} ms")]
    private static partial void LogSchoolSeeded(ILogger logger, string code, int rows, long elapsedMs);

    /// <summary>
    /// The layout every seeded school shares: how many classes, their names, which pupils sit
    /// in which class and which teacher takes which course.
    /// </summary>
    private sealed class SchoolShape
    {
        private readonly int _teachersPerSubject;

        private SchoolShape(int pupilCount, IReadOnlyList<string> classNames)
        {
            PupilCount = pupilCount;
            ClassNames = classNames;
            _teachersPerSubject = (ClassCount + ClassesPerSubjectTeacher - 1) / ClassesPerSubjectTeacher;
        }

        public int PupilCount { get; }
        public IReadOnlyList<string> ClassNames { get; }
        public int ClassCount => ClassNames.Count;
        public int TeacherCount => _teachersPerSubject * Subjects.Length;

        public static SchoolShape For(int pupilCount)
        {
            var classCount = (pupilCount + PupilsPerClass - 1) / PupilsPerClass;
            // Spread classes evenly over the six years; the lower years get the remainder,
            // as schools usually have more first-year classes than sixth-year ones.
            var names = new List<string>(classCount);
            for (var year = 1; year <= YearsPerSchool; year++)
            {
                var inYear = classCount / YearsPerSchool + (year <= classCount % YearsPerSchool ? 1 : 0);
                for (var k = 0; k < inYear; k++)
                {
                    names.Add(year.ToString(CultureInfo.InvariantCulture) + Letters(k));
                }
            }

            return new SchoolShape(pupilCount, names);
        }

        /// <summary>Pupil numbers (1-based, inclusive) of class <paramref name="classIndex"/>; sizes differ by at most one.</summary>
        public (int First, int Last) PupilRange(int classIndex) =>
            ((int)((long)classIndex * PupilCount / ClassCount) + 1, (int)((long)(classIndex + 1) * PupilCount / ClassCount));

        /// <summary>0-based teacher of subject <paramref name="subject"/> in class <paramref name="classIndex"/>.</summary>
        public int TeacherIndex(int subject, int classIndex) =>
            subject * _teachersPerSubject + classIndex / ClassesPerSubjectTeacher;

        // A, B, … Z, AA, AB, … like spreadsheet columns; only huge schools get past Z.
        private static string Letters(int index)
        {
            var letters = string.Empty;
            for (var n = index + 1; n > 0; n = (n - 1) / 26)
            {
                letters = (char)('A' + (n - 1) % 26) + letters;
            }

            return letters;
        }
    }

    /// <summary>Deterministic names per school, so repeated seeds produce the same people.</summary>
    private sealed class NamePicker(int seed)
    {
        // CA5394: System.Random is fine here; these are made-up names for test data, not
        // secrets, and a fixed seed is the point (reproducible schools).
#pragma warning disable CA5394
        private readonly Random _random = new(seed);

        public string Child() => ChildFirstNames[_random.Next(ChildFirstNames.Length)];

        public string Adult() => AdultFirstNames[_random.Next(AdultFirstNames.Length)];

        public string Last() => LastNames[_random.Next(LastNames.Length)];
#pragma warning restore CA5394
    }
}
