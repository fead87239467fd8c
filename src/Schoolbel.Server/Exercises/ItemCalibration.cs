using Microsoft.EntityFrameworkCore;
using Schoolbel.Server.Admission;
using Schoolbel.Server.Data;

namespace Schoolbel.Server.Exercises;

/// <summary>What one calibration run did: answers taken into item difficulties, and the items that moved.</summary>
public sealed record CalibrationRun(int Answers, int Items);

/// <summary>
/// Re-estimates item difficulties from the answers, in batches, across all schools. An answer
/// never touches its item's row: at 9 million answers a day, a popular item (the first question
/// of "tafels van 7") would be written by thousands of pupils a minute, and every answer would
/// queue behind that row's lock. Instead each answer waits (its <see cref="ExerciseAnswer.CalibrationBatch"/>
/// is null) until a batch claims it and moves its item the Elo way:
/// <c>b ← b + K(n) · (expected − result)</c>, with the pupil's expected success as recorded at the
/// answer and K shrinking with the answers the item already had, so a new item finds its level
/// fast and an established one is not thrown about.
/// <para>
/// A batch claims answers by key (<c>UPDATE … SET CalibrationBatch = @batch WHERE AttemptId IN (…) AND CalibrationBatch IS NULL</c>)
/// and reads back only what it claimed, in the same transaction as the item updates: an answer
/// is counted once (a second run finds nothing), an answer inserted during a batch is simply
/// left for the next one, and a batch that fails counts nothing. Items move by atomic
/// increments (<c>Difficulty = Difficulty + d</c>), never by writing back a value read earlier.
/// </para>
/// </summary>
public sealed partial class ItemCalibration(IServiceScopeFactory scopes, ILogger<ItemCalibration> logger) : IDisposable
{
    /// <summary>Answers per batch (one transaction): large enough to be cheap per answer, small enough to keep SQLite's write lock short.</summary>
    public const int BatchSize = 2_000;

    /// <summary>Difficulties stay within ±4 logits (a 98% spread around an average pupil): a few freak answers cannot run an item off the scale.</summary>
    public const double MaxDifficulty = 4.0;

    // Arbitrary constant: the advisory lock key of the calibration ("SbCalibr").
    private const long LockKey = 0x536243616c696272;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>K for an item after <paramref name="answers"/> calibrated answers: 0.4 at first, towards 0.02.</summary>
    public static double ItemK(int answers) => Math.Max(0.02, 0.4 / (1.0 + (0.05 * answers)));

    /// <summary>Runs batches until no answer waits (or <paramref name="maxBatches"/> ran).</summary>
    public async Task<CalibrationRun> RunOnceAsync(CancellationToken cancellationToken, int maxBatches = 100)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var answers = 0;
            var items = 0;
            for (var batch = 0; batch < maxBatches; batch++)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SchoolbelDb>();
                var (claimed, moved) = await RunBatchAsync(db, cancellationToken);
                answers += claimed;
                items += moved;
                if (claimed < BatchSize)
                {
                    break;
                }
            }

            if (answers > 0)
            {
                LogRun(logger, answers, items);
            }

            return new CalibrationRun(answers, items);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public void Dispose() => _oneAtATime.Dispose();

    /// <summary>The new difficulty of an item after these answers (oldest first), and how far it moved.</summary>
    public static double Calibrate(double difficulty, int calibratedAnswers, IEnumerable<(bool Correct, double Expected)> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var b = difficulty;
        var n = calibratedAnswers;
        foreach (var (correct, expected) in answers)
        {
            // A wrong answer the pupil was expected to get right makes the item harder, and vice versa.
            b += ItemK(n) * (expected - (correct ? 1.0 : 0.0));
            n++;
        }

        return Math.Clamp(b, -MaxDifficulty, MaxDifficulty);
    }

    // Background work has no school in scope: every query here says IgnoreQueryFilters on purpose.
    private static async Task<(int Answers, int Items)> RunBatchAsync(SchoolbelDb db, CancellationToken cancellationToken)
    {
        // Looking costs no lock: an idle round (the usual one at night) never takes SQLite's write lock.
        var answers = db.Set<ExerciseAnswer>().IgnoreQueryFilters();
        var keys = await answers.Where(a => a.CalibrationBatch == null)
            .OrderBy(a => a.AnsweredAt)
            .Select(a => a.AttemptId)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (keys.Count == 0)
        {
            return (0, 0);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db is PostgresSchoolbelDb)
        {
            // One batch at a time across nodes. The claim alone already keeps answers from being
            // counted twice; the lock keeps two nodes' item updates from deadlocking each other.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        }

        var batch = Guid.CreateVersion7();
        await answers.Where(a => keys.Contains(a.AttemptId) && a.CalibrationBatch == null)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.CalibrationBatch, batch), cancellationToken);
        var claimed = await answers.AsNoTracking().Where(a => a.CalibrationBatch == batch)
            .Select(a => new { a.ItemId, a.Correct, a.Expected, a.AnsweredAt, a.AttemptId })
            .ToListAsync(cancellationToken);
        var itemIds = claimed.Select(a => a.ItemId).Distinct().ToList();
        var items = await db.Set<ExerciseItem>().IgnoreQueryFilters().AsNoTracking().Where(i => itemIds.Contains(i.Id))
            .Select(i => new { i.Id, i.Difficulty, i.CalibratedAnswers })
            .ToDictionaryAsync(i => i.Id, cancellationToken);

        // In item order, so two writers (should the lock ever be gone) take row locks in one order.
        foreach (var group in claimed.GroupBy(a => a.ItemId).OrderBy(g => g.Key))
        {
            if (!items.TryGetValue(group.Key, out var item))
            {
                continue;
            }

            var count = group.Count();
            var moved = Calibrate(item.Difficulty, item.CalibratedAnswers,
                group.OrderBy(a => a.AnsweredAt).ThenBy(a => a.AttemptId).Select(a => (a.Correct, a.Expected))) - item.Difficulty;
            await db.Set<ExerciseItem>().IgnoreQueryFilters().Where(i => i.Id == group.Key)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(i => i.Difficulty, i => i.Difficulty + moved)
                        .SetProperty(i => i.CalibratedAnswers, i => i.CalibratedAnswers + count),
                    cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (claimed.Count, items.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Item calibration: {Answers} answer(s) taken into {Items} item difficulties")]
    private static partial void LogRun(ILogger logger, int answers, int items);
}

/// <summary>
/// Runs <see cref="ItemCalibration"/> every <see cref="Interval"/>. Kept here, small, until the
/// platform's generic jobs table takes it over. Under a brown-out it waits: difficulties
/// that lag a few minutes change nothing a pupil notices.
/// </summary>
internal sealed partial class ItemCalibrationService(ItemCalibration calibration, TimeProvider time, BrownOut brownOut, ILogger<ItemCalibrationService> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A fresh delay per round rather than a PeriodicTimer, which on a clock moved far ahead
        // (tests' FakeTimeProvider) would run a round once per missed interval.
        while (true)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (brownOut.IsActive)
            {
                continue;
            }

            try
            {
                await calibration.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed batch rolled back (nothing claimed); the next tick tries again.
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Item calibration failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
