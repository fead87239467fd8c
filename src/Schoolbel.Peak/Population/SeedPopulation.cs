using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Population;

/// <summary>
/// The JSON the server's <c>seed</c> command prints (Ops/PlatformSeeder.cs). Only the fields the
/// simulator uses; unknown fields are ignored, so the seeder may keep adding them.
/// </summary>
internal sealed record SeedSummaryFile(
    IReadOnlyList<string> Schools,
    SeedUsernamesFile Usernames,
    int PupilsPerSchool,
    int TeachersPerSchool,
    IReadOnlyList<SeedClassFile>? Classes);

internal sealed record SeedUsernamesFile(string Pupils, string Teachers, string Parents);

internal sealed record SeedClassFile(string School, string ClassName, string Pupils, SeedCourseFile? Course);

internal sealed record SeedCourseFile(string Url);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SeedSummaryFile))]
internal sealed partial class SeedJsonContext : JsonSerializerContext;

/// <summary>One account a virtual user plays.</summary>
/// <param name="CourseUrl">Path of a course the account follows, when the seed summary names one.</param>
internal sealed record Identity(Role Role, string School, string Username, string? CourseUrl);

/// <summary>
/// The accounts of a seeded platform: every school has the same username ranges, so an
/// account is a school plus a number in a range. Picks are random but reproducible (--seed).
/// </summary>
internal sealed class SeedPopulation
{
    private readonly IReadOnlyList<string> _schools;
    private readonly UsernameRange _pupils;
    private readonly UsernameRange _teachers;
    private readonly UsernameRange _parents;
    private readonly IReadOnlyList<(string School, UsernameRange Pupils, string? CourseUrl)> _classes;

    private SeedPopulation(
        IReadOnlyList<string> schools, UsernameRange pupils, UsernameRange teachers, UsernameRange parents,
        IReadOnlyList<(string, UsernameRange, string?)> classes)
    {
        _schools = schools;
        _pupils = pupils;
        _teachers = teachers;
        _parents = parents;
        _classes = classes;
    }

    public IReadOnlyList<string> Schools => _schools;

    public bool KnowsCourses => _classes.Count > 0;

    public static async Task<SeedPopulation> LoadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var file = await JsonSerializer.DeserializeAsync(stream, SeedJsonContext.Default.SeedSummaryFile, cancellationToken)
            ?? throw new InvalidDataException($"{path} is empty.");
        return FromSummary(file, path);
    }

    public static SeedPopulation FromSummary(SeedSummaryFile file, string source)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Schools is not { Count: > 0 } || file.Usernames is null)
        {
            throw new InvalidDataException($"{source} has no schools or usernames; is it the output of the seed command?");
        }

        var classes = (file.Classes ?? [])
            .Select(c => (c.School, UsernameRange.Parse(c.Pupils), c.Course?.Url))
            .ToList();
        return new SeedPopulation(
            file.Schools,
            UsernameRange.Parse(file.Usernames.Pupils),
            UsernameRange.Parse(file.Usernames.Teachers),
            UsernameRange.Parse(file.Usernames.Parents),
            classes);
    }

    /// <summary>
    /// Without a summary: the seed command's naming (school001…, p00001…, t0001…, o00001…) and
    /// its class shape. Courses are then found by following the today page's links.
    /// </summary>
    public static SeedPopulation FromPattern(int schools, int pupilsPerSchool)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(schools, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pupilsPerSchool, 1);
        var codes = Enumerable.Range(1, schools)
            .Select(n => string.Create(CultureInfo.InvariantCulture, $"school{n:D3}"))
            .ToList();
        return new SeedPopulation(
            codes,
            new UsernameRange("p", 5, 1, pupilsPerSchool),
            new UsernameRange("t", 4, 1, TeachersFor(pupilsPerSchool)),
            new UsernameRange("o", 5, 1, pupilsPerSchool),
            []);
    }

    /// <summary>The same accounts, but only those of school <paramref name="code"/>: every pick is one of its people.</summary>
    public SeedPopulation OnlySchool(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!_schools.Contains(code, StringComparer.Ordinal))
        {
            throw new ArgumentException($"School '{code}' is not in the seeded population ({string.Join(", ", _schools)}).", nameof(code));
        }

        return new SeedPopulation(
            [code], _pupils, _teachers, _parents, [.. _classes.Where(c => string.Equals(c.School, code, StringComparison.Ordinal))]);
    }

    /// <summary>
    /// Mirrors PlatformSeeder.SchoolShape: classes of 22, ten subjects, one subject teacher per
    /// four classes. Used only without a summary; the summary's own count wins when given.
    /// </summary>
    internal static int TeachersFor(int pupilsPerSchool)
    {
        var classes = (pupilsPerSchool + 21) / 22;
        return (classes + 3) / 4 * 10;
    }

    public Identity Pick(Role role, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // CA5394: reproducible picks from --seed are the point; nothing here is a secret.
#pragma warning disable CA5394
        if (role == Role.Pupil && _classes.Count > 0)
        {
            var (school, pupils, courseUrl) = _classes[random.Next(_classes.Count)];
            return new Identity(role, school, pupils.Pick(random), courseUrl);
        }

        var code = _schools[random.Next(_schools.Count)];
        var range = role switch
        {
            Role.Pupil => _pupils,
            Role.Teacher => _teachers,
            _ => _parents,
        };
        return new Identity(role, code, range.Pick(random), null);
#pragma warning restore CA5394
    }
}

/// <summary>A range of usernames such as <c>p00001..p01000</c>: a prefix and zero-padded numbers.</summary>
internal sealed record UsernameRange(string Prefix, int Digits, int First, int Last)
{
    public static UsernameRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split("..", StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new FormatException($"'{text}' is not a username range like p00001..p01000.");
        }

        var (prefix, digits, first) = Split(parts[0], text);
        var (lastPrefix, _, last) = Split(parts[1], text);
        if (prefix != lastPrefix || last < first)
        {
            throw new FormatException($"'{text}' is not a username range like p00001..p01000.");
        }

        return new UsernameRange(prefix, digits, first, last);
    }

    public string Name(int number) =>
        Prefix + number.ToString("D" + Digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    // CA5394: see SeedPopulation.Pick.
#pragma warning disable CA5394
    public string Pick(Random random) => Name(random.Next(First, Last + 1));
#pragma warning restore CA5394

    private static (string Prefix, int Digits, int Number) Split(string username, string text)
    {
        var start = username.Length;
        while (start > 0 && char.IsAsciiDigit(username[start - 1]))
        {
            start--;
        }

        if (start == username.Length
            || !int.TryParse(username.AsSpan(start), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"'{text}' is not a username range like p00001..p01000.");
        }

        return (username[..start], username.Length - start, number);
    }
}
