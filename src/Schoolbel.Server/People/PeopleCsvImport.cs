using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.HotReads;
using Schoolbel.Server.SignIn;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.People;

/// <summary>
/// Bulk import of people from CSV, as school admins export it from their administration.
/// Columns (header row required, any order, case-insensitive):
/// <c>role</c> (pupil|teacher|parent|admin, or leerling|leerkracht|ouder|beheerder),
/// <c>username</c>, <c>first_name</c>, <c>last_name</c>, and optionally
/// <c>class</c> (pupils: class name in the current school year, created when missing),
/// <c>parent_of</c> (parents: pupil usernames separated by <c>;</c>), <c>email</c> and
/// <c>external_id</c> (the person's subject at the school's identity provider, for sign-in with
/// it: Entra ID "oid", Google "sub"; at most 200 characters, unique in the school; empty keeps the current one).
/// The whole file is checked first; any bad row stops the import and nothing is stored.
/// People are matched by username, so importing the same file again changes nothing.
/// </summary>
public sealed class PeopleCsvImport(SchoolbelDb db, ClassesAdmin classes, HotCache cache, TimeProvider time)
{
    public const int MaxRows = 20_000;
    public const long MaxBytes = 5 * 1024 * 1024;
    private const int MaxReportedErrors = 50;
    private static readonly string[] RequiredColumns = ["role", "username", "first_name", "last_name"];

    public async Task<CsvImportResult> ImportAsync(Stream csv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var errors = new List<CsvImportError>();
        var rows = await ReadRowsAsync(csv, errors, cancellationToken);

        var usernames = rows.Select(r => r.Username).ToList();
        var pupilRefs = rows.SelectMany(r => r.ParentOf).Distinct().ToList();
        var lookup = usernames.Concat(pupilRefs).Distinct().ToList();
        var existing = await db.People.Where(p => lookup.Contains(p.Username)).ToDictionaryAsync(p => p.Username, cancellationToken);
        var pupilsInFile = rows.Where(r => r.Role == PersonRole.Pupil).Select(r => r.Username).ToHashSet();

        var externalIds = rows.Where(r => r.ExternalId is not null).Select(r => r.ExternalId!).ToList();
        var externalIdOwners = externalIds.Count == 0
            ? []
            : await db.People.Where(p => p.ExternalId != null && externalIds.Contains(p.ExternalId))
                .ToDictionaryAsync(p => p.ExternalId!, p => p.Username, StringComparer.Ordinal, cancellationToken);

        foreach (var row in rows)
        {
            if (row.ExternalId is not null && externalIdOwners.TryGetValue(row.ExternalId, out var owner) && owner != row.Username)
            {
                errors.Add(new(row.Line, "external_id", $"'{row.ExternalId}' is al gekoppeld aan '{owner}'."));
            }

            if (existing.TryGetValue(row.Username, out var person) && person.Role != row.Role)
            {
                errors.Add(new(row.Line, "role", $"'{row.Username}' bestaat al als {person.Role}, het bestand zegt {row.Role}."));
            }

            foreach (var child in row.ParentOf)
            {
                var isPupil = pupilsInFile.Contains(child) || (existing.TryGetValue(child, out var known) && known.Role == PersonRole.Pupil);
                if (!isPupil)
                {
                    errors.Add(new(row.Line, "parent_of", $"'{child}' is geen leerling in dit bestand of in de school."));
                }
            }
        }

        if (errors.Count > 0)
        {
            return CsvImportResult.Failed([.. errors.OrderBy(e => e.Line).Take(MaxReportedErrors)]);
        }

        return await ApplyAsync(rows, existing, cancellationToken);
    }

