using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Courses;
using Schoolbel.Server.People;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// A pupil practises one question at a time: answer, then feedback (and a hint when wrong), then
/// the next question. The page never holds the answer key; the answer is marked on the server.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class PracticeModel(CourseAccess access, ExerciseService exercises) : PageModel
{
    public Guid CourseId { get; private set; }
    public string Title { get; private set; } = "";
    public Served? Question { get; private set; }
    public AnswerResult? Result { get; private set; }
    public string? Problem { get; private set; }
    public bool NotForPupils { get; private set; }

    [FromQuery(Name = "set")]
    public Guid? SetId { get; set; }

    [FromQuery(Name = "skill")]
    public string? Skill { get; set; }

    public string Query => SetId is { } set ? $"set={set}" : $"skill={Uri.EscapeDataString(Skill ?? "")}";

    public async Task<IActionResult> OnGetAsync(Guid courseId, CancellationToken cancellationToken)
    {
        if (await ScopeAsync(courseId, cancellationToken) is not { } pupil)
        {
            return NotFound();
        }

        if (!NotForPupils)
        {
            Question = await exercises.NextAsync(courseId, new PracticeScope(SetId, SetId is null ? Skill : null), pupil, fresh: false, cancellationToken);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAnswerAsync(Guid courseId, Guid attemptId, List<string>? values, CancellationToken cancellationToken)
    {
        if (await ScopeAsync(courseId, cancellationToken) is not { } pupil || NotForPupils)
        {
            return NotFound();
        }

        var outcome = await exercises.AnswerAsync(courseId, attemptId, pupil, values, cancellationToken);
        if (outcome.Status == AnswerStatus.Marked)
        {
            Result = outcome.Result;
            return Page();
        }

        Problem = outcome.Problem;
        Response.StatusCode = outcome.Status == AnswerStatus.AlreadyAnswered ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        Question = await exercises.NextAsync(courseId, new PracticeScope(SetId, SetId is null ? Skill : null), pupil, fresh: false, cancellationToken);
        return Page();
    }

    /// <summary>The pupil's id when the course and what to practise exist for them; null for a 404.</summary>
    private async Task<Guid?> ScopeAsync(Guid courseId, CancellationToken cancellationToken)
    {
        CourseId = courseId;
        var viewer = await access.ViewerAsync(courseId, User.PersonId(), User.Role() ?? PersonRole.Pupil, cancellationToken);
        if (viewer is null)
        {
            return null;
        }

        var sets = await exercises.SetsAsync(courseId, cancellationToken);
        if (SetId is { } setId)
        {
            if (sets.FirstOrDefault(s => s.Id == setId) is not { } set)
            {
                return null;
            }

            Title = set.Title;
        }
        else if (!string.IsNullOrWhiteSpace(Skill) && sets.Any(s => s.Skills.Contains(Skill, StringComparer.Ordinal)))
        {
            Title = Skill;
        }
        else
        {
            return null;
        }

        NotForPupils = viewer.Role != PersonRole.Pupil;
        return viewer.PersonId;
    }
}
