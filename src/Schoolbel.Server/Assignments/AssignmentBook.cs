using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Grades;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.People;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Assignments;

/// <summary>
/// Assignments of a course: creating them, who gets them, what each viewer may see of them, and
/// the teacher's reviews. Hand-ins themselves go through <see cref="SubmissionIntake"/>.
/// Every query runs under the school filter; callers check the course with <see cref="CourseAccess"/> first.
/// </summary>
public sealed partial class AssignmentBook(SchoolbelDb db, CourseAccess access, HotCache cache, Grades.GradeNotifications notifications, TimeProvider time, ILogger<AssignmentBook> logger)
{
    public const int MaxTitleLength = 200;
    public const int MaxInstructionsLength = 20_000;
    public const int MaxFeedbackLength = 20_000;
    public const decimal MaxScoreLimit = 10_000;
    public const string AssignmentCategory = "opdracht";

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    /// <summary>
    /// The pupils who get an assignment: those of its classes and its chosen pupils, as long as
    /// they (still) follow the course.
    /// </summary>
    internal IQueryable<Guid> AssigneesOf(Guid assignmentId, Guid courseId)
    {
        var inCourse = access.PupilsOf(courseId);
        return db.Set<AssignmentClass>().Where(c => c.AssignmentId == assignmentId)
            .Join(db.ClassMemberships, c => c.ClassId, m => m.ClassId, (c, m) => m.PupilId)
            .Union(db.Set<AssignmentPupil>().Where(p => p.AssignmentId == assignmentId).Select(p => p.PupilId))
            .Where(p => inCourse.Contains(p));
    }

    /// <summary>The pupils whose work this viewer may see: all assignees for staff, themselves for a pupil, their children for a parent.</summary>
    internal async Task<IReadOnlyList<Guid>> VisiblePupilsAsync(Assignment assignment, CourseViewer viewer, CancellationToken cancellationToken)
    {
        var assignees = AssigneesOf(assignment.Id, assignment.CourseId);
        return viewer.Role switch
        {
            PersonRole.Teacher or PersonRole.SchoolAdmin when viewer.CanEdit => await assignees.ToListAsync(cancellationToken),
            PersonRole.Pupil => await assignees.Where(p => p == viewer.PersonId).ToListAsync(cancellationToken),
            PersonRole.Parent => await db.ParentLinks.Where(l => l.ParentId == viewer.PersonId && assignees.Contains(l.PupilId)).Select(l => l.PupilId).ToListAsync(cancellationToken),
            _ => [],
        };
    }

    /// <summary>The assignment if this viewer may see it (staff: any of the course; pupils and parents: when it is theirs / their child's).</summary>
    public async Task<Assignment?> FindAsync(Guid courseId, Guid assignmentId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var assignment = await db.Set<Assignment>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == assignmentId && a.CourseId == courseId, cancellationToken);
        if (assignment is null || viewer.CanEdit)
        {
            return assignment;
        }

