using System.Globalization;
using Schoolbel.Peak.Load;
using Schoolbel.Peak.Targeting;

using static Schoolbel.Peak.Cli.OptionValues;

namespace Schoolbel.Peak.Cli;

/// <summary>What to run: one morning, a search for the highest sustainable rate, the overload benchmark or the fairness benchmark.</summary>
internal enum PeakCommandKind
{
    Run,
    Capacity,
    Overload,
    Fairness,
}

/// <summary>Every option of the simulator, with its default. See <see cref="PeakOptionsParser.Help"/>.</summary>
internal sealed record PeakOptions
{
    public PeakCommandKind Command { get; init; } = PeakCommandKind.Run;
    public Uri Target { get; init; } = new("http://127.0.0.1:5080/");
    public bool AllowRemote { get; init; }
    public string? SeedSummaryPath { get; init; }
    public int Schools { get; init; } = 20;
    public int PupilsPerSchool { get; init; } = 1000;
    public string Password { get; init; } = "Peak-Pass-1";
    public string ProfileText { get; init; } = "first-day";
    public double Rate { get; init; } = 1;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(60);
    public TimeOnly? StartAt { get; init; }
    public double ResumeShare { get; init; } = 0.7;
    public double TeacherShare { get; init; } = 0.05;
    public double ParentShare { get; init; } = 0.05;
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Size of the document each teacher uploads into the lesson they publish.</summary>
    public int UploadKiB { get; init; } = 200;

    /// <summary>Exercises a pupil answers; null: none in the morning journey, 10 in the practice journey.</summary>
    public int? ExerciseAnswers { get; init; }

    /// <summary>Pupils only practise (today → a task's practice page → answers); no teachers or parents.</summary>
    public bool PracticeJourney { get; init; }

    /// <summary>Share of pupil morning journeys that hand in an assignment from the today page after the document.</summary>
    public double HandInShare { get; init; }

    /// <summary>Size of the file a pupil hands in.</summary>
    public int HandInKiB { get; init; } = 20;

    /// <summary>Share of pupil morning journeys that open the inbox and read the newest message.</summary>
    public double MessageShare { get; init; }

    /// <summary>What the pupils' journeys do after the options are applied: answers per journey and whether that is all.</summary>
    public int EffectiveExerciseAnswers => ExerciseAnswers ?? (PracticeJourney ? 10 : 0);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(120);
    public int? ServerPid { get; init; }
    public string OutFolder { get; init; } = "peak-report";
    public int MaxUsers { get; init; } = 20_000;
    public int WarmupSessions { get; init; } = 500;
    public int WarmupConcurrency { get; init; } = 4;
    public ArrivalProcess Arrivals { get; init; } = ArrivalProcess.Poisson;
    public int Seed { get; init; } = 830;
    public bool Quiet { get; init; }

    // Capacity mode.
    public double StepFactor { get; init; } = 1.5;
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(20);
    public int MaxSteps { get; init; } = 10;
    public TimeSpan MaxP99 { get; init; } = TimeSpan.FromSeconds(1);
    public double MaxErrorRate { get; init; }
    public double MaxWaitingShare { get; init; } = 0.01;

