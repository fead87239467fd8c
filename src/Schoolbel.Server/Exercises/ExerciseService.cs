using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Courses;
using Schoolbel.Server.Data;
using Schoolbel.Server.Web;

namespace Schoolbel.Server.Exercises;

/// <summary>
/// Exercise sets, items, practice and answers. Every query runs under the school filter; course
/// permissions come from <see cref="CourseAccess"/> at the edge (pages and endpoints).
/// </summary>
public sealed class ExerciseService(SchoolbelDb db, TimeProvider time)
{
    public const int MaxTitleLength = 200;
    public const int MaxSkillLength = 100;
    public const int MaxItemsPerSet = 500;

    /// <summary>Longer than this between serving and answering counts as this long (the pupil walked away).</summary>
    private const int MaxMilliseconds = 5 * 60 * 1000;

    private Guid SchoolId => db.CurrentSchoolId ?? throw new InvalidOperationException("No school in scope.");

    public async Task<IReadOnlyList<SetSummary>> SetsAsync(Guid courseId, CancellationToken cancellationToken)
    {
        var sets = await db.Set<ExerciseSet>().AsNoTracking().Where(s => s.CourseId == courseId).OrderBy(s => s.Title).ToListAsync(cancellationToken);
        var items = await db.Set<ExerciseItem>().AsNoTracking().Where(i => i.CourseId == courseId && !i.Retired)
            .Select(i => new { i.SetId, i.Skill }).ToListAsync(cancellationToken);
        return [.. sets.Select(s => new SetSummary(
            s.Id, s.Title, items.Count(i => i.SetId == s.Id),
            [.. items.Where(i => i.SetId == s.Id).Select(i => i.Skill).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]))];
    }

    public async Task<SetSummary?> SetAsync(Guid courseId, Guid setId, CancellationToken cancellationToken) =>
        (await SetsAsync(courseId, cancellationToken)).FirstOrDefault(s => s.Id == setId);

    public async Task<Outcome<SetSummary>> CreateSetAsync(Guid courseId, string? title, Guid teacherId, CancellationToken cancellationToken)
    {
        var trimmed = title?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxTitleLength)
        {
            var errors = new FieldErrors();
            errors.Add("title", $"Geef een titel van 1 tot {MaxTitleLength} tekens.");
            return errors;
        }

