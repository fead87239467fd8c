using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Data;
using Schoolbel.Server.Exercises;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests.Exercises;

/// <summary>Item difficulties follow the answers in batches: a too-hard item rises, nothing counts twice, nothing is lost under concurrent answers.</summary>
public sealed class CalibrationTests(SharedApps apps)
{
    [Fact]
    public void Calibration_moves_items_the_elo_way_with_a_shrinking_step()
    {
        // Pupils who were expected to succeed three times in four all failed: the item is harder than thought.
        var wrong = Enumerable.Repeat((false, 0.75), 20).ToList();
        var harder = ItemCalibration.Calibrate(0, 0, wrong);
        Assert.True(harder > 1.0, $"{harder}");
        // The same evidence moves an item with a long history much less.
        Assert.True(ItemCalibration.Calibrate(0, 2_000, wrong) < 0.5);
        // Right answers by pupils expected to fail make it easier; no item runs off the scale.
        Assert.True(ItemCalibration.Calibrate(0, 0, Enumerable.Repeat((true, 0.25), 20)) < -1.0);
        Assert.Equal(ItemCalibration.MaxDifficulty, ItemCalibration.Calibrate(3.9, 0, Enumerable.Repeat((false, 0.99), 500)));
        // Answers as expected on average leave it where it is.
        var balanced = Enumerable.Range(0, 400).Select(i => (i % 4 != 0, 0.75));
        Assert.InRange(ItemCalibration.Calibrate(0.5, 100, balanced), 0.4, 0.6);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task A_too_hard_item_rises_after_a_batch_and_a_second_run_counts_nothing_twice(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var setId = await ExerciseSamples.CreateSetAsync(school);
        var itemId = await ItemIdAsync(school, setId);
        var before = await ItemAsync(school, itemId);

        for (var i = 0; i < 20; i++)
        {
            await AnswerAsync(school, setId, "12");
        }

        // The answers alone never touch the item.
        Assert.Equal(before.Difficulty, (await ItemAsync(school, itemId)).Difficulty);

        var calibration = app.Services.GetRequiredService<ItemCalibration>();
        await calibration.RunOnceAsync(CancellationToken.None);
        var after = await ItemAsync(school, itemId);
        Assert.True(after.Difficulty > before.Difficulty + 0.5, $"{before.Difficulty} → {after.Difficulty}");
        Assert.Equal(20, after.CalibratedAnswers);
        Assert.Equal(0, await UncalibratedAsync(school));

        // Again: the answers were claimed, so the item stays where it is.
        await calibration.RunOnceAsync(CancellationToken.None);
        var again = await ItemAsync(school, itemId);
        Assert.Equal(after.Difficulty, again.Difficulty, 12);
        Assert.Equal(20, again.CalibratedAnswers);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Answers_arriving_during_batches_are_counted_exactly_once(string provider)
    {
        var app = await apps.GetAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        var setId = await ExerciseSamples.CreateSetAsync(school);
        var itemId = await ItemIdAsync(school, setId);
        var pupils = new List<Guid> { school.Pupil.Id };
        for (var p = 1; p < 4; p++)
        {
            pupils.Add((await school.AddPersonAsync(Schoolbel.Server.People.PersonRole.Pupil, $"kind{p}")).Id);
        }

        var calibration = app.Services.GetRequiredService<ItemCalibration>();
        using var stop = new CancellationTokenSource();
        // Batches run back to back while four pupils answer ten questions each.
        var batches = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await calibration.RunOnceAsync(CancellationToken.None);
                await Task.Delay(5);
            }
        });
        await Task.WhenAll(pupils.Select(async pupil =>
        {
            for (var i = 0; i < 10; i++)
            {
                await AnswerAsync(school, setId, i % 2 == 0 ? "12" : ExerciseSamples.Answer, pupil);
            }
        }));
        await stop.CancelAsync();
        await batches;
        await calibration.RunOnceAsync(CancellationToken.None);

        Assert.Equal(40, (await ItemAsync(school, itemId)).CalibratedAnswers);
        Assert.Equal(0, await UncalibratedAsync(school));
    }

    private static async Task AnswerAsync(TestSchool school, Guid setId, string value, Guid? pupilId = null)
    {
        using var scope = Enter(school);
        var exercises = scope.ServiceProvider.GetRequiredService<ExerciseService>();
        var pupil = pupilId ?? school.Pupil.Id;
        var served = await exercises.NextAsync(school.Course.Id, new PracticeScope(setId, null), pupil, fresh: true, CancellationToken.None);
        var outcome = await exercises.AnswerAsync(school.Course.Id, served!.AttemptId, pupil, [value], CancellationToken.None);
        Assert.Equal(AnswerStatus.Marked, outcome.Status);
    }

    private static async Task<Guid> ItemIdAsync(TestSchool school, Guid setId)
    {
        using var scope = Enter(school);
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<ExerciseItem>().Where(i => i.SetId == setId).Select(i => i.Id).SingleAsync();
    }

    private static async Task<ExerciseItem> ItemAsync(TestSchool school, Guid itemId)
    {
        using var scope = Enter(school);
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<ExerciseItem>().AsNoTracking().SingleAsync(i => i.Id == itemId);
    }

    private static async Task<int> UncalibratedAsync(TestSchool school)
    {
        using var scope = Enter(school);
        return await scope.ServiceProvider.GetRequiredService<SchoolbelDb>().Set<ExerciseAnswer>().CountAsync(a => a.CalibrationBatch == null);
    }

    private static IServiceScope Enter(TestSchool school)
    {
        var scope = school.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<Schoolbel.Server.Schools.SchoolScope>().Enter(new Schoolbel.Server.Schools.SchoolInfo(school.Id, school.Code, school.School.Name, "nl"));
        return scope;
    }
}
