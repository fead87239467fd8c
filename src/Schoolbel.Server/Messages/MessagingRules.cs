using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.People;

namespace Schoolbel.Server.Messages;

/// <summary>A person a message may go to, with their role (for the policy) and name (for the audience).</summary>
public sealed record Addressee(Guid Id, PersonRole Role, string Name);

/// <summary>
/// The school's messaging policy applied to one sender: whom they may write to. Staff write to
/// anyone; pupils and parents to the people the policy names; everybody may answer the sender
/// of a message they received. Evaluated on sets (a few queries per send), not per recipient.
/// </summary>
public sealed class MessagingRules(SchoolbelDb db)
{
    public async Task<MessagingPolicy> PolicyAsync(CancellationToken cancellationToken)
    {
        var school = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        return await db.Set<MessagingPolicy>().AsNoTracking().FirstOrDefaultAsync(p => p.SchoolId == school, cancellationToken)
            ?? new MessagingPolicy { SchoolId = school };
    }

    public static bool IsStaff(PersonRole role) => role is PersonRole.Teacher or PersonRole.SchoolAdmin;

    /// <summary>
    /// Null when <paramref name="sender"/> may write to all of <paramref name="recipients"/>;
    /// otherwise why not, in Dutch, naming the first person refused.
    /// </summary>
    public async Task<string?> RefusalAsync(Guid sender, PersonRole role, IReadOnlyCollection<Addressee> recipients, Guid? answering, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (IsStaff(role))
        {
            return null;
        }

        var policy = await PolicyAsync(cancellationToken);
        var allowed = await AllowedAsync(sender, role, policy, cancellationToken);
        if (answering is { } answered)
        {
            allowed.Add(answered);
        }

        foreach (var recipient in recipients)
        {
            if (allowed.Contains(recipient.Id) || Allowed(role, recipient.Role, policy))
            {
                continue;
            }

            return role == PersonRole.Pupil
                ? $"Je mag {recipient.Name} geen bericht sturen: leerlingen kunnen volgens de afspraken van de school alleen berichten sturen aan {PupilScope(policy)}."
                : $"Je mag {recipient.Name} geen bericht sturen: ouders kunnen volgens de afspraken van de school alleen berichten sturen aan {ParentScope(policy)}.";
        }

        return null;
    }

    /// <summary>The people this sender may write to individually (for the compose page); staff get null (everyone).</summary>
    public async Task<HashSet<Guid>?> ReachableAsync(Guid sender, PersonRole role, CancellationToken cancellationToken)
    {
        if (IsStaff(role))
        {
            return null;
        }

        var policy = await PolicyAsync(cancellationToken);
        var allowed = await AllowedAsync(sender, role, policy, cancellationToken);
        var byRole = await db.People.Where(p => p.Id != sender)
            .Where(p => (p.Role == PersonRole.Pupil && role == PersonRole.Pupil && policy.PupilsToAllPupils)
                || ((p.Role == PersonRole.Teacher || p.Role == PersonRole.SchoolAdmin)
                    && ((role == PersonRole.Pupil && policy.PupilsToAllStaff) || (role == PersonRole.Parent && policy.ParentsToAllStaff))))
            .Select(p => p.Id).ToListAsync(cancellationToken);
        allowed.UnionWith(byRole);
        allowed.Remove(sender);
        return allowed;
    }

    private static bool Allowed(PersonRole sender, PersonRole recipient, MessagingPolicy policy) => (sender, recipient) switch
    {
        (PersonRole.Pupil, PersonRole.Pupil) => policy.PupilsToAllPupils,
        (PersonRole.Pupil, PersonRole.Teacher or PersonRole.SchoolAdmin) => policy.PupilsToAllStaff,
        (PersonRole.Parent, PersonRole.Teacher or PersonRole.SchoolAdmin) => policy.ParentsToAllStaff,
        _ => false,
    };

    // The named people: a pupil's teachers and classmates, a parent's children's teachers.
    private async Task<HashSet<Guid>> AllowedAsync(Guid sender, PersonRole role, MessagingPolicy policy, CancellationToken cancellationToken)
    {
        var allowed = new HashSet<Guid>();
        var pupils = role switch
        {
            PersonRole.Pupil => [sender],
            PersonRole.Parent => await db.ParentLinks.Where(l => l.ParentId == sender).Select(l => l.PupilId).ToListAsync(cancellationToken),
            _ => new List<Guid>(),
        };
        if (pupils.Count == 0)
        {
            return allowed;
        }

        var teachersAllowed = role == PersonRole.Pupil ? policy.PupilsToTheirTeachers : policy.ParentsToTheirChildrensTeachers;
        if (teachersAllowed)
        {
            var classes = db.ClassMemberships.Where(m => pupils.Contains(m.PupilId)).Select(m => m.ClassId);
            var courses = db.CourseClasses.Where(c => classes.Contains(c.ClassId)).Select(c => c.CourseId)
                .Union(db.CoursePupils.Where(p => pupils.Contains(p.PupilId)).Select(p => p.CourseId));
            allowed.UnionWith(await db.CourseTeachers.Where(t => courses.Contains(t.CourseId)).Select(t => t.TeacherId).ToListAsync(cancellationToken));
        }

        if (role == PersonRole.Pupil && policy.PupilsToClassmates)
        {
            var classes = db.ClassMemberships.Where(m => m.PupilId == sender).Select(m => m.ClassId);
            allowed.UnionWith(await db.ClassMemberships.Where(m => classes.Contains(m.ClassId)).Select(m => m.PupilId).ToListAsync(cancellationToken));
        }

        allowed.Remove(sender);
        return allowed;
    }

    private static string PupilScope(MessagingPolicy policy)
    {
        var parts = new List<string>();
        if (policy.PupilsToAllStaff)
        {
            parts.Add("het personeel");
        }
        else if (policy.PupilsToTheirTeachers)
        {
            parts.Add("hun eigen leerkrachten");
        }

        if (policy.PupilsToAllPupils)
        {
            parts.Add("andere leerlingen");
        }
        else if (policy.PupilsToClassmates)
        {
            parts.Add("hun klasgenoten");
        }

        return parts.Count == 0 ? "niemand (behalve een antwoord op een bericht)" : string.Join(" en ", parts);
    }

    private static string ParentScope(MessagingPolicy policy) =>
        policy.ParentsToAllStaff ? "het personeel"
        : policy.ParentsToTheirChildrensTeachers ? "de leerkrachten van hun kinderen"
        : "niemand (behalve een antwoord op een bericht)";
}