    private static async Task<List<CsvPersonRow>> ReadRowsAsync(Stream csv, List<CsvImportError> errors, CancellationToken cancellationToken)
    {
        var rows = new List<CsvPersonRow>();
        var firstLineByUsername = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstLineByExternalId = new Dictionary<string, int>(StringComparer.Ordinal);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            DetectDelimiter = true,
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null,
        };
        using var reader = new StreamReader(csv, detectEncodingFromByteOrderMarks: true);
        using var parser = new CsvReader(reader, config);
        try
        {
            if (!await parser.ReadAsync() || !parser.ReadHeader())
            {
                errors.Add(new(1, null, "Het bestand is leeg: de eerste regel moet de kolomnamen bevatten."));
                return rows;
            }

            var header = parser.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
            var missing = RequiredColumns.Where(c => !header.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                errors.Add(new(1, null, $"Kolommen ontbreken: {string.Join(", ", missing)}."));
                return rows;
            }

            while (await parser.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = parser.Parser.RawRow;
                if (rows.Count >= MaxRows)
                {
                    errors.Add(new(line, null, $"Een bestand heeft hoogstens {MaxRows} rijen."));
                    break;
                }

                var row = ReadRow(parser, line, header, errors);
                if (row is null)
                {
                    continue;
                }

                if (firstLineByUsername.TryGetValue(row.Username, out var earlier))
                {
                    errors.Add(new(line, "username", $"'{row.Username}' staat ook al op regel {earlier}."));
                    continue;
                }

                if (row.ExternalId is not null && firstLineByExternalId.TryGetValue(row.ExternalId, out var earlierExternal))
                {
                    errors.Add(new(line, "external_id", $"'{row.ExternalId}' staat ook al op regel {earlierExternal}."));
                    continue;
                }

                firstLineByUsername[row.Username] = line;
                if (row.ExternalId is not null)
                {
                    firstLineByExternalId[row.ExternalId] = line;
                }

                rows.Add(row);
                if (errors.Count >= MaxReportedErrors)
                {
                    break;
                }
            }
        }
        catch (CsvHelperException ex)
        {
            errors.Add(new(ex.Context?.Parser?.RawRow ?? 0, null, "Dit is geen geldig CSV-bestand: " + ex.Message.Split('\n')[0]));
        }

