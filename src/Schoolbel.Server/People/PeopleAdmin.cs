using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.Schools;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.People;

/// <summary>What a school admin does with people, shared by the admin pages and the API.</summary>
public sealed partial class PeopleAdmin(
    SchoolbelDb db, PasswordHasher hasher, PasswordPolicy policy, SessionStore sessions, SchoolScope scope, HotCache cache, TimeProvider time)
{
    public const int PageSize = 50;

    /// <summary>Entra object ids and Google subjects are far shorter; this bounds what an import can store.</summary>
    public const int MaxExternalIdLength = 200;

    public async Task<PeoplePage> ListAsync(PersonRole? role, string? search, int page, CancellationToken cancellationToken)
    {
        var query = db.People.AsNoTracking();
        if (role is not null)
        {
            query = query.Where(p => p.Role == role);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
#pragma warning disable CA1304, CA1311, CA1862 // EF translates ToLower() to SQL lower(); culture overloads do not translate.
            query = query.Where(p => p.Username.Contains(term)
                || p.FirstName.ToLower().Contains(term) || p.LastName.ToLower().Contains(term));
#pragma warning restore CA1304, CA1311, CA1862
        }

        page = Math.Max(1, page);
        var total = await query.CountAsync(cancellationToken);
        var people = await query
            .OrderBy(p => p.LastName).ThenBy(p => p.FirstName).ThenBy(p => p.Username)
            .Skip((page - 1) * PageSize).Take(PageSize)
            .Select(p => new PersonSummary(p.Id, p.Role, p.Username, p.FirstName, p.LastName, p.Email))
            .ToListAsync(cancellationToken);
        return new PeoplePage(people, page, PageSize, total);
    }

    public async Task<PersonDetails?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var person = await db.People.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return null;
        }

        var classes = await db.ClassMemberships.AsNoTracking()
            .Where(m => m.PupilId == id)
            .Join(db.Classes, m => m.ClassId, c => c.Id, (m, c) => c)
            .OrderBy(c => c.Name)
            .Select(c => new ClassRef(c.Id, c.Name, c.SchoolYear))
            .ToListAsync(cancellationToken);
        var children = await db.ParentLinks.AsNoTracking()
            .Where(l => l.ParentId == id)
            .Join(db.People, l => l.PupilId, p => p.Id, (l, p) => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
        var parents = await db.ParentLinks.AsNoTracking()
            .Where(l => l.PupilId == id)
            .Join(db.People, l => l.ParentId, p => p.Id, (l, p) => new PersonRef(p.Id, p.Username, p.FirstName + " " + p.LastName))
            .ToListAsync(cancellationToken);
        return new PersonDetails(person.Id, person.Role, person.Username, person.FirstName, person.LastName, person.Email,
            person.PasswordHash is not null, classes, children, parents, person.ExternalId);
    }

    public async Task<Outcome<PersonDetails>> CreateAsync(PersonInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new FieldErrors();
        var username = PasswordSignIn.NormalizeUsername(input.Username);
        ValidateUsername(username, errors);
        if (errors.Any is false && await db.People.AnyAsync(p => p.Username == username, cancellationToken))
        {
            errors.Add("username", $"De gebruikersnaam '{username}' bestaat al in deze school.");
        }

        if (input.Role is null || !Enum.IsDefined(input.Role.Value))
        {
            errors.Add("role", "Kies een rol: Pupil, Teacher, Parent of SchoolAdmin.");
        }

        if (!string.IsNullOrEmpty(input.Password))
        {
            policy.Validate(input.Password, input.Role ?? PersonRole.Pupil, username, scope.School, errors);
        }

        await ValidateCommonAsync(input, errors, cancellationToken);
        await ValidateExternalIdAsync(input.ExternalId, null, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        var person = new Person
        {
            SchoolId = SchoolId,
            Username = username,
            FirstName = input.FirstName!.Trim(),
            LastName = input.LastName!.Trim(),
            Email = NullIfBlank(input.Email),
            Role = input.Role!.Value,
            PasswordHash = string.IsNullOrEmpty(input.Password) ? null : hasher.Hash(input.Password),
            ExternalId = NullIfBlank(input.ExternalId),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.People.Add(person);
        ApplyLinks(person, input);
        await db.SaveChangesAsync(cancellationToken);
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(person.Id, cancellationToken))!;
    }

    /// <summary>Null when there is no such person in this school. The role and username do not change.</summary>
    public async Task<Outcome<PersonDetails>?> UpdateAsync(Guid id, PersonInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        await ValidateCommonAsync(input with { Role = person.Role }, errors, cancellationToken);
        await ValidateExternalIdAsync(input.ExternalId, id, errors, cancellationToken);
        if (errors.Any)
        {
            return errors;
        }

        // Links are replaced with a delete and inserts; one transaction keeps that all or nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        person.FirstName = input.FirstName!.Trim();
        person.LastName = input.LastName!.Trim();
        person.Email = NullIfBlank(input.Email);
        if (input.ExternalId is not null)
        {
            // Left out keeps the link; an empty string removes it.
            person.ExternalId = NullIfBlank(input.ExternalId);
        }

        if (input.ClassIds is not null)
        {
            await db.ClassMemberships.Where(m => m.PupilId == id).ExecuteDeleteAsync(cancellationToken);
        }

        if (input.ChildIds is not null)
        {
            await db.ParentLinks.Where(l => l.ParentId == id).ExecuteDeleteAsync(cancellationToken);
        }

        ApplyLinks(person, input);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // Names, classes and children show on cached pages and decide who sees which course.
        cache.Invalidate(HotTags.Directory(SchoolId));
        return (await GetAsync(id, cancellationToken))!;
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var deleted = await db.People.Where(p => p.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        cache.Invalidate(HotTags.Directory(SchoolId), HotTags.Person(id));
        return deleted;
    }

    /// <summary>Null when there is no such person in this school.</summary>
    public async Task<FieldErrors?> SetPasswordAsync(Guid id, string? password, CancellationToken cancellationToken)
    {
        var person = await db.People.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (person is null)
        {
            return null;
        }

        var errors = new FieldErrors();
        policy.Validate(password, person.Role, person.Username, scope.School, errors);
        if (!errors.Any)
        {
            person.PasswordHash = hasher.Hash(password!);
            person.MustChangePassword = false;
            person.FailedSignIns = 0;
            person.SignInDelayedUntil = null;
            await db.SaveChangesAsync(cancellationToken);
            // A new password ends every session of that person.
            await sessions.EndAllAsync(person.Id, keep: null, cancellationToken);
        }

        return errors;
    }

    internal static void ValidateUsername(string username, FieldErrors errors)
    {
        if (!UsernamePattern().IsMatch(username))
        {
            errors.Add("username", "Een gebruikersnaam heeft 2 tot 100 tekens: kleine letters, cijfers, punt, koppelteken of liggend streepje.");
        }
    }

    internal static void ValidateName(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > 100)
        {
            errors.Add(field, "Vul dit in (hoogstens 100 tekens).");
        }
    }

    internal static void ValidateEmail(string? email, FieldErrors errors)
    {
        if (!string.IsNullOrWhiteSpace(email) && (email.Length > 200 || !EmailPattern().IsMatch(email.Trim())))
        {
            errors.Add("email", "Dit is geen geldig e-mailadres.");
        }
    }

    internal static void ValidateExternalId(string? externalId, string field, FieldErrors errors)
    {
        if (externalId is not null && externalId.Trim().Length > MaxExternalIdLength)
        {
            errors.Add(field, $"Een externe id heeft hoogstens {MaxExternalIdLength} tekens.");
        }
    }

    private async Task ValidateExternalIdAsync(string? externalId, Guid? personId, FieldErrors errors, CancellationToken cancellationToken)
    {
        ValidateExternalId(externalId, "externalId", errors);
        var value = NullIfBlank(externalId);
        if (value is not null && value.Length <= MaxExternalIdLength
            && await db.People.AnyAsync(p => p.ExternalId == value && p.Id != personId, cancellationToken))
        {
            errors.Add("externalId", "Deze externe id is in deze school al aan iemand anders gekoppeld.");
        }
    }

    private async Task ValidateCommonAsync(PersonInput input, FieldErrors errors, CancellationToken cancellationToken)
    {
        ValidateName(input.FirstName, "firstName", errors);
        ValidateName(input.LastName, "lastName", errors);
        ValidateEmail(input.Email, errors);
        if (input.ClassIds is { Count: > 0 } classIds)
        {
            if (input.Role != PersonRole.Pupil)
            {
                errors.Add("classIds", "Alleen leerlingen zitten in een klas.");
            }
            else if (await db.Classes.CountAsync(c => classIds.Contains(c.Id), cancellationToken) != classIds.Distinct().Count())
            {
                errors.Add("classIds", "Een van de klassen bestaat niet in deze school.");
            }
        }

        if (input.ChildIds is { Count: > 0 } childIds)
        {
            if (input.Role != PersonRole.Parent)
            {
                errors.Add("childIds", "Alleen ouders hebben kinderen in de school.");
            }
            else if (await db.People.CountAsync(p => childIds.Contains(p.Id) && p.Role == PersonRole.Pupil, cancellationToken) != childIds.Distinct().Count())
            {
                errors.Add("childIds", "Een van de kinderen is geen leerling van deze school.");
            }
        }
    }

    private void ApplyLinks(Person person, PersonInput input)
    {
        foreach (var classId in input.ClassIds?.Distinct() ?? [])
        {
            db.ClassMemberships.Add(new ClassMembership { SchoolId = person.SchoolId, ClassId = classId, PupilId = person.Id });
        }

        foreach (var childId in input.ChildIds?.Distinct() ?? [])
        {
            db.ParentLinks.Add(new ParentLink { SchoolId = person.SchoolId, ParentId = person.Id, PupilId = childId });
        }
    }

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,99}$")]
    private static partial Regex UsernamePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}

