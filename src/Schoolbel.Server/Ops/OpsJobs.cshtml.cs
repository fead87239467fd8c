using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Schoolbel.Server.Jobs;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Ops;

/// <summary>
/// The background jobs of all nodes: how many per kind and state, what is running where and
/// what is due, and the recent failures with their error, each failed job with a button to run it again.
/// </summary>
[Authorize(Policy = SchoolbelPolicies.Operator)]
[PlatformEndpoint]
public sealed class OpsJobsModel(JobsOverview overview, TimeProvider time) : PageModel
{
    public JobsSnapshot Jobs { get; private set; } = new([], [], []);
    public DateTime Now { get; private set; }
    public string? Message { get; private set; }

    public IReadOnlyList<string> Kinds => [.. Jobs.Counts.Select(c => c.Kind).Distinct()];

    public int CountOf(string kind, JobState state) => Jobs.Counts.FirstOrDefault(c => c.Kind == kind && c.State == state)?.Count ?? 0;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await overview.RetryAsync(id, cancellationToken))
        {
            return RedirectToPage();
        }

        Message = "Deze taak is niet (meer) mislukt; er is niets opnieuw gestart.";
        Response.StatusCode = StatusCodes.Status409Conflict;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow().UtcDateTime;
        Jobs = await overview.GetAsync(cancellationToken);
    }
}
