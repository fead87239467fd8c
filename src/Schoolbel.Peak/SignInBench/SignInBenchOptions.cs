using System.Globalization;
using Schoolbel.Peak.Cli;
using Schoolbel.Peak.Targeting;

using static Schoolbel.Peak.Cli.OptionValues;

namespace Schoolbel.Peak.SignInBench;

/// <summary>Every option of the <c>signin</c> command, with its default. See <see cref="SignInBenchOptionsParser.Help"/>.</summary>
internal sealed record SignInBenchOptions
{
    public Uri Target { get; init; } = new("http://127.0.0.1:5080/");
    public bool AllowRemote { get; init; }
    public string? SeedSummaryPath { get; init; }
    public int Schools { get; init; } = 20;
    public int PupilsPerSchool { get; init; } = 1000;
    public string Password { get; init; } = "Peak-Pass-1";
    public int? ServerPid { get; init; }
    public string OutFolder { get; init; } = "signin-report";

    /// <summary>Threads of the raw hash measurement; the server's default hash slots are one per core.</summary>
    public int HashThreads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>argon2id or pbkdf2: the server's configured algorithm (Passwords:Algorithm).</summary>
    public string HashAlgorithm { get; init; } = HashCost.ServerDefault.Algorithm;

    /// <summary>Argon2id memory in KiB (Passwords:Argon2MemoryKiB).</summary>
    public int Argon2MemoryKiB { get; init; } = HashCost.ServerDefault.Argon2MemoryKiB;

    /// <summary>Argon2id passes (Passwords:Argon2Passes).</summary>
    public int Argon2Passes { get; init; } = HashCost.ServerDefault.Argon2Passes;

    /// <summary>PBKDF2-HMAC-SHA512 iterations (Passwords:Pbkdf2Iterations).</summary>
    public int Iterations { get; init; } = HashCost.ServerDefault.Pbkdf2Iterations;

    public HashCost HashCost => new(HashAlgorithm, Argon2MemoryKiB, Argon2Passes, Iterations);

