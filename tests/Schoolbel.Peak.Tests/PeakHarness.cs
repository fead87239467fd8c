using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Population;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

/// <summary>Runs one morning of the simulator, as the run command does, against a test server.</summary>
internal static class PeakHarness
{
    public static PeakOptions Options(Uri target) => new()
    {
        Target = target,
        Schools = 1,
        PupilsPerSchool = 22,
        Password = TinySchoolServer.Password,
        ProfileText = "steady",
        Rate = 20,
        Duration = TimeSpan.FromSeconds(3),
        ThinkTime = TimeSpan.Zero,
        Timeout = TimeSpan.FromSeconds(10),
        Arrivals = ArrivalProcess.Uniform,
        WarmupSessions = 5,
        TeacherShare = 0,
        ParentShare = 0,
        ResumeShare = 1,
        Quiet = true,
    };

    public static async Task<RunReport> RunAsync(PeakOptions options)
    {
        var population = SeedPopulation.FromPattern(options.Schools, options.PupilsPerSchool);
        var profile = LoadProfile.Parse(options.ProfileText, options.Duration, options.Ramp, out var error)
            ?? throw new ArgumentException(error, nameof(options));
        var run = new PeakRun(options, TimeProvider.System, TextWriter.Null);
        return await run.RunMorningAsync(population, profile, startAt: null, TestContext.Current.CancellationToken);
    }

    public static StepReport Step(this RunReport report, string step, string role = "pupil") =>
        report.Steps.Single(s => s.Step == step && s.Role == role);
}