        var set = new ExerciseSet { SchoolId = SchoolId, CourseId = courseId, Title = trimmed, CreatedAt = time.GetUtcNow().UtcDateTime, CreatedBy = teacherId };
        db.Add(set);
        await db.SaveChangesAsync(cancellationToken);
        return new SetSummary(set.Id, set.Title, 0, []);
    }

    /// <summary>The items with their answer keys: for the course's teachers only.</summary>
    public async Task<IReadOnlyList<ItemDetails>> ItemsAsync(Guid courseId, Guid setId, CancellationToken cancellationToken) =>
        [.. (await db.Set<ExerciseItem>().AsNoTracking().Where(i => i.CourseId == courseId && i.SetId == setId && !i.Retired)
                .OrderBy(i => i.Position).ToListAsync(cancellationToken))
            .Select(i => new ItemDetails(i.Id, i.Skill, LevelOf(i.Difficulty), ItemSpec.FromJson(i.Spec)))];

    /// <summary>Adds items to a set, all or none (an import with one bad row changes nothing).</summary>
    public async Task<Outcome<IReadOnlyList<Guid>>> AddItemsAsync(Guid courseId, Guid setId, IReadOnlyList<ItemInput> inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var errors = new FieldErrors();
        if (!await db.Set<ExerciseSet>().AnyAsync(s => s.Id == setId && s.CourseId == courseId, cancellationToken))
        {
            errors.Add("setId", "Deze reeks bestaat niet (meer).");
            return errors;
        }

        var count = await db.Set<ExerciseItem>().CountAsync(i => i.SetId == setId, cancellationToken);
        if (inputs.Count == 0 || count + inputs.Count > MaxItemsPerSet)
        {
            errors.Add("items", inputs.Count == 0 ? "Er zijn geen vragen." : $"Een reeks heeft hoogstens {MaxItemsPerSet} vragen.");
            return errors;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var items = new List<ExerciseItem>();
        for (var n = 0; n < inputs.Count; n++)
        {
            var input = inputs[n];
            var prefix = inputs.Count == 1 ? "" : $"Vraag {n + 1}: ";
            var skill = input.Skill?.Trim() ?? "";
            if (skill.Length is 0 or > MaxSkillLength)
            {
                errors.Add("skill", $"{prefix}geef een vaardigheid van 1 tot {MaxSkillLength} tekens (bv. tafels van 7).");
            }

            if (input.Difficulty is < 1 or > 5)
            {
                errors.Add("difficulty", $"{prefix}de moeilijkheid is 1 tot 5.");
            }

            if (input.Spec is null)
            {
                errors.Add("spec", $"{prefix}de vraag ontbreekt.");
                continue;
            }

            foreach (var problem in Marker.Problems(input.Spec))
            {
                errors.Add("spec", prefix + problem);
            }

            var json = input.Spec.ToJson();
            if (json.Length > 20_000)
            {
                errors.Add("spec", $"{prefix}de vraag is te lang.");
            }

            items.Add(new ExerciseItem
            {
                SchoolId = SchoolId,
                CourseId = courseId,
                SetId = setId,
                Kind = input.Spec.Kind,
                Skill = skill,
                Difficulty = Elo.DifficultyRating(input.Difficulty),
                Spec = json,
                Position = count + n,
                CreatedAt = now,
            });
        }

        if (errors.Any)
        {
            return errors;
        }

        db.AddRange(items);
        await db.SaveChangesAsync(cancellationToken);
        return items.Select(i => i.Id).ToList();
    }

    public async Task<bool> RetireItemAsync(Guid courseId, Guid setId, Guid itemId, CancellationToken cancellationToken) =>
        await db.Set<ExerciseItem>().Where(i => i.Id == itemId && i.SetId == setId && i.CourseId == courseId)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Retired, true), cancellationToken) > 0;

    /// <summary>
    /// The pupil's current question in a set: the open attempt if there is one (a reload shows
    /// the same item), else a new attempt at the item the picker chooses. Null when the set has no items.
    /// </summary>
    public async Task<Served?> NextAsync(Guid courseId, PracticeScope scope, Guid pupilId, bool fresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var attempts = db.Set<ExerciseAttempt>().AsNoTracking().Where(a => a.PupilId == pupilId && a.CourseId == courseId);
        var items = db.Set<ExerciseItem>().AsNoTracking().Where(i => i.CourseId == courseId && !i.Retired);
        if (scope.SetId is { } setId)
        {
            attempts = attempts.Where(a => a.SetId == setId);
            items = items.Where(i => i.SetId == setId);
        }
        else
        {
            attempts = attempts.Where(a => a.Skill == scope.Skill);
            items = items.Where(i => i.Skill == scope.Skill);
        }

        var recent = await attempts
            .OrderByDescending(a => a.ServedAt).ThenByDescending(a => a.Id)
            .Take(3)
            .Select(a => new { a.Id, a.ItemId, a.Seed, a.HintsShown, Answered = db.Set<ExerciseAnswer>().Any(x => x.AttemptId == a.Id) })
            .ToListAsync(cancellationToken);
        var pool = await items
            .Select(i => new { i.Id, i.SetId, i.Skill, i.Difficulty, i.Spec })
            .ToListAsync(cancellationToken);
        if (pool.Count == 0)
        {
            return null;
        }

        var abilities = await AbilitiesAsync(courseId, pupilId, cancellationToken);
        var open = recent.FirstOrDefault();
        if (!fresh && open is { Answered: false } && pool.FirstOrDefault(i => i.Id == open.ItemId) is { } openItem)
        {
            return Serve(open.Id, openItem.Skill, ItemSpec.FromJson(openItem.Spec), (ulong)open.Seed, open.HintsShown, abilities);
        }

        // Each candidate's difficulty relative to the pupil's ability in its own skill.
        var candidates = pool.Select(i => new Candidate(i.Id, i.Difficulty - (abilities.GetValueOrDefault(i.Skill)?.Rating ?? 0))).ToList();
        var lastSkill = recent.Count > 0 ? pool.FirstOrDefault(i => i.Id == recent[0].ItemId)?.Skill : null;
        var stuck = lastSkill is not null && abilities.GetValueOrDefault(lastSkill) is { WrongInARow: >= Elo.StuckAfter };
        var pick = ItemPicker.Pick(candidates, 0, stuck, [.. recent.Select(r => r.ItemId)], RandomNumberGenerator.GetInt32)!;
        var item = pool.First(i => i.Id == pick.Id);
        var spec = ItemSpec.FromJson(item.Spec);
        var itemStuck = abilities.GetValueOrDefault(item.Skill) is { WrongInARow: >= Elo.StuckAfter };
        var attempt = new ExerciseAttempt
        {
            SchoolId = SchoolId,
            PupilId = pupilId,
            CourseId = courseId,
            SetId = item.SetId,
            ItemId = item.Id,
            Skill = item.Skill,
            ServedAt = time.GetUtcNow().UtcDateTime,
            Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)),
            // A stuck pupil gets the first hint with the question.
            HintsShown = itemStuck && spec.Hints.Count > 0 ? 1 : 0,
        };
        db.Add(attempt);
        await db.SaveChangesAsync(cancellationToken);
        return Serve(attempt.Id, item.Skill, spec, (ulong)attempt.Seed, attempt.HintsShown, abilities);
    }

    /// <summary>
    /// Marks an answer and records it: one insert of the answer and one atomic update of the
    /// pupil's ability in the skill, in one transaction. The answer's key is the attempt, so a
    /// second answer (even a concurrent one) fails on the database's unique key.
    /// </summary>
    public async Task<AnswerOutcome> AnswerAsync(Guid courseId, Guid attemptId, Guid pupilId, IReadOnlyList<string>? values, CancellationToken cancellationToken)
    {
        var served = await db.Set<ExerciseAttempt>().AsNoTracking()
            .Where(a => a.Id == attemptId && a.PupilId == pupilId && a.CourseId == courseId)
            .Join(db.Set<ExerciseItem>(), a => a.ItemId, i => i.Id, (a, i) => new { Attempt = a, i.Skill, i.Difficulty, i.Spec })
            .FirstOrDefaultAsync(cancellationToken);
        if (served is null)
        {
            return AnswerOutcome.NotGiven;
        }

        if (await db.Set<ExerciseAnswer>().AnyAsync(a => a.AttemptId == attemptId, cancellationToken))
        {
            return AnswerOutcome.AlreadyAnswered;
        }

        var spec = ItemSpec.FromJson(served.Spec);
        var mark = Marker.Mark(spec, values, (ulong)served.Attempt.Seed);
        if (mark.Malformed)
        {
            return AnswerOutcome.Bad(mark.Problem!);
        }

        var ability = await AbilityRowAsync(courseId, pupilId, served.Skill, cancellationToken);
        var expected = Elo.Expected(ability.Rating, served.Difficulty);
        var delta = Elo.Delta(ability.Rating, served.Difficulty, mark.Correct, ability.Answers);
        var now = time.GetUtcNow().UtcDateTime;
        var milliseconds = (int)Math.Clamp((now - served.Attempt.ServedAt).TotalMilliseconds, 0, MaxMilliseconds);
        db.Add(new ExerciseAnswer
        {
            AttemptId = attemptId,
            SchoolId = SchoolId,
            PupilId = pupilId,
            CourseId = courseId,
            SetId = served.Attempt.SetId,
            ItemId = served.Attempt.ItemId,
            Skill = served.Skill,
            Correct = mark.Correct,
            Given = JsonSerializer.Serialize(values),
            Expected = expected,
            Delta = delta,
            Milliseconds = milliseconds,
            AnsweredAt = now,
        });
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // The other answer of a race won; its transaction holds the only answer. Any
                // other failure (the database away) propagates and is answered 503, not "answered".
                db.ChangeTracker.Clear();
                return AnswerOutcome.AlreadyAnswered;
            }

            var skill = served.Skill;
            var right = mark.Correct ? 1 : 0;
            await db.Set<ExerciseAbility>()
                .Where(a => a.PupilId == pupilId && a.CourseId == courseId && a.Skill == skill)
                .ExecuteUpdateAsync(
                    s =>
                    {
                        s.SetProperty(a => a.Rating, a => a.Rating + delta)
                            .SetProperty(a => a.Answers, a => a.Answers + 1)
                            .SetProperty(a => a.Correct, a => a.Correct + right)
                            .SetProperty(a => a.Milliseconds, a => a.Milliseconds + milliseconds)
                            .SetProperty(a => a.UpdatedAt, now);
                        if (mark.Correct)
                        {
                            s.SetProperty(a => a.RightInARow, a => a.RightInARow + 1).SetProperty(a => a.WrongInARow, 0);
                        }
                        else
                        {
                            s.SetProperty(a => a.WrongInARow, a => a.WrongInARow + 1).SetProperty(a => a.RightInARow, 0);
                        }
                    },
                    cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var rating = ability.Rating + delta;
        var wrongInARow = mark.Correct ? 0 : ability.WrongInARow + 1;
        // After a wrong answer the next hint helps; a pupil who is stuck gets all of them.
        var hints = mark.Correct ? [] : spec.Hints.Take(wrongInARow >= Elo.StuckAfter ? spec.Hints.Count : Math.Max(1, served.Attempt.HintsShown + 1)).ToList();
        return new AnswerOutcome(AnswerStatus.Marked, null, new AnswerResult(
            mark.Correct, mark.Feedback, hints, served.Skill, Elo.MasteryPercent(rating), mark.Correct ? ability.RightInARow + 1 : 0, wrongInARow >= Elo.StuckAfter));
    }

    /// <summary>A pupil's abilities in the course's skills, by skill.</summary>
    public async Task<Dictionary<string, ExerciseAbility>> AbilitiesAsync(Guid courseId, Guid pupilId, CancellationToken cancellationToken) =>
        await db.Set<ExerciseAbility>().AsNoTracking().Where(a => a.PupilId == pupilId && a.CourseId == courseId)
            .ToDictionaryAsync(a => a.Skill, StringComparer.Ordinal, cancellationToken);

    /// <summary>Stars per set for a pupil: 1 for 5 answers, 2 for 10 right, 3 for 20 right at 80%.</summary>
    public async Task<Dictionary<Guid, int>> StarsAsync(Guid courseId, Guid pupilId, CancellationToken cancellationToken)
    {
        var counts = await db.Set<ExerciseAnswer>().AsNoTracking().Where(a => a.PupilId == pupilId && a.CourseId == courseId)
            .GroupBy(a => a.SetId)
            .Select(g => new { SetId = g.Key, Answers = g.Count(), Right = g.Count(a => a.Correct) })
            .ToListAsync(cancellationToken);
        return counts.ToDictionary(c => c.SetId, c => Stars(c.Answers, c.Right));
    }

    public static int Stars(int answers, int right) =>
        right >= 20 && right >= 0.8 * answers ? 3 : right >= 10 ? 2 : answers >= 5 ? 1 : 0;

    /// <summary>The teacher's difficulty 1–5 for an item's rating.</summary>
    public static int LevelOf(double rating) => (int)Math.Clamp(Math.Round(rating) + 3, 1, 5);

    private static Served Serve(Guid attemptId, string skill, ItemSpec spec, ulong seed, int hints, Dictionary<string, ExerciseAbility> abilities)
    {
        var ability = abilities.GetValueOrDefault(skill);
        return new Served(attemptId, skill, Marker.View(spec, seed, hints), Elo.MasteryPercent(ability?.Rating ?? 0), ability?.RightInARow ?? 0);
    }

    /// <summary>The pupil's ability row in a skill, created at 0 on the first answer (a lost race to create it is fine).</summary>
    private async Task<ExerciseAbility> AbilityRowAsync(Guid courseId, Guid pupilId, string skill, CancellationToken cancellationToken)
    {
        var existing = await db.Set<ExerciseAbility>().AsNoTracking()
            .FirstOrDefaultAsync(a => a.PupilId == pupilId && a.CourseId == courseId && a.Skill == skill, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        var row = new ExerciseAbility { SchoolId = SchoolId, PupilId = pupilId, CourseId = courseId, Skill = skill, UpdatedAt = time.GetUtcNow().UtcDateTime };
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another answer of this pupil created it a moment ago.
            db.ChangeTracker.Clear();
            return await db.Set<ExerciseAbility>().AsNoTracking()
                .FirstAsync(a => a.PupilId == pupilId && a.CourseId == courseId && a.Skill == skill, cancellationToken);
        }

        db.Entry(row).State = EntityState.Detached;
        return row;
    }
}

