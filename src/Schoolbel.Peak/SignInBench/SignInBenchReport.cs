using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.SignInBench;

/// <summary>Everything the <c>signin</c> command measured, as written to <c>signin.json</c> (camelCase).</summary>
internal sealed record SignInBenchReport(
    string Tool,
    SignInBenchSettings Settings,
    DateTimeOffset StartedAt,
    HashPhase RawBefore,
    SignInPhase SignIns,
    TodayPhase TodayAlone,
    TodayPhase TodayInStorm,
    StormPhase Storm,
    HashPhase RawAfter,
    SignInGoals Goals,
    IReadOnlyList<string> Notes);

internal sealed record SignInBenchSettings(
    string Target, int HashThreads, string Hash, double RawSeconds, int Concurrency, double SignInWarmupSeconds,
    double SignInSeconds, int Sessions, double TodayRatePerSecond, double TodaySeconds, double StormFactor,
    double StormLeadSeconds, double TimeoutSeconds, int Seed, string? SeedSummary, int ProcessorCount);

internal sealed record HashPhase(int Threads, string Hash, double Seconds, long Hashes, double PerSecond, double MsPerHash, CpuReportWindow Cpu);

/// <param name="ServerCpuMsPerSignIn">Server CPU over the counted window divided by its sign-ins (the hash included).</param>
internal sealed record SignInPhase(
    int Concurrency, double WindowSeconds, long SignIns, double PerSecond, long BusyAnswers, long Abandoned,
    IReadOnlyDictionary<string, long> Errors, LatencySummary Latency, double? ServerCpuMsPerSignIn, CpuReportWindow Cpu);

internal sealed record TodayPhase(
    double RatePerSecond, double Seconds, long Requests, long Ok, long WaitingPages, IReadOnlyDictionary<string, long> Errors,
    LatencySummary Latency, CpuReportWindow Cpu, IReadOnlyList<TodaySecond> Timeline);

/// <param name="SignedInDuringToday">Storm sign-ins that completed while the today page was measured.</param>
internal sealed record StormPhase(
    double RatePerSecond, double Factor, double Seconds, long Arrivals, long SignIns, long SignedInDuringToday, long BusyAnswers,
    long Abandoned, IReadOnlyDictionary<string, long> Errors, LatencySummary Latency, CpuReportWindow Cpu);

/// <summary>The three goals of issue 3's benchmark, computed within this one run.</summary>
/// <param name="RawPerSecond">Mean of the raw rate before and after the sign-in phases.</param>
internal sealed record SignInGoals(
    double RawPerSecond, double SignInsPerSecond, double SignInShareOfRaw, bool SignInGoalMet,
    double TodayP99AloneMs, double TodayP99InStormMs, double TodayP99Ratio, bool TodayGoalMet,
    long ServerErrors, long Timeouts, long OtherErrors, long BusyAnswers, bool ErrorGoalMet)
{
    public const double SignInShareGoal = 0.85;
    public const double TodayRatioGoal = 2.0;

    public static SignInGoals Evaluate(HashPhase before, HashPhase after, SignInPhase signIns, TodayPhase alone, TodayPhase storm, StormPhase stormLoad)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(signIns);
        ArgumentNullException.ThrowIfNull(alone);
        ArgumentNullException.ThrowIfNull(storm);
        ArgumentNullException.ThrowIfNull(stormLoad);
        var raw = (before.PerSecond + after.PerSecond) / 2;
        var share = raw <= 0 ? 0 : signIns.PerSecond / raw;
        var ratio = alone.Latency.P99Ms <= 0 ? 0 : storm.Latency.P99Ms / alone.Latency.P99Ms;
        var errors = new[] { signIns.Errors, alone.Errors, storm.Errors, stormLoad.Errors }.SelectMany(e => e).ToList();
        var serverErrors = errors.Where(e => IsServerError(e.Key)).Sum(e => e.Value);
        var timeouts = errors.Where(e => e.Key == ErrorKinds.Timeout).Sum(e => e.Value);
        var other = errors.Sum(e => e.Value) - serverErrors - timeouts;
        var busy = signIns.BusyAnswers + alone.WaitingPages + storm.WaitingPages + stormLoad.BusyAnswers;
        return new SignInGoals(
            Math.Round(raw, 3), Math.Round(signIns.PerSecond, 3), Math.Round(share, 4), share >= SignInShareGoal,
            alone.Latency.P99Ms, storm.Latency.P99Ms, Math.Round(ratio, 3), ratio is > 0 and <= TodayRatioGoal && storm.Ok > 0,
            serverErrors, timeouts, other, busy, serverErrors == 0 && timeouts == 0 && other == 0);
    }

    /// <summary>"status 5xx" as <see cref="ErrorKinds.Status"/> writes it.</summary>
    internal static bool IsServerError(string kind) =>
        kind.StartsWith("status 5", StringComparison.Ordinal) && kind.Length == "status 500".Length;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(SignInBenchReport))]
