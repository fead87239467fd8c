using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Schoolbel.Server.Data;
using Schoolbel.Server.Ops;
using Schoolbel.Server.SignIn;

namespace Schoolbel.Server;

/// <summary>
/// Command-line tasks that share the server's configuration and data layer (<c>seed</c>, <c>help</c>).
/// Standard output carries only the command's result, so it can be piped into a file or
/// another tool; everything for humans (logs, timings, errors) goes to standard error.
/// </summary>
internal static class Commands
{
    private const string DefaultSeedPassword = "Peak-Pass-1";

    private const string Usage = """
        Usage: Schoolbel.Server <command> [options] [--Section:Key=value ...]

        Commands:
          seed    Create load-test schools school001, school002, ... and print a JSON summary.
          help    Show this text.

        Options for seed:
          --schools N             number of schools (default 20)
          --pupils-per-school N   pupils in each school, in classes of about 22 (default 1000)
          --first-school N        number of the first school; 1 gives school001 (default 1)
          --password P            password of every seeded account (default Peak-Pass-1)

        Configuration works as for the server: --Database:Provider=Postgres
        --Database:ConnectionString="Host=...;Database=schoolbel", or environment variables
        such as Schoolbel__Database__Provider=Postgres.

        Standard output carries only the JSON summary; logs and timings go to standard error.
        Exit codes: 0 done, 1 failed (e.g. a school code already exists), 2 bad command line.
        """;

    // Host-level switches that have no ':' but are still configuration rather than seed options.
    private static readonly string[] HostSwitches = ["environment", "contentRoot", "applicationName"];

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = args.Length > 0 ? args[0] : "help";
        switch (command)
        {
            case "help" or "--help" or "-h":
                await Console.Out.WriteLineAsync(Usage);
                return 0;
            case "seed":
                return await SeedAsync(args[1..]);
            default:
                return await UsageErrorAsync($"Unknown command '{command}'.");
        }
    }

    private static async Task<int> SeedAsync(string[] args)
    {
        var parsed = SeedArguments.Parse(args);
        if (parsed.Help)
        {
            await Console.Out.WriteLineAsync(Usage);
            return 0;
        }

        if (parsed.Error is not null)
        {
            return await UsageErrorAsync(parsed.Error);
        }

        var configArgs = parsed.ConfigArgs.ToArray();
        var builder = Host.CreateApplicationBuilder(configArgs);
        builder.Configuration.AddEnvironmentVariables("Schoolbel__");
        // Added again after the Schoolbel__ variables so that a flag on the command line beats
        // an exported variable, as one would expect when overriding for one run.
        builder.Configuration.AddCommandLine(configArgs);

        // Standard output is reserved for the JSON summary, so every log line goes to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (builder.Configuration["Logging:LogLevel:Microsoft.EntityFrameworkCore"] is null)
        {
            // EF logs every batch at Information; for tens of thousands of rows that drowns the
            // progress lines. Still overridable through configuration.
            builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        }

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSchoolbelData(builder.Configuration);
        services.AddOptions<PasswordOptions>().Bind(builder.Configuration.GetSection(PasswordOptions.Section));
        services.AddSingleton<PasswordHasher>();
        services.AddScoped<PlatformSeeder>();

        using var host = builder.Build();
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // Let the seeder roll back its transaction instead of dying half-way.
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            await using var scope = host.Services.CreateAsyncScope();
            var started = Stopwatch.GetTimestamp();
            await scope.ServiceProvider.GetRequiredService<DatabaseStartup>().PrepareAsync(cancellation.Token);
            var prepared = Stopwatch.GetElapsedTime(started);

            var summary = await scope.ServiceProvider.GetRequiredService<PlatformSeeder>().SeedAsync(parsed.Request, cancellation.Token);
            var seeded = Stopwatch.GetElapsedTime(started) - prepared;

            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(summary, SeedJsonContext.Default.SeedSummary));
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Seeded {summary.Schools.Count} school(s) with {summary.PupilsPerSchool} pupils, {summary.TeachersPerSchool} teachers, "
                + $"{summary.ClassesPerSchool} classes and {summary.CoursesPerSchool} courses each in {seeded.TotalSeconds:0.0} s "
                + $"(database prepared in {prepared.TotalSeconds:0.0} s)."));
            return 0;
        }
        catch (SeedConflictException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Invalid configuration: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Cancelled; the seed was rolled back.");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> UsageErrorAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        await Console.Error.WriteLineAsync();
        await Console.Error.WriteLineAsync(Usage);
        return 2;
    }

    /// <summary>The seed command line: its own options, and configuration overrides passed on to the host.</summary>
    private sealed class SeedArguments
    {
        public SeedRequest Request { get; private set; } = new() { Password = DefaultSeedPassword };
        public List<string> ConfigArgs { get; } = [];
        public bool Help { get; private set; }
        public string? Error { get; private set; }

        public static SeedArguments Parse(string[] args)
        {
            var result = new SeedArguments();
            for (var i = 0; i < args.Length && result.Error is null; i++)
            {
                var arg = args[i];
                if (arg is "--help" or "-h")
                {
                    result.Help = true;
                    return result;
                }

                if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                {
                    result.Error = $"Unexpected argument '{arg}'.";
                    break;
                }

                // Both "--name value" and "--name=value".
                var body = arg[2..];
                var equals = body.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? body : body[..equals];
                string? value = equals < 0 ? null : body[(equals + 1)..];
                if (value is null)
                {
                    if (i + 1 >= args.Length)
                    {
                        result.Error = $"Option '--{name}' needs a value.";
                        break;
                    }

                    value = args[++i];
                }

                result.Apply(name, value);
            }

            return result;
        }

        private void Apply(string name, string value)
        {
            if (name.Contains(':', StringComparison.Ordinal) || HostSwitches.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                // Configuration such as --Database:Provider=Postgres, handed to the host as is.
                ConfigArgs.Add($"--{name}={value}");
                return;
            }

            switch (name)
            {
                case "schools":
                    Request = Request with { Schools = PositiveInt(name, value) };
                    break;
                case "pupils-per-school":
                    Request = Request with { PupilsPerSchool = PositiveInt(name, value) };
                    break;
                case "first-school":
                    Request = Request with { FirstSchoolNumber = PositiveInt(name, value) };
                    break;
                case "password":
                    if (value.Length == 0)
                    {
                        Error = "Option '--password' must not be empty.";
                    }

                    Request = Request with { Password = value };
                    break;
                default:
                    Error = $"Unknown option '--{name}'.";
                    break;
            }
        }

        private int PositiveInt(string name, string value)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
            {
                return number;
            }

            Error = $"Option '--{name}' needs a whole number of at least 1, not '{value}'.";
            return 1;
        }
    }
}