/// <summary>
/// Input for creating or changing a person. On update, role, username and password are ignored;
/// a null list leaves those links as they are, an empty list removes them. <see cref="ExternalId"/>
/// is the person's subject at the school's identity provider (Entra "oid", Google "sub"); on
/// update null keeps it and an empty string removes it.
/// </summary>
public sealed record PersonInput(
    PersonRole? Role,
    string? Username,
    string? FirstName,
    string? LastName,
    string? Email = null,
    string? Password = null,
    IReadOnlyList<Guid>? ClassIds = null,
    IReadOnlyList<Guid>? ChildIds = null,
    string? ExternalId = null);

public sealed record PersonSummary(Guid Id, PersonRole Role, string Username, string FirstName, string LastName, string? Email);

public sealed record PeoplePage(IReadOnlyList<PersonSummary> Items, int Page, int PageSize, int Total);

public sealed record ClassRef(Guid Id, string Name, string SchoolYear);

public sealed record PersonRef(Guid Id, string Username, string Name);

public sealed record PersonDetails(
    Guid Id, PersonRole Role, string Username, string FirstName, string LastName, string? Email,
    bool HasPassword, IReadOnlyList<ClassRef> Classes, IReadOnlyList<PersonRef> Children, IReadOnlyList<PersonRef> Parents,
    string? ExternalId = null);
