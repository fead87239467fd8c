using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server.People.Staff;

/// <summary>The pupils of the courses a teacher teaches (all pupils for an admin), with their classes.</summary>
[Authorize(Policy = SchoolbelPolicies.Staff)]
[SchoolEndpoint]
public sealed class MyPupilsModel(SchoolbelDb db) : PageModel
{
    public IReadOnlyList<PupilRow> Pupils { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var pupils = db.People.AsNoTracking().Where(p => p.Role == PersonRole.Pupil);
        if (User.Role() != PersonRole.SchoolAdmin)
        {
            var ids = TaughtPupils.IdsOf(db, User.PersonId());
            pupils = pupils.Where(p => ids.Contains(p.Id));
        }

        var rows = await pupils.OrderBy(p => p.LastName).ThenBy(p => p.FirstName).Take(2000)
            .Select(p => new { p.Id, p.Username, Name = p.FirstName + " " + p.LastName })
            .ToListAsync(cancellationToken);
        var pupilIds = rows.Select(r => r.Id).ToList();
        var classes = (await db.ClassMemberships.AsNoTracking().Where(m => pupilIds.Contains(m.PupilId))
            .Join(db.Classes, m => m.ClassId, c => c.Id, (m, c) => new { m.PupilId, c.Name })
            .ToListAsync(cancellationToken)).ToLookup(x => x.PupilId, x => x.Name);
        Pupils = rows.Select(r => new PupilRow(r.Id, r.Username, r.Name, string.Join(", ", classes[r.Id]))).ToList();
    }

    public sealed record PupilRow(Guid Id, string Username, string Name, string Classes);
}