/// <summary>What a pupil practises: one set, or one skill across the course's sets.</summary>
public sealed record PracticeScope(Guid? SetId, string? Skill);

public sealed record SetSummary(Guid Id, string Title, int ItemCount, IReadOnlyList<string> Skills);

/// <summary>An item as its teachers see it, answer key included.</summary>
public sealed record ItemDetails(Guid Id, string Skill, int Difficulty, ItemSpec Spec);

/// <summary>A new item: its skill, difficulty 1 (easy) to 5 (hard), and the item itself.</summary>
public sealed record ItemInput(string? Skill, int Difficulty, ItemSpec? Spec);

/// <summary>A question served to a pupil: answer it by <see cref="AttemptId"/>.</summary>
public sealed record Served(Guid AttemptId, string Skill, ItemView Item, int Mastery, int Streak);

/// <summary>The answer's marking, the hints a wrong answer earns, and the pupil's progress in the skill.</summary>
public sealed record AnswerResult(bool Correct, string? Feedback, IReadOnlyList<string> Hints, string Skill, int Mastery, int Streak, bool Stuck);

public enum AnswerStatus
{
    Marked,
    NotGiven,
    AlreadyAnswered,
    Malformed,
}

public sealed record AnswerOutcome(AnswerStatus Status, string? Problem, AnswerResult? Result)
{
    public static readonly AnswerOutcome NotGiven = new(AnswerStatus.NotGiven, "Deze vraag werd jou niet gesteld.", null);
    public static readonly AnswerOutcome AlreadyAnswered = new(AnswerStatus.AlreadyAnswered, "Deze vraag is al beantwoord.", null);

    public static AnswerOutcome Bad(string problem) => new(AnswerStatus.Malformed, problem, null);
}