    // Overload and fairness.
    public TimeSpan PhaseWarmup { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Journeys per second the server sustains; null: measure it with a capacity search first.</summary>
    public double? Capacity { get; init; }

    public IReadOnlyList<double> Factors { get; init; } = [1, 2, 5];
    public string? QuietSchool { get; init; }
    public string? NoisySchool { get; init; }
    public double NoisyFactor { get; init; } = 10;
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The command line of the simulator: <c>run|capacity [--option value | --option=value] ...</c>.</summary>
internal static class PeakOptionsParser
{
    public const string Help = """
        Schoolbel.Peak: replays the 08:30 morning against a running Schoolbel and reports what pupils experienced.

        Usage: Schoolbel.Peak run [options]        one morning, then report.json and report.html in --out
               Schoolbel.Peak capacity [options]   steps the rate up until p99 or errors pass a threshold
               Schoolbel.Peak overload [options]   the same morning at 1x, 2x and 5x the capacity: goodput, errors, waiting
                                                   answers and admitted-request latency per load, judged against issue 6
               Schoolbel.Peak fairness [options]   one school alone, then next to a school offering 10x as much: the quiet
                                                   school's p99 with and without its noisy neighbour
               Schoolbel.Peak signin [options]     sign-ins/s against the raw hash rate; today page under a sign-in storm
                                                   (its own options: Schoolbel.Peak signin --help)
               Schoolbel.Peak --help

        Target (only this address is ever contacted; links or redirects elsewhere are refused)
          --target URL             server to load (default http://127.0.0.1:5080)
          --allow-remote           allow a non-loopback target; by default only 127.0.0.0/8, ::1 and localhost

        Who takes part (the server's `seed` command creates them)
          --seed-summary FILE      the JSON that `seed` printed: schools, username ranges, one course per class
          --schools N              without a summary: school001..schoolN (default 20, the seed default)
          --pupils-per-school N    without a summary: p00001.. pupils, o00001.. parents, teachers as seed lays them out (default 1000)
          --password P             password of the seeded accounts (default Peak-Pass-1, the seed default)
          --teacher-share X        share of arrivals that are teachers (default 0.05)
          --parent-share X         share of arrivals that are parents (default 0.05); the rest are pupils

        Load shape (open model: arrivals follow the schedule whatever the server does, and latency
        counts from each arrival's intended start, so a slow server cannot hide its queue)
          --profile NAME|POINTS    first-day: 1x rising to 40x the baseline rate over --ramp, then held (default)
                                   steady: the baseline rate throughout
                                   spike: baseline, 40x a quarter into the run for --ramp, then baseline again
                                   or points "seconds:multiplier,..." joined by straight lines, e.g. 0:1,30:10,60:10
          --rate R                 baseline arrival rate in journeys per second (default 1)
          --duration T             how long arrivals keep coming (default 120s); in-flight journeys then finish
          --ramp T                 first-day ramp length / spike length (default 60s)
          --arrivals poisson|uniform   random (default) or evenly spaced arrivals
          --seed N                 random seed for arrivals, accounts and roles (default 830)
          --start-at HH:mm:ss      start the measured window at this local time today ("everyone at 08:30:00"),
                                   so several simulators start together; the warm-up runs before it
          --max-users N            most virtual users (browsers) at once; arrivals beyond it are dropped and
                                   reported as such, never delayed (default 20000)

        Journeys (pupils: sign-in page and sign-in, or resume → today → course → lesson → document,
        then as asked a hand-in, a message and exercises;
        teachers: today → course → new lesson → upload a document into it → publish it now;
        parents: today; steps the server does not offer are reported as not available)
          --resume-share X         share of journeys that resume a kept session instead of signing in (default 0.7)
          --warmup-sessions N      sessions signed in before the measured window for resumed journeys;
                                   with more resumed journeys than sessions, sessions are reused (default 500)
          --warmup-concurrency N   sign-ins at once during the warm-up (default 4)
          --think-time T           mean pause between clicks, 0.5x-1.5x at random; not counted as latency (default 1s)
          --upload-kb N            size of the document a teacher uploads (default 200)
          --handin-share X         share of pupil journeys that then hand in an assignment from the today page: the
                                   assignment page, its form with a --handin-kb file and a text (the form's idempotency
                                   key; a retry after a timeout or Retry-After posts the same key), and the receipt,
                                   whose time and SHA-256 must match the bytes sent (default 0)
          --handin-kb N            size of the file a pupil hands in (default 20)
          --message-share X        share of pupil journeys that then open the inbox and read the newest unread
                                   message; the unread count in the menu must go down (default 0)
          --exercise-answers N     pupils end their morning on a task's practice page and answer N exercises
                                   (plausible guesses; the key never leaves the server) (default 0: not at all)
          --journey morning|practice   practice: pupils only, today → a task's practice page → --exercise-answers
                                   answers (default 10), for answers per second (default morning)
          --timeout T              per request; a slower answer is a timeout error (default 30s)
          --max-wait T             most time one step spends on waiting pages (Retry-After) before giving up (default 120s)

        Results
          --out FOLDER             where report.json and report.html go (default peak-report)
          --server-pid PID         server process on this machine: its CPU seconds per journey from /proc/PID/stat
          --quiet                  no live progress line

        Capacity mode (each step is a steady run of --step-duration at a rate; the first is --rate)
          --step-factor X          next rate = rate * X (default 1.5)
          --step-duration T        length of each step (default 20s)
          --max-steps N            most steps (default 10)
          --max-p99 T              a step passes while the journey p99 stays at or below this (default 1s)
          --max-error-rate X       ... and the share of failed journeys at or below this (default 0)
          --max-waiting-share X    ... and waiting pages per journey at or below this (default 0.01)

        Overload and fairness (overload.json and overload.html in --out, default overload-report; fairness.json and
        fairness.html, default fairness-report). Each phase offers load for --phase-warmup (not measured), then
        measures for --duration (default 30s here). A waiting answer is any answer with Retry-After (a waiting page,
        429 or 503): the browser waits and retries, and a journey served after waiting continues and can complete.
        Admitted requests are the answers without Retry-After; their latency runs from the intended start of the
        attempt (for a retry: the end of its Retry-After). 5xx answers, timeouts and connection errors are errors.
          --phase-warmup T         load before each measured window, to reach a steady state (default 5s)
          --cooldown T             no load between phases, so the server's queues drain (default 5s)
          --capacity J             overload: the capacity in journeys/s; without it a capacity search runs first,
                                   with the capacity-mode options above (starting at --rate, default 5 here)
          --factors LIST           overload: offered loads as multiples of the capacity, in this order; must include 1
                                   (default 1,2,5). Goodput counts journeys completed within the window; a journey still
                                   under way (or waiting) when the window ends counts as unfinished, not as an error
          --quiet-school CODE      fairness: the school measured alone and with the neighbour (default: the first
                                   school of the population); --rate is its arrival rate (default 1 here)
          --noisy-school CODE      fairness: the neighbour (default: the second school)
          --noisy-factor X         fairness: the neighbour arrives at X times --rate (default 10)
          --drain T                fairness: the quiet school's journeys that arrived in the window are followed to
                                   their end for up to this long after it, the neighbour still loading (default 30s)

        Times take a unit: 500ms, 30s, 2m, 1h (a bare number is seconds). Exit codes: 0 done,
        1 the run could not start (target unreachable, warm-up failed), 2 bad command line.
        """;

    public static PeakOptions? Parse(string[] args, out string? error, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        help = false;
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            help = true;
            return null;
        }

        var options = args[0] switch
        {
            "run" => new PeakOptions { Command = PeakCommandKind.Run },
            "capacity" => new PeakOptions { Command = PeakCommandKind.Capacity, ProfileText = "steady", Rate = 5 },
            "overload" => new PeakOptions
            {
                Command = PeakCommandKind.Overload, ProfileText = "steady", Rate = 5, Duration = TimeSpan.FromSeconds(30), OutFolder = "overload-report",
            },
            "fairness" => new PeakOptions
            {
                Command = PeakCommandKind.Fairness, ProfileText = "steady", Rate = 1, Duration = TimeSpan.FromSeconds(30), OutFolder = "fairness-report",
            },
            _ => null,
        };
        if (options is null)
        {
            error = $"Unknown command '{args[0]}'; use run, capacity, overload, fairness or signin.";
            return null;
        }

        for (var i = 1; i < args.Length; i++)
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
            string? value = equals < 0 ? null : body[(equals + 1)..];
            if (name is "allow-remote" or "quiet")
            {
                options = name == "quiet" ? options with { Quiet = true } : options with { AllowRemote = true };
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
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

        if (options.PracticeJourney)
        {
            // Practice is the pupils' load: teachers and parents would only blur answers per second.
            options = options with { TeacherShare = 0, ParentShare = 0 };
        }

        error = Validate(options);
        return error is null ? options : null;
    }

    /// <summary>Parses 500ms, 30s, 2m, 1h, a bare number of seconds, or hh:mm:ss.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = default;
        text = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                duration = TimeSpan.FromSeconds(n * seconds);
                return true;
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare) && bare >= 0)
        {
            duration = TimeSpan.FromSeconds(bare);
            return true;
        }