internal sealed partial class SignInBenchJsonContext : JsonSerializerContext;

/// <summary>The console summary of a <c>signin</c> run.</summary>
internal static class SignInBenchConsole
{
    public static async Task WriteAsync(TextWriter output, SignInBenchReport r)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(r);
        var g = r.Goals;
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            Sign-in under the 08:30 storm ({r.Settings.ProcessorCount} cores, {r.Settings.Hash}, {r.Settings.HashThreads} hash threads)
              raw hash rate before   {r.RawBefore.PerSecond,8:0.00}/s  ({r.RawBefore.MsPerHash:0} ms per hash per thread; {Cpu(r.RawBefore.Cpu)})
              raw hash rate after    {r.RawAfter.PerSecond,8:0.00}/s  ({r.RawAfter.MsPerHash:0} ms per hash per thread; {Cpu(r.RawAfter.Cpu)})
              API sign-ins           {r.SignIns.PerSecond,8:0.00}/s  ({r.SignIns.SignIns} in {r.SignIns.WindowSeconds:0} s, {r.SignIns.Concurrency} in flight, p50 {r.SignIns.Latency.P50Ms:0} ms, p99 {r.SignIns.Latency.P99Ms:0} ms, busy answers {r.SignIns.BusyAnswers}; server {r.SignIns.ServerCpuMsPerSignIn:0} CPU-ms per sign-in; {Cpu(r.SignIns.Cpu)})
              => {g.SignInShareOfRaw:P1} of raw (goal >= {SignInGoals.SignInShareGoal:P0}): {Verdict(g.SignInGoalMet)}
              today page alone       p50 {r.TodayAlone.Latency.P50Ms,7:0.0} ms  p99 {r.TodayAlone.Latency.P99Ms,7:0.0} ms  max {r.TodayAlone.Latency.MaxMs,7:0} ms  ({r.TodayAlone.Ok}/{r.TodayAlone.Requests} at {r.TodayAlone.RatePerSecond:0.#}/s, waiting pages {r.TodayAlone.WaitingPages}; {Cpu(r.TodayAlone.Cpu)})
              today page in storm    p50 {r.TodayInStorm.Latency.P50Ms,7:0.0} ms  p99 {r.TodayInStorm.Latency.P99Ms,7:0.0} ms  max {r.TodayInStorm.Latency.MaxMs,7:0} ms  ({r.TodayInStorm.Ok}/{r.TodayInStorm.Requests}, waiting pages {r.TodayInStorm.WaitingPages}; {Cpu(r.TodayInStorm.Cpu)})
              storm                  {r.Storm.RatePerSecond:0.0} arrivals/s ({r.Storm.Factor:0.#}x capacity): {r.Storm.Arrivals} pupils, {r.Storm.SignIns} signed in ({r.Storm.SignedInDuringToday} during the today window), {r.Storm.BusyAnswers} busy answers (429 + Retry-After), {r.Storm.Abandoned} still waiting at the end; {Cpu(r.Storm.Cpu)}
              => today p99 {g.TodayP99Ratio:0.00}x without the storm (goal <= {SignInGoals.TodayRatioGoal:0}x): {Verdict(g.TodayGoalMet)}
              errors: {g.ServerErrors} 5xx, {g.Timeouts} timeouts, {g.OtherErrors} other; busy answers {g.BusyAnswers} (not errors): {Verdict(g.ErrorGoalMet)}
            """);
        await output.WriteLineAsync(text);
        await output.WriteLineAsync("  slowest seconds of the today page in the storm: " + string.Join(", ",
            r.TodayInStorm.Timeline.OrderByDescending(s => s.MaxMs).Take(5)
                .Select(s => string.Create(CultureInfo.InvariantCulture, $"t={s.Second}s max {s.MaxMs:0} ms ({s.Requests} requests)"))));
        foreach (var note in r.Notes)
        {
            await output.WriteLineAsync("  note: " + note);
        }
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static string Cpu(CpuReportWindow c) => string.Create(CultureInfo.InvariantCulture,
        $"cores: server {c.ServerCores?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"}, simulator {c.SimulatorCores:0.00}, other {c.OtherCores?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"}");
}
