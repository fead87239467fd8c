using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Schoolbel.Server.Messages;
using Schoolbel.Server.People;
using Schoolbel.Tests.Infrastructure;

namespace Schoolbel.Tests;

/// <summary>
/// The "Messages: fan-out to 1,000 recipients" benchmark of docs/benchmarks.md: the real send
/// (<see cref="Mailbox.SendAsync"/>: policy, group expansion, one transaction with the bulk
/// insert and the counter upserts) to a class of 1,000 pupils and to 1 pupil, 30 times each
/// after a warm-up, on a fresh database. Only runs with SCHOOLBEL_BENCH=1 (it takes a while);
/// results go to the test output and, with SCHOOLBEL_BENCH_OUT, to that file.
/// </summary>
public sealed class MessagesFanOutBenchmark(ITestOutputHelper output)
{
    private const int Rounds = 30;

    [Theory]
    [MemberData(nameof(TestDatabases.All), MemberType = typeof(TestDatabases))]
    public async Task Fan_out_to_1000_recipients(string provider)
    {
        if (Environment.GetEnvironmentVariable("SCHOOLBEL_BENCH") != "1")
        {
            Assert.Skip("A benchmark: set SCHOOLBEL_BENCH=1 to run it.");
        }

        TestDatabases.Require(provider);
        await using var app = await SchoolbelApp.StartAsync(provider);
        var school = await TestSchool.CreateAsync(app);
        await MessagesKit.QuietHoursOffAsync(school);
        var bigClass = await FanOut.AddClassAsync(app, school.Id, "1000", 1000);
        var sender = new MessageSender(school.Teacher.Id, PersonRole.Teacher);

        async Task<TimeSpan> SendAsync(RecipientsInput to)
        {
            using var scope = MessagesKit.SchoolScope(school);
            var mailbox = scope.ServiceProvider.GetRequiredService<Mailbox>();
            var started = Stopwatch.GetTimestamp();
            var result = await mailbox.SendAsync(sender, new SendInput(to, "Benchmark", "Morgen geen school."), CancellationToken.None);
            var took = Stopwatch.GetElapsedTime(started);
            Assert.Equal(SendStatus.Sent, result.Status);
            return took;
        }

        var thousand = new RecipientsInput(ClassIds: [bigClass]);
        var one = new RecipientsInput(PersonIds: [school.Pupil.Id]);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(thousand);
            await SendAsync(one);
        }

        var big = new List<double>();
        var small = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            big.Add((await SendAsync(thousand)).TotalMilliseconds);
            small.Add((await SendAsync(one)).TotalMilliseconds);
        }

        big.Sort();
        small.Sort();
        double Median(List<double> values) => values[values.Count / 2];
        double P95(List<double> values) => values[(int)Math.Ceiling(values.Count * 0.95) - 1];
        var perRecipient = (Median(big) - Median(small)) / 999 * 1000;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {provider} | {Median(big):0.0} ms | {P95(big):0.0} ms | {big[0]:0.0} ms | {Median(small):0.0} ms | {perRecipient:0} µs |");
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("SCHOOLBEL_BENCH_OUT") is { Length: > 0 } file)
        {
            await File.AppendAllTextAsync(file, line + Environment.NewLine);
        }

        Assert.True(Median(big) < 1000, line);
    }
}