        return text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    private static PeakOptions? Apply(PeakOptions o, string name, string value, out string? error)
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
            case "profile":
                return o with { ProfileText = value };
            case "out":
                return o with { OutFolder = value };
            case "arrivals":
                return value switch
                {
                    "poisson" => o with { Arrivals = ArrivalProcess.Poisson },
                    "uniform" => o with { Arrivals = ArrivalProcess.Uniform },
                    _ => Invalid(name, value, "poisson or uniform", out error),
                };
            case "start-at":
                return TimeOnly.TryParseExact(value, ["HH:mm:ss", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                    ? o with { StartAt = at }
                    : Invalid(name, value, "a time like 08:30:00", out error);
            case "schools":
                return Int(name, value, 1, out var schools, out error) ? o with { Schools = schools } : null;
            case "pupils-per-school":
                return Int(name, value, 1, out var pupils, out error) ? o with { PupilsPerSchool = pupils } : null;
            case "server-pid":
                return Int(name, value, 1, out var pid, out error) ? o with { ServerPid = pid } : null;
            case "max-users":
                return Int(name, value, 1, out var users, out error) ? o with { MaxUsers = users } : null;
            case "warmup-sessions":
                return Int(name, value, 0, out var sessions, out error) ? o with { WarmupSessions = sessions } : null;
            case "warmup-concurrency":
                return Int(name, value, 1, out var concurrency, out error) ? o with { WarmupConcurrency = concurrency } : null;
            case "seed":
                return Int(name, value, 0, out var seed, out error) ? o with { Seed = seed } : null;
            case "max-steps":
                return Int(name, value, 1, out var steps, out error) ? o with { MaxSteps = steps } : null;
            case "rate":
                return Number(name, value, 0.001, double.MaxValue, out var rate, out error) ? o with { Rate = rate } : null;
            case "resume-share":
                return Number(name, value, 0, 1, out var resume, out error) ? o with { ResumeShare = resume } : null;
            case "teacher-share":
                return Number(name, value, 0, 1, out var teachers, out error) ? o with { TeacherShare = teachers } : null;
            case "parent-share":
                return Number(name, value, 0, 1, out var parents, out error) ? o with { ParentShare = parents } : null;
            case "step-factor":
                return Number(name, value, 1.01, 100, out var factor, out error) ? o with { StepFactor = factor } : null;
            case "max-error-rate":
                return Number(name, value, 0, 1, out var errors, out error) ? o with { MaxErrorRate = errors } : null;
            case "max-waiting-share":
                return Number(name, value, 0, 1000, out var waiting, out error) ? o with { MaxWaitingShare = waiting } : null;
            case "duration":
                return Duration(name, value, out var duration, out error, allowZero: true) ? o with { Duration = duration } : null;
            case "ramp":
                return Duration(name, value, out var ramp, out error, allowZero: true) ? o with { Ramp = ramp } : null;
            case "upload-kb":
                return Int(name, value, 1, out var uploadKiB, out error) ? o with { UploadKiB = uploadKiB } : null;
            case "handin-share":
                return Number(name, value, 0, 1, out var handIns, out error) ? o with { HandInShare = handIns } : null;
            case "handin-kb":
                return Int(name, value, 1, out var handInKiB, out error) ? o with { HandInKiB = handInKiB } : null;
            case "message-share":
                return Number(name, value, 0, 1, out var messages, out error) ? o with { MessageShare = messages } : null;
            case "exercise-answers":
                return Int(name, value, 0, out var answers, out error) ? o with { ExerciseAnswers = answers } : null;
            case "journey":
                return value switch
                {
                    "morning" => o with { PracticeJourney = false },
                    "practice" => o with { PracticeJourney = true },
                    _ => Invalid(name, value, "morning or practice", out error),
                };
            case "think-time":
                return Duration(name, value, out var think, out error, allowZero: true) ? o with { ThinkTime = think } : null;
            case "timeout":
                return Duration(name, value, out var timeout, out error, allowZero: true) ? o with { Timeout = timeout } : null;
            case "max-wait":
                return Duration(name, value, out var maxWait, out error, allowZero: true) ? o with { MaxWait = maxWait } : null;
            case "step-duration":
                return Duration(name, value, out var stepDuration, out error, allowZero: true) ? o with { StepDuration = stepDuration } : null;
            case "max-p99":
                return Duration(name, value, out var p99, out error, allowZero: true) ? o with { MaxP99 = p99 } : null;
            case "phase-warmup":
                return Duration(name, value, out var phaseWarmup, out error, allowZero: true) ? o with { PhaseWarmup = phaseWarmup } : null;
            case "cooldown":
                return Duration(name, value, out var cooldown, out error, allowZero: true) ? o with { Cooldown = cooldown } : null;
            case "drain":
                return Duration(name, value, out var drain, out error, allowZero: true) ? o with { Drain = drain } : null;
            case "capacity":
                return Number(name, value, 0.001, double.MaxValue, out var capacity, out error) ? o with { Capacity = capacity } : null;
            case "noisy-factor":
                return Number(name, value, 0.001, 1000, out var noisy, out error) ? o with { NoisyFactor = noisy } : null;
            case "quiet-school":
                return o with { QuietSchool = value };
            case "noisy-school":
                return o with { NoisySchool = value };
            case "factors":
                return TryParseFactors(value, out var factors)
                    ? o with { Factors = factors }
                    : Invalid(name, value, "a list of multiples of the capacity that includes 1, like 1,2,5", out error);
            default:
                error = $"Unknown option '--{name}'. See --help.";
                return null;
        }
    }

