using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Data;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Schools;

/// <summary>What platform operators do with schools. Operators work outside any school scope.</summary>
public sealed partial class SchoolsAdmin(SchoolbelDb db, SchoolDirectory directory, TimeProvider time)
{
    public async Task<IReadOnlyList<SchoolOverview>> ListAsync(CancellationToken cancellationToken) =>
        await db.Schools.AsNoTracking()
            .OrderBy(s => s.Code)
            .Select(s => new SchoolOverview(
                s.Id, s.Code, s.Name, s.DefaultLanguage,
                db.People.IgnoreQueryFilters().Count(p => p.SchoolId == s.Id),
                db.Courses.IgnoreQueryFilters().Count(c => c.SchoolId == s.Id)))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<SchoolOverview>> CreateAsync(string? code, string? name, string? language, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        code = code?.Trim().ToLowerInvariant() ?? "";
        name = name?.Trim() ?? "";
        language = string.IsNullOrWhiteSpace(language) ? "nl" : language.Trim();
        if (!CodePattern().IsMatch(code))
        {
            errors.Add("code", "Een code heeft 2 tot 40 kleine letters, cijfers of koppeltekens, en begint met een letter.");
        }
        else if (TenancyMiddleware.PlatformSegments.Contains(code))
        {
            errors.Add("code", $"De code '{code}' is voorbehouden voor het platform.");
        }
        else if (await db.Schools.AnyAsync(s => s.Code == code, cancellationToken))
        {
            errors.Add("code", $"Er is al een school met de code '{code}'.");
        }

        if (name.Length is 0 or > 200)
        {
            errors.Add("name", "Geef een naam van 1 tot 200 tekens.");
        }

        if (!WebServiceCollectionExtensions.SupportedCultures.Any(c => c.Name == language))
        {
            errors.Add("defaultLanguage", "Kies nl of en.");
        }

        if (errors.Any)
        {
            return errors;
        }

        var school = new School { Code = code, Name = name, DefaultLanguage = language, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Schools.Add(school);
        await db.SaveChangesAsync(cancellationToken);
        directory.Invalidate();
        return new SchoolOverview(school.Id, school.Code, school.Name, school.DefaultLanguage, 0, 0);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$")]
    private static partial Regex CodePattern();
}

public sealed record SchoolOverview(Guid Id, string Code, string Name, string DefaultLanguage, int People, int Courses);