        return (await VisiblePupilsAsync(assignment, viewer, cancellationToken)).Count > 0 ? assignment : null;
    }

    public async Task<IReadOnlyList<AssignmentSummary>> ForCourseAsync(Guid courseId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var assignments = await db.Set<Assignment>().AsNoTracking().Where(a => a.CourseId == courseId).OrderByDescending(a => a.DueAt).ToListAsync(cancellationToken);
        var result = new List<AssignmentSummary>();
        foreach (var assignment in assignments)
        {
            var pupils = await VisiblePupilsAsync(assignment, viewer, cancellationToken);
            if (pupils.Count == 0 && !viewer.CanEdit)
            {
                continue;
            }

            result.Add(await SummarizeAsync(assignment, pupils, cancellationToken));
        }

        return result;
    }

    /// <summary>Assignments of all the viewer's courses (the overview page), newest deadline first.</summary>
    public async Task<IReadOnlyList<AssignmentSummary>> ForPersonAsync(Guid personId, PersonRole role, CancellationToken cancellationToken)
    {
        IReadOnlyList<CourseLink> courses = role switch
        {
            PersonRole.Pupil => await access.CoursesOfPupilAsync(personId, cancellationToken),
            PersonRole.Parent => await ChildrenCoursesAsync(personId, cancellationToken),
            _ => await access.CoursesOfTeacherAsync(personId, cancellationToken),
        };
        var result = new List<AssignmentSummary>();
        foreach (var course in courses)
        {
            if (await access.ViewerAsync(course.Id, personId, role, cancellationToken) is { } viewer)
            {
                result.AddRange(await ForCourseAsync(course.Id, viewer, cancellationToken));
            }
        }

        return [.. result.OrderByDescending(a => a.DueAt)];
    }

    private async Task<IReadOnlyList<CourseLink>> ChildrenCoursesAsync(Guid parentId, CancellationToken cancellationToken)
    {
        var courses = new Dictionary<Guid, CourseLink>();
        foreach (var child in await access.ChildrenAsync(parentId, cancellationToken))
        {
            foreach (var course in await access.CoursesOfPupilAsync(child.Id, cancellationToken))
            {
                courses.TryAdd(course.Id, course);
            }
        }

        return [.. courses.Values];
    }

    private async Task<AssignmentSummary> SummarizeAsync(Assignment assignment, IReadOnlyList<Guid> pupils, CancellationToken cancellationToken)
    {
        var courseName = await db.Courses.Where(c => c.Id == assignment.CourseId).Select(c => c.Name).FirstAsync(cancellationToken);
        var submitted = await db.Set<Submission>().Where(s => s.AssignmentId == assignment.Id && pupils.Contains(s.PupilId))
            .Select(s => s.PupilId).Distinct().CountAsync(cancellationToken);
        return new AssignmentSummary(assignment.Id, assignment.CourseId, courseName, assignment.Title, assignment.DueAt, assignment.AcceptsLate,
            assignment.Graded, assignment.MaxScore, pupils.Count, submitted);
    }

    /// <summary>The pupils of a course by name, for choosing some of them.</summary>
    public async Task<IReadOnlyList<IdName>> CoursePupilsAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var inCourse = access.PupilsOf(courseId);
        return await db.People.AsNoTracking().Where(p => inCourse.Contains(p.Id)).OrderBy(p => p.LastName).ThenBy(p => p.FirstName)
            .Select(p => new IdName(p.Id, p.LastName + " " + p.FirstName)).ToListAsync(cancellationToken);
    }

    /// <summary>An assignment with its attachments and the work of every pupil this viewer may see.</summary>
    public async Task<AssignmentDetails?> DetailsAsync(Guid courseId, Guid assignmentId, CourseViewer viewer, CancellationToken cancellationToken)
    {
        var assignment = await FindAsync(courseId, assignmentId, viewer, cancellationToken);
        if (assignment is null)
        {
            return null;
        }

        var pupils = await VisiblePupilsAsync(assignment, viewer, cancellationToken);
        var classes = await db.Set<AssignmentClass>().Where(c => c.AssignmentId == assignmentId)
            .Join(db.Classes, c => c.ClassId, k => k.Id, (c, k) => k.Name).OrderBy(n => n).ToListAsync(cancellationToken);
        var attachments = await db.Set<AssignmentFile>().AsNoTracking().Where(f => f.AssignmentId == assignmentId && f.SubmissionId == null)
            .OrderBy(f => f.CreatedAt).ToListAsync(cancellationToken);
        var work = await WorkAsync(assignment, pupils, viewer.CanEdit, cancellationToken);
        var summary = await SummarizeAsync(assignment, pupils, cancellationToken);
        return new AssignmentDetails(summary, assignment.Instructions, classes, [.. attachments.Select(FileView.Of)], work);
    }

    /// <summary>Each pupil's submissions (oldest first) and review; drafts only for staff.</summary>
    internal async Task<IReadOnlyList<PupilWork>> WorkAsync(Assignment assignment, IReadOnlyList<Guid> pupils, bool staff, CancellationToken cancellationToken)
    {
        var people = await db.People.AsNoTracking().Where(p => pupils.Contains(p.Id))
            .Select(p => new { p.Id, Name = p.LastName + " " + p.FirstName }).ToListAsync(cancellationToken);
        var submissions = (await db.Set<Submission>().AsNoTracking().Where(s => s.AssignmentId == assignment.Id && pupils.Contains(s.PupilId))
            .OrderBy(s => s.Number).ToListAsync(cancellationToken)).ToLookup(s => s.PupilId);
        var files = (await db.Set<AssignmentFile>().AsNoTracking().Where(f => f.AssignmentId == assignment.Id && f.SubmissionId != null)
            .OrderBy(f => f.FileName).ToListAsync(cancellationToken)).ToLookup(f => f.SubmissionId!.Value);
        var reviews = await db.Set<AssignmentReview>().AsNoTracking().Where(r => r.AssignmentId == assignment.Id && pupils.Contains(r.PupilId))
            .ToDictionaryAsync(r => r.PupilId, cancellationToken);
        return [.. people.OrderBy(p => p.Name, StringComparer.Create(System.Globalization.CultureInfo.GetCultureInfo("nl-BE"), true)).Select(p =>
        {
            var review = reviews.GetValueOrDefault(p.Id);
            var shown = review is not null && (staff || review.Status != ReviewStatus.Draft) ? ReviewView.Of(review, assignment.MaxScore) : null;
            return new PupilWork(p.Id, p.Name, [.. submissions[p.Id].Select(s => Receipt.Of(s, files[s.Id]))], shown);
        })];
    }

    /// <summary>
    /// Checks an assignment as created or edited; returns the trimmed title and the audience (none
    /// chosen: all the course's classes and its chosen pupils).
    /// </summary>
    private async Task<(string? Title, List<Guid> ClassIds, List<Guid> PupilIds)> ValidateAsync(Guid courseId, AssignmentInput input, FieldErrors errors, CancellationToken cancellationToken)
    {
        var title = input.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            errors.Add("title", "Geef de opdracht een titel.");
        }
        else if (title.Length > MaxTitleLength)
        {
            errors.Add("title", $"De titel is te lang (hoogstens {MaxTitleLength} tekens).");
        }

        if (input.Instructions?.Length > MaxInstructionsLength)
        {
            errors.Add("instructions", $"De instructies zijn te lang (hoogstens {MaxInstructionsLength} tekens).");
        }

        if (input.DueAt is null)
        {
            errors.Add("dueAt", "Kies een datum en uur waarop de opdracht af moet zijn.");
        }

        if (input.Graded)
        {
            if (input.MaxScore is not { } max || max <= 0)
            {
                errors.Add("maxScore", "Een opdracht met punten heeft een maximum groter dan 0.");
            }
            else if (max > MaxScoreLimit || decimal.Round(max, 2) != max)
            {
                errors.Add("maxScore", $"Het maximum is hoogstens {MaxScoreLimit} met hoogstens twee cijfers na de komma.");
            }

            if (input.Weight is { } weight && (weight <= 0 || weight > 100))
            {
                errors.Add("weight", "Het gewicht ligt tussen 0 en 100.");
            }
        }
        else if (input.MaxScore is not null)
        {
            errors.Add("maxScore", "Een maximum kan alleen bij een opdracht met punten.");
        }

        if (input.Category?.Trim().Length > 60)
        {
            errors.Add("category", "De categorie is te lang (hoogstens 60 tekens).");
        }

        var courseClasses = await db.CourseClasses.Where(c => c.CourseId == courseId).Select(c => c.ClassId).ToListAsync(cancellationToken);
        var classIds = (input.ClassIds ?? []).Distinct().ToList();
        if (classIds.Any(c => !courseClasses.Contains(c)))
        {
            errors.Add("classIds", "Kies alleen klassen van dit vak.");
        }

        var pupilIds = (input.PupilIds ?? []).Distinct().ToList();
        var inCourse = access.PupilsOf(courseId);
        if (pupilIds.Count > 0 && await db.People.CountAsync(p => pupilIds.Contains(p.Id) && inCourse.Contains(p.Id), cancellationToken) != pupilIds.Count)
        {
            errors.Add("pupilIds", "Kies alleen leerlingen van dit vak.");
        }

        if (classIds.Count == 0 && pupilIds.Count == 0)
        {
            // Nobody chosen: the whole course, i.e. all its classes and its chosen pupils.
            classIds = courseClasses;
            pupilIds = await db.CoursePupils.Where(p => p.CourseId == courseId).Select(p => p.PupilId).ToListAsync(cancellationToken);
            if (classIds.Count == 0 && pupilIds.Count == 0)
            {
                errors.Add("classIds", "Dit vak heeft nog geen klassen of leerlingen.");
            }
        }

        return (title, classIds, pupilIds);
    }

    public async Task<Outcome<AssignmentSummary>> CreateAsync(Guid courseId, AssignmentInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var errors = new FieldErrors();
        var (title, classIds, pupilIds) = await ValidateAsync(courseId, input, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var assignment = new Assignment
        {
            SchoolId = SchoolId,
            CourseId = courseId,
            Title = title!,
            Instructions = string.IsNullOrWhiteSpace(input.Instructions) ? null : input.Instructions,
            DueAt = input.DueAt!.Value.UtcDateTime,
            AcceptsLate = input.AcceptsLate,
            Graded = input.Graded,
            MaxScore = input.Graded ? input.MaxScore : null,
            CreatedAt = now,
            CreatedBy = editor.PersonId,
        };
        db.Add(assignment);
        db.AddRange(classIds.Select(c => new AssignmentClass { SchoolId = SchoolId, AssignmentId = assignment.Id, ClassId = c }));
        db.AddRange(pupilIds.Select(p => new AssignmentPupil { SchoolId = SchoolId, AssignmentId = assignment.Id, PupilId = p }));
        if (assignment.Graded)
        {
            // The gradebook column its released scores flow into; the teacher may rename or reweigh it there.
            var evaluation = NewEvaluation(assignment, input, now, editor.PersonId);
            db.Add(evaluation);
            assignment.EvaluationId = evaluation.Id;
        }

        await db.SaveChangesAsync(cancellationToken);
        Changed(courseId);
        LogCreated(logger, assignment.Id, courseId, editor.PersonId);
        var pupils = await AssigneesOf(assignment.Id, courseId).ToListAsync(cancellationToken);
        return await SummarizeAsync(assignment, pupils, cancellationToken);
    }

    /// <summary>The assignment as its edit form shows it (staff only); null when it is not in this course.</summary>
    public async Task<AssignmentForm?> FormAsync(Guid courseId, Guid assignmentId, CancellationToken cancellationToken)
    {
        var assignment = await db.Set<Assignment>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == assignmentId && a.CourseId == courseId, cancellationToken);
        if (assignment is null)
        {
            return null;
        }

        var classes = await db.Set<AssignmentClass>().Where(c => c.AssignmentId == assignmentId).Select(c => c.ClassId).ToListAsync(cancellationToken);
        var pupils = await db.Set<AssignmentPupil>().Where(p => p.AssignmentId == assignmentId).Select(p => p.PupilId).ToListAsync(cancellationToken);
        var evaluation = assignment.EvaluationId is { } id ? await db.Set<Evaluation>().AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken) : null;
        var attachments = await db.Set<AssignmentFile>().AsNoTracking().Where(f => f.AssignmentId == assignmentId && f.SubmissionId == null)
            .OrderBy(f => f.FileName).ToListAsync(cancellationToken);
        var submissions = await db.Set<Submission>().CountAsync(s => s.AssignmentId == assignmentId, cancellationToken);
        return new AssignmentForm(assignment.Id, assignment.CourseId, assignment.Title, assignment.Instructions, assignment.DueAt, assignment.AcceptsLate, assignment.Graded,
            assignment.MaxScore, evaluation?.Weight, evaluation?.Category, classes, pupils, [.. attachments.Select(FileView.Of)], submissions);
    }

    /// <summary>
    /// Changes an assignment; the input is the whole assignment again, as on create. Rules:
    /// <list type="bullet">
    /// <item>Hand-ins keep their late flag as it was when they arrived: a receipt records what happened.</item>
    /// <item>A pupil left out of the audience keeps their hand-ins stored; they just no longer see the assignment.</item>
    /// <item>Once a score is given (a review or the gradebook), the maximum cannot go below it and
    /// the assignment cannot stop being graded: 400 naming <c>maxScore</c> or <c>graded</c>.</item>
    /// <item>A graded assignment's gradebook evaluation follows its maximum (and weight and category
    /// when given); an assignment that becomes graded gets one.</item>
    /// </list>
    /// Null when the assignment is not in this course.
    /// </summary>
    public async Task<Outcome<AssignmentSummary>?> UpdateAsync(Guid courseId, Guid assignmentId, AssignmentInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var assignment = await db.Set<Assignment>().FirstOrDefaultAsync(a => a.Id == assignmentId && a.CourseId == courseId, cancellationToken);
        if (assignment is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        var (title, classIds, pupilIds) = await ValidateAsync(courseId, input, errors, cancellationToken);
        var evaluation = assignment.EvaluationId is { } id ? await db.Set<Evaluation>().FirstOrDefaultAsync(e => e.Id == id, cancellationToken) : null;
        var highest = await HighestScoreAsync(assignmentId, evaluation?.Id, cancellationToken);
        if (highest is { } top)
        {
            if (!input.Graded)
            {
                errors.Add("graded", "Er zijn al punten gegeven: de opdracht blijft op punten.");
            }
            else if (input.MaxScore is { } max && max < top)
            {
                errors.Add("maxScore", $"Er is al een score van {top.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} gegeven: het maximum kan niet lager.");
            }
        }

        if (errors.Any)
        {
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        assignment.Title = title!;
        assignment.Instructions = string.IsNullOrWhiteSpace(input.Instructions) ? null : input.Instructions;
        assignment.DueAt = input.DueAt!.Value.UtcDateTime;
        assignment.AcceptsLate = input.AcceptsLate;
        assignment.Graded = input.Graded;
        assignment.MaxScore = input.Graded ? input.MaxScore : null;
        if (input.Graded && evaluation is null)
        {
            evaluation = NewEvaluation(assignment, input, now, editor.PersonId);
            db.Add(evaluation);
            assignment.EvaluationId = evaluation.Id;
        }
        else if (input.Graded)
        {
            evaluation!.MaxScore = assignment.MaxScore!.Value;
            evaluation.Weight = input.Weight ?? evaluation.Weight;
            evaluation.Category = string.IsNullOrWhiteSpace(input.Category) ? evaluation.Category : input.Category.Trim();
        }
        else if (evaluation is not null)
        {
            // No score in it (checked above): the empty gradebook column goes with the grading.
            db.Remove(evaluation);
            assignment.EvaluationId = null;
        }

        var oldClasses = await db.Set<AssignmentClass>().Where(c => c.AssignmentId == assignmentId).ToListAsync(cancellationToken);
        db.RemoveRange(oldClasses.Where(c => !classIds.Contains(c.ClassId)));
        db.AddRange(classIds.Where(c => !oldClasses.Any(o => o.ClassId == c)).Select(c => new AssignmentClass { SchoolId = SchoolId, AssignmentId = assignmentId, ClassId = c }));
        var oldPupils = await db.Set<AssignmentPupil>().Where(p => p.AssignmentId == assignmentId).ToListAsync(cancellationToken);
        db.RemoveRange(oldPupils.Where(p => !pupilIds.Contains(p.PupilId)));
        db.AddRange(pupilIds.Where(p => !oldPupils.Any(o => o.PupilId == p)).Select(p => new AssignmentPupil { SchoolId = SchoolId, AssignmentId = assignmentId, PupilId = p }));
        await db.SaveChangesAsync(cancellationToken);
        Changed(courseId);
        LogUpdated(logger, assignmentId, editor.PersonId);
        var pupils = await AssigneesOf(assignmentId, courseId).ToListAsync(cancellationToken);
        return await SummarizeAsync(assignment, pupils, cancellationToken);
    }

    /// <summary>
    /// Deletes an assignment by marking it (see <see cref="Assignment.DeletedAt"/>): it disappears
    /// from every page, the today page, the planner and the calendar feeds, but the pupils'
    /// submissions, receipts and files stay stored, so no one's work is destroyed by a teacher's
    /// click. Its gradebook evaluation is deleted with it (see <see cref="Gradebook.DeleteAsync"/>),
    /// so its scores leave the pupils' totals and no pending notification announces them.
    /// False when the assignment is not in this course.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid courseId, Guid assignmentId, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(editor);
        var assignment = await db.Set<Assignment>().FirstOrDefaultAsync(a => a.Id == assignmentId && a.CourseId == courseId, cancellationToken);
        if (assignment is null)
        {
            return false;
        }

        var now = time.GetUtcNow().UtcDateTime;
        assignment.DeletedAt = now;
        assignment.DeletedBy = editor.PersonId;
        if (assignment.EvaluationId is { } evaluationId)
        {
            await Gradebook.RemoveEvaluationAsync(db, evaluationId, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        Changed(courseId);
        cache.Invalidate((await AssigneesOf(assignmentId, courseId).ToListAsync(cancellationToken)).Select(HotTags.Person));
        LogDeleted(logger, assignmentId, editor.PersonId);
        return true;
    }

    /// <summary>Removes a teacher's attachment (not a hand-in's file); false when there is no such attachment. The blob goes with the storage collector once nothing refers to it.</summary>
    public async Task<bool> RemoveAttachmentAsync(Guid courseId, Guid assignmentId, Guid fileId, CancellationToken cancellationToken)
    {
        var removed = await db.Set<AssignmentFile>()
            .Where(f => f.Id == fileId && f.AssignmentId == assignmentId && f.SubmissionId == null
                && db.Set<Assignment>().Any(a => a.Id == assignmentId && a.CourseId == courseId))
            .ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            Changed(courseId);
        }

        return removed > 0;
    }

    /// <summary>The highest score given on an assignment so far, in a review or in its gradebook evaluation.</summary>
    private async Task<decimal?> HighestScoreAsync(Guid assignmentId, Guid? evaluationId, CancellationToken cancellationToken)
    {
        var reviewed = await db.Set<AssignmentReview>().Where(r => r.AssignmentId == assignmentId && r.Score != null).MaxAsync(r => r.Score, cancellationToken);
        var recorded = evaluationId is { } id ? await db.Set<Score>().Where(s => s.EvaluationId == id && s.Points != null).MaxAsync(s => s.Points, cancellationToken) : null;
        return reviewed is null ? recorded : recorded is null ? reviewed : Math.Max(reviewed.Value, recorded.Value);
    }

    /// <summary>The assignment's due date, title and audience show in the today page, planners and feeds: drop what they cached.</summary>
    private void Changed(Guid courseId)
    {
        cache.Invalidate(HotTags.Course(courseId));
        cache.Invalidate(Planner.PlannerTags.School(SchoolId));
    }

    private Evaluation NewEvaluation(Assignment assignment, AssignmentInput input, DateTime now, Guid editorId) => new()
    {
        SchoolId = SchoolId,
        CourseId = assignment.CourseId,
        Name = assignment.Title,
        Date = Lessons.SchoolTime.LocalDate(assignment.DueAt),
        MaxScore = assignment.MaxScore!.Value,
        Weight = input.Weight ?? 1,
        Category = string.IsNullOrWhiteSpace(input.Category) ? AssignmentCategory : input.Category.Trim(),
        AssignmentId = assignment.Id,
        CreatedAt = now,
        CreatedBy = editorId,
    };

    /// <summary>
    /// Records the teacher's feedback and score for one pupil: kept as a draft, released (the pupil
    /// and parents see it, and a score flows into the gradebook), or returned for revision (the
    /// pupil sees the feedback and may hand in again, even after the deadline; a score that had
    /// flowed into the gradebook is taken out again until the revised work is graded).
    /// </summary>
    public async Task<Outcome<ReviewView>?> ReviewAsync(Guid courseId, Guid assignmentId, Guid pupilId, ReviewInput input, CourseViewer editor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(editor);
        var assignment = await db.Set<Assignment>().FirstOrDefaultAsync(a => a.Id == assignmentId && a.CourseId == courseId, cancellationToken);
        if (assignment is null || !await AssigneesOf(assignmentId, courseId).AnyAsync(p => p == pupilId, cancellationToken))
        {
            return null;
        }

        var errors = new FieldErrors();
        if (input.Feedback?.Length > MaxFeedbackLength)
        {
            errors.Add("feedback", $"De feedback is te lang (hoogstens {MaxFeedbackLength} tekens).");
        }

        if (input.Score is { } score)
        {
            if (!assignment.Graded)
            {
                errors.Add("score", "Deze opdracht staat niet op punten.");
            }
            else if (score < 0)
            {
                errors.Add("score", "De score mag niet negatief zijn.");
            }
            else if (score > assignment.MaxScore)
            {
                errors.Add("score", $"De score mag niet hoger zijn dan het maximum ({assignment.MaxScore:0.##}).");
            }
            else if (decimal.Round(score, 2) != score)
            {
                errors.Add("score", "De score heeft hoogstens twee cijfers na de komma.");
            }
        }

        if (errors.Any)
        {
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var latest = await db.Set<Submission>().Where(s => s.AssignmentId == assignmentId && s.PupilId == pupilId)
            .MaxAsync(s => (int?)s.Number, cancellationToken);
        var review = await db.Set<AssignmentReview>().FirstOrDefaultAsync(r => r.AssignmentId == assignmentId && r.PupilId == pupilId, cancellationToken);
        if (review is null)
        {
            review = new AssignmentReview { SchoolId = SchoolId, AssignmentId = assignmentId, PupilId = pupilId };
            db.Add(review);
        }

        review.Feedback = string.IsNullOrWhiteSpace(input.Feedback) ? null : input.Feedback;
        review.Score = input.Score;
        review.SubmissionNumber = latest;
        review.UpdatedAt = now;
        review.UpdatedBy = editor.PersonId;
        review.Status = input.Action switch
        {
            ReviewAction.Release => ReviewStatus.Released,
            ReviewAction.Return => ReviewStatus.Returned,
            _ => review.Status == 0 ? ReviewStatus.Draft : review.Status,
        };
        if (input.Action != ReviewAction.Save)
        {
            review.ReleasedAt = now;
        }

        if (assignment.EvaluationId is { } evaluationId && input.Action != ReviewAction.Save)
        {
            var existing = await db.Set<Score>().FirstOrDefaultAsync(s => s.EvaluationId == evaluationId && s.PupilId == pupilId, cancellationToken);
            if (input.Action == ReviewAction.Release && review.Score is { } points)
            {
                if (existing is null)
                {
                    existing = new Score { SchoolId = SchoolId, EvaluationId = evaluationId, PupilId = pupilId };
                    db.Add(existing);
                }

                existing.Points = points;
                existing.Code = ScoreCode.Points;
                existing.RecordedAt = now;
                existing.RecordedBy = editor.PersonId;
                existing.ReleasedAt = now;
            }
            else if (input.Action == ReviewAction.Return && existing is not null)
            {
                db.Remove(existing);
            }
        }

        if (input.Action == ReviewAction.Release)
        {
            notifications.Enqueue([pupilId], assignment.CourseId, assignment.Title, assignment.EvaluationId, assignment.Id);
        }

        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Person(pupilId));

        LogReviewed(logger, assignmentId, pupilId, review.Status);
        return ReviewView.Of(review, assignment.MaxScore);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId} created in course {CourseId} by {PersonId}")]
    private static partial void LogCreated(ILogger logger, Guid assignmentId, Guid courseId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId} changed by {PersonId}")]
    private static partial void LogUpdated(ILogger logger, Guid assignmentId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId} deleted (marked) by {PersonId}")]
    private static partial void LogDeleted(ILogger logger, Guid assignmentId, Guid personId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assignment {AssignmentId}: review of pupil {PupilId} is now {Status}")]
    private static partial void LogReviewed(ILogger logger, Guid assignmentId, Guid pupilId, ReviewStatus status);
}

public sealed record AssignmentInput(
    string? Title,
    string? Instructions,
    DateTimeOffset? DueAt,
    bool AcceptsLate = false,
    bool Graded = false,
    decimal? MaxScore = null,
    IReadOnlyList<Guid>? ClassIds = null,
    IReadOnlyList<Guid>? PupilIds = null,
    decimal? Weight = null,
    string? Category = null);

public enum ReviewAction
{
    /// <summary>Keep as a draft; the pupil sees nothing yet.</summary>
    Save = 0,
    Release = 1,
    Return = 2,
}

public sealed record ReviewInput(string? Feedback, decimal? Score, ReviewAction Action = ReviewAction.Save);

/// <summary>An assignment in a list: for staff <see cref="Pupils"/> counts all assignees, for pupils and parents their own.</summary>
public sealed record AssignmentSummary(
    Guid Id, Guid CourseId, string CourseName, string Title, DateTime DueAt, bool AcceptsLate, bool Graded, decimal? MaxScore, int Pupils, int Submitted);

/// <summary>What the edit form of an assignment starts from; <see cref="Submissions"/> counts hand-ins (the delete button says they are kept).</summary>
public sealed record AssignmentForm(
    Guid Id, Guid CourseId, string Title, string? Instructions, DateTime DueAt, bool AcceptsLate, bool Graded, decimal? MaxScore, decimal? Weight, string? Category,
    IReadOnlyList<Guid> ClassIds, IReadOnlyList<Guid> PupilIds, IReadOnlyList<FileView> Attachments, int Submissions);

public sealed record AssignmentDetails(AssignmentSummary Assignment, string? Instructions, IReadOnlyList<string> Classes, IReadOnlyList<FileView> Attachments, IReadOnlyList<PupilWork> Work);

/// <summary>A pupil's hand-ins (oldest first) and the review they may see.</summary>
public sealed record PupilWork(Guid PupilId, string Name, IReadOnlyList<Receipt> Submissions, ReviewView? Review)
{
    public Receipt? Latest => Submissions.Count == 0 ? null : Submissions[^1];
}

public sealed record ReviewView(ReviewStatus Status, string? Feedback, decimal? Score, decimal? MaxScore, int? SubmissionNumber, DateTime? ReleasedAt)
{
    internal static ReviewView Of(AssignmentReview review, decimal? maxScore) =>
        new(review.Status, review.Feedback, review.Score, maxScore, review.SubmissionNumber, review.ReleasedAt);
}

/// <summary>What a pupil gets for a hand-in: when it arrived, whether late, and each file with its SHA-256.</summary>
public sealed record Receipt(Guid SubmissionId, Guid AssignmentId, Guid PupilId, int Number, DateTime SubmittedAt, bool IsLate, string? Text, IReadOnlyList<FileView> Files)
{
    internal static Receipt Of(Submission submission, IEnumerable<AssignmentFile> files) =>
        new(submission.Id, submission.AssignmentId, submission.PupilId, submission.Number, submission.SubmittedAt, submission.IsLate, submission.Text,
            [.. files.Select(FileView.Of)]);
}

/// <summary>A file of an assignment; <see cref="Path"/> is relative to the school (prefix it with <c>/{school}</c>).</summary>
public sealed record FileView(Guid Id, string FileName, long Length, string ContentType, string Sha256, string Path)
{
    internal static FileView Of(AssignmentFile file) =>
        new(file.Id, file.FileName, file.Length, file.ContentType, file.BlobHash, $"/assignment-files/{file.AssignmentId}/{file.Id}");
}

/// <summary>A list of assignments for a page; <see cref="ShowCourse"/> on overviews across courses.</summary>
public sealed record AssignmentList(IReadOnlyList<AssignmentSummary> Items, PersonRole Role, DateTime Now, bool ShowCourse);
