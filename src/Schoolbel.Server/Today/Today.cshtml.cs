using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using System.Security.Claims;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.Today;

[Authorize(Policy = SchoolbelPolicies.SchoolMember)]
[SchoolEndpoint]
public sealed class TodayModel(TodayQueries queries) : PageModel
{
    public TodayView? View { get; private set; }
    public string FirstName { get; private set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var name = User.FindFirstValue(ClaimTypes.Name) ?? "";
        FirstName = name.Split(' ')[0];
        View = await queries.ForAsync(User.PersonId(), User.Role()!.Value, cancellationToken);
    }
}