        return rows;
    }

    private static CsvPersonRow? ReadRow(CsvReader parser, int line, HashSet<string> header, List<CsvImportError> errors)
    {
        string? Field(string name) => header.Contains(name) ? parser.GetField(name)?.Trim() : null;
        var before = errors.Count;
        var fieldErrors = new FieldErrors();

        var roleText = Field("role")?.ToLowerInvariant();
        PersonRole? role = roleText switch
        {
            "pupil" or "leerling" => PersonRole.Pupil,
            "teacher" or "leerkracht" => PersonRole.Teacher,
            "parent" or "ouder" => PersonRole.Parent,
            "admin" or "schooladmin" or "beheerder" => PersonRole.SchoolAdmin,
            _ => null,
        };
        if (role is null)
        {
            errors.Add(new(line, "role", $"Onbekende rol '{roleText}': gebruik pupil, teacher, parent of admin."));
        }

        var username = PasswordSignIn.NormalizeUsername(Field("username"));
        PeopleAdmin.ValidateUsername(username, fieldErrors);
        PeopleAdmin.ValidateName(Field("first_name"), "first_name", fieldErrors);
        PeopleAdmin.ValidateName(Field("last_name"), "last_name", fieldErrors);
        PeopleAdmin.ValidateEmail(Field("email"), fieldErrors);
        var externalId = Field("external_id");
        PeopleAdmin.ValidateExternalId(externalId, "external_id", fieldErrors);
        foreach (var (field, messages) in fieldErrors.ToDictionary())
        {
            errors.AddRange(messages.Select(m => new CsvImportError(line, field, m)));
        }

        var className = Field("class");
        if (!string.IsNullOrEmpty(className) && role is not PersonRole.Pupil)
        {
            errors.Add(new(line, "class", "Alleen leerlingen zitten in een klas."));
        }
        else if (className is { Length: > 40 })
        {
            errors.Add(new(line, "class", "Een klasnaam heeft hoogstens 40 tekens."));
        }

        var parentOf = (Field("parent_of") ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(PasswordSignIn.NormalizeUsername).Distinct().ToList();
        if (parentOf.Count > 0 && role is not PersonRole.Parent)
        {
            errors.Add(new(line, "parent_of", "Alleen ouders hebben kinderen in de school."));
        }

        return errors.Count > before ? null : new CsvPersonRow(
            line, role!.Value, username, Field("first_name")!, Field("last_name")!,
            string.IsNullOrEmpty(Field("email")) ? null : Field("email"),
            string.IsNullOrEmpty(className) ? null : className, parentOf,
            string.IsNullOrEmpty(externalId) ? null : externalId);
    }

    private async Task<CsvImportResult> ApplyAsync(List<CsvPersonRow> rows, Dictionary<string, Person> existing, CancellationToken cancellationToken)
    {
        var schoolId = db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");
        var year = classes.CurrentSchoolYear;
        var now = time.GetUtcNow().UtcDateTime;
        int created = 0, updated = 0, unchanged = 0, classesCreated = 0, linksCreated = 0;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var classByName = await db.Classes.Where(c => c.SchoolYear == year).ToDictionaryAsync(c => c.Name, cancellationToken);
        var yearClassIds = classByName.Values.Select(c => c.Id).ToList();
        var personIds = existing.Values.Select(p => p.Id).ToList();
        var memberships = await db.ClassMemberships
            .Where(m => personIds.Contains(m.PupilId) && yearClassIds.Contains(m.ClassId))
            .ToListAsync(cancellationToken);
        var links = await db.ParentLinks.Where(l => personIds.Contains(l.ParentId)).ToListAsync(cancellationToken);

        foreach (var row in rows)
        {
            var changed = false;
            var isNew = false;
            if (!existing.TryGetValue(row.Username, out var person))
            {
                person = new Person
                {
                    SchoolId = schoolId, Username = row.Username, Role = row.Role,
                    FirstName = row.FirstName, LastName = row.LastName, Email = row.Email, ExternalId = row.ExternalId, CreatedAt = now,
                };
                db.People.Add(person);
                existing[row.Username] = person;
                isNew = true;
                created++;
            }
            else if (person.FirstName != row.FirstName || person.LastName != row.LastName || person.Email != row.Email)
            {
                person.FirstName = row.FirstName;
                person.LastName = row.LastName;
                person.Email = row.Email;
                changed = true;
            }

            if (!isNew && row.ExternalId is not null && person.ExternalId != row.ExternalId)
            {
                person.ExternalId = row.ExternalId;
                changed = true;
            }

            if (row.ClassName is not null)
            {
                if (!classByName.TryGetValue(row.ClassName, out var schoolClass))
                {
                    schoolClass = new SchoolClass { SchoolId = schoolId, Name = row.ClassName, SchoolYear = year };
                    db.Classes.Add(schoolClass);
                    classByName[row.ClassName] = schoolClass;
                    classesCreated++;
                }

                // A pupil is in one class per school year: moving classes in the file moves them here.
                var current = memberships.Where(m => m.PupilId == person.Id).ToList();
                if (current.Count != 1 || current[0].ClassId != schoolClass.Id)
                {
                    db.ClassMemberships.RemoveRange(current);
                    memberships.RemoveAll(m => m.PupilId == person.Id);
                    var membership = new ClassMembership { SchoolId = schoolId, ClassId = schoolClass.Id, PupilId = person.Id };
                    db.ClassMemberships.Add(membership);
                    memberships.Add(membership);
                    changed = true;
                }
            }

            if (isNew)
            {
                continue;
            }

            if (changed)
            {
                updated++;
            }
            else
            {
                unchanged++;
            }
        }

        foreach (var row in rows.Where(r => r.ParentOf.Count > 0))
        {
            var parent = existing[row.Username];
            foreach (var child in row.ParentOf)
            {
                var pupil = existing[child];
                if (!links.Any(l => l.ParentId == parent.Id && l.PupilId == pupil.Id))
                {
                    var link = new ParentLink { SchoolId = schoolId, ParentId = parent.Id, PupilId = pupil.Id };
                    db.ParentLinks.Add(link);
                    links.Add(link);
                    linksCreated++;
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        cache.Invalidate(HotTags.Directory(schoolId));
        return CsvImportResult.Done(new CsvImportSummary(rows.Count, created, updated, unchanged, classesCreated, linksCreated));
    }

    private sealed record CsvPersonRow(
        int Line, PersonRole Role, string Username, string FirstName, string LastName,
        string? Email, string? ClassName, IReadOnlyList<string> ParentOf, string? ExternalId);
}

public sealed record CsvImportError(int Line, string? Column, string Message);

public sealed record CsvImportSummary(int Rows, int Created, int Updated, int Unchanged, int ClassesCreated, int ParentLinksCreated);

public sealed record CsvImportResult(CsvImportSummary? Summary, IReadOnlyList<CsvImportError> Errors)
{
    public bool Succeeded => Summary is not null;

    public static CsvImportResult Failed(IReadOnlyList<CsvImportError> errors) => new(null, errors);

    public static CsvImportResult Done(CsvImportSummary summary) => new(summary, []);
}