    public TimeSpan RawDuration { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan SignInWarmup { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan SignInDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sign-ins in flight at once in the capacity run; 0 means four per hash thread.</summary>
    public int Concurrency { get; init; }

    public int Sessions { get; init; } = 200;
    public int SessionConcurrency { get; init; } = 4;
    public double TodayRate { get; init; } = 20;
    public TimeSpan TodayDuration { get; init; } = TimeSpan.FromSeconds(20);
    public double StormFactor { get; init; } = 3;

    /// <summary>How long the storm runs before the today page is measured, so the sign-in queue is already full.</summary>
    public TimeSpan StormLead { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public int Seed { get; init; } = 830;
    public bool Quiet { get; init; }

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : 4 * HashThreads;
}

/// <summary>The command line of <c>signin</c>: <c>signin [--option value | --option=value] ...</c>.</summary>
internal static class SignInBenchOptionsParser
{
    public const string Help = """
        Schoolbel.Peak signin: sign-in throughput against the raw hash rate, and the today page under a sign-in storm.

        Usage: Schoolbel.Peak signin [options]    writes signin.json in --out and a summary to standard output

        Phases, in this order (the server should be otherwise idle):
          1. raw hash rate: --hash-threads threads run the server's hash (--hash, with its cost) in this process
          2. sign-in capacity: closed loop of --concurrency API sign-ins (POST /api/v1/sessions, a random seeded pupil
             each, Retry-After honoured); after --signin-warmup, sign-ins completed in --signin-duration count
          3. --sessions pupils sign in once with the form; their today page (GET /{school}/) is then loaded alone,
             open model at --today-rate for --today-duration
          4. the same today load while a storm of API sign-ins arrives at --storm-factor x the capacity of phase 2
             (open model, Poisson; each pupil honours Retry-After until signed in or the storm ends)
          5. raw hash rate again
        Busy answers (429/503 with Retry-After) are counted, not errors; 5xx, timeouts and connection errors are errors.

        Target and population
          --target URL             server to load (default http://127.0.0.1:5080); loopback only unless --allow-remote
          --allow-remote           allow a non-loopback target
          --seed-summary FILE      the JSON that the server's `seed` command printed
          --schools N              without a summary: school001..schoolN (default 20)
          --pupils-per-school N    without a summary (default 1000)
          --password P             password of the seeded accounts (default Peak-Pass-1)
          --server-pid PID         server process on this machine: its CPU per phase from /proc/PID/stat

        Hashing
          --hash-threads N         threads of the raw measurement (default: processor count, the server's default hash slots)
          --hash NAME              argon2id (default) or pbkdf2: the server's Passwords:Algorithm
          --argon2-memory KIB      Argon2id memory in KiB (default 19456, the server's Passwords:Argon2MemoryKiB)
          --argon2-passes N        Argon2id passes (default 2, the server's Passwords:Argon2Passes)
          --iterations N           PBKDF2-HMAC-SHA512 iterations (default 210000, the server's Passwords:Pbkdf2Iterations)
          --raw-duration T         length of each raw measurement (default 10s)

        Sign-in capacity
          --concurrency N          API sign-ins in flight at once (default 4 x --hash-threads)
          --signin-warmup T        not counted, lets the JIT and the queue settle (default 5s)
          --signin-duration T      counted window (default 30s)

        Today page
          --sessions N             pupils signed in before the today measurements (default 200)
          --session-concurrency N  form sign-ins at once while preparing them (default 4)
          --today-rate R           today pages per second, open model (default 20)
          --today-duration T       length of each today measurement (default 20s)
          --storm-factor X         storm arrival rate as a multiple of the measured sign-in capacity (default 3)
          --storm-lead T           storm time before the today measurement starts (default 3s)

        Other
          --timeout T              per request; a slower answer is a timeout error (default 30s)
          --seed N                 random seed for pupils and arrivals (default 830)
          --out FOLDER             where signin.json goes (default signin-report)
          --quiet                  no progress lines

        Exit codes: 0 measured (goals met or not: read the summary), 1 could not run, 2 bad command line.
        """;

    public static SignInBenchOptions? Parse(IReadOnlyList<string> args, out string? error, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        help = false;
        var options = new SignInBenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                error = $"Unexpected argument '{arg}'.";
                return null;
            }

            var body = arg[2..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            var value = equals < 0 ? null : body[(equals + 1)..];
            if (name is "allow-remote" or "quiet")
            {
                options = name == "quiet" ? options with { Quiet = true } : options with { AllowRemote = true };
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"Option '--{name}' needs a value.";
                    return null;
                }

                value = args[++i];
            }

            options = Apply(options, name, value, out error);
            if (options is null)
            {
                return null;
            }
        }

        error = TargetGuard.Validate(options.Target, options.AllowRemote);
        return error is null ? options : null;
    }

    private static SignInBenchOptions? Apply(SignInBenchOptions o, string name, string value, out string? error)
    {
        error = null;
        switch (name)
        {
            case "target":
                if (!Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var target))
                {
                    error = $"--target '{value}' is not an absolute URL.";
                    return null;
                }

                return o with { Target = target };
            case "seed-summary":
                return o with { SeedSummaryPath = value };
            case "password":
                return o with { Password = value };
            case "out":
                return o with { OutFolder = value };
            case "schools":
                return Int(name, value, 1, out var schools, out error) ? o with { Schools = schools } : null;
            case "pupils-per-school":
                return Int(name, value, 1, out var pupils, out error) ? o with { PupilsPerSchool = pupils } : null;
            case "server-pid":
                return Int(name, value, 1, out var pid, out error) ? o with { ServerPid = pid } : null;
            case "hash-threads":
                return Int(name, value, 1, out var threads, out error) ? o with { HashThreads = threads } : null;
            case "iterations":
                return Int(name, value, 1, out var iterations, out error) ? o with { Iterations = iterations } : null;
            case "hash":
                if (value is not (HashCost.Argon2id or HashCost.Pbkdf2))
                {
                    error = $"--hash must be {HashCost.Argon2id} or {HashCost.Pbkdf2}, not '{value}'.";
                    return null;
                }

                return o with { HashAlgorithm = value };
            case "argon2-memory":
                return Int(name, value, 8, out var memory, out error) ? o with { Argon2MemoryKiB = memory } : null;
            case "argon2-passes":
                return Int(name, value, 1, out var passes, out error) ? o with { Argon2Passes = passes } : null;
            case "concurrency":
                return Int(name, value, 1, out var concurrency, out error) ? o with { Concurrency = concurrency } : null;
            case "sessions":
                return Int(name, value, 1, out var sessions, out error) ? o with { Sessions = sessions } : null;
            case "session-concurrency":
                return Int(name, value, 1, out var sessionConcurrency, out error) ? o with { SessionConcurrency = sessionConcurrency } : null;
            case "seed":
                return Int(name, value, 0, out var seed, out error) ? o with { Seed = seed } : null;
            case "today-rate":
                return Number(name, value, 0.1, 100_000, out var rate, out error) ? o with { TodayRate = rate } : null;
            case "storm-factor":
                return Number(name, value, 0.1, 1000, out var factor, out error) ? o with { StormFactor = factor } : null;
            case "raw-duration":
                return Duration(name, value, out var raw, out error) ? o with { RawDuration = raw } : null;
            case "signin-warmup":
                return Duration(name, value, out var warmup, out error, allowZero: true) ? o with { SignInWarmup = warmup } : null;
            case "signin-duration":
                return Duration(name, value, out var signIn, out error) ? o with { SignInDuration = signIn } : null;
            case "today-duration":
                return Duration(name, value, out var today, out error) ? o with { TodayDuration = today } : null;
            case "storm-lead":
                return Duration(name, value, out var lead, out error, allowZero: true) ? o with { StormLead = lead } : null;
            case "timeout":
                return Duration(name, value, out var timeout, out error) ? o with { Timeout = timeout } : null;
            default:
                error = $"Unknown option '--{name}' for signin.";
                return null;
        }
    }
}