    private static string? Validate(PeakOptions o)
    {
        if (TargetGuard.Validate(o.Target, o.AllowRemote) is { } targetError)
        {
            return targetError;
        }

        if (o.TeacherShare + o.ParentShare > 1)
        {
            return "--teacher-share and --parent-share add up to more than 1.";
        }

        if (o.Duration <= TimeSpan.Zero || o.StepDuration <= TimeSpan.Zero)
        {
            return "--duration and --step-duration must be more than zero.";
        }

        if (o.Timeout <= TimeSpan.Zero)
        {
            return "--timeout must be more than zero.";
        }

        if (o.QuietSchool is not null && o.QuietSchool == o.NoisySchool)
        {
            return "--quiet-school and --noisy-school must be two different schools.";
        }

        return LoadProfile.Parse(o.ProfileText, o.Duration, o.Ramp, out var profileError) is null ? profileError : null;
    }

    /// <summary>"1,2,5": positive, distinct, and 1 among them (the benchmark compares with 1x).</summary>
    private static bool TryParseFactors(string text, out IReadOnlyList<double> factors)
    {
        var list = new List<double>();
        factors = list;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part.TrimEnd('x'), NumberStyles.Float, CultureInfo.InvariantCulture, out var factor)
                || factor <= 0 || factor > 1000 || list.Contains(factor))
            {
                return false;
            }

            list.Add(factor);
        }

        return list.Contains(1);
    }

    private static PeakOptions? Invalid(string name, string value, string expected, out string? error)
    {
        error = $"--{name} '{value}' is not valid; expected {expected}.";
        return null;
    }
}
