using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace Schoolbel.ClusterTests;

/// <summary>
/// A cluster started by <c>deploy/local-cluster.sh</c>, on free ports in a temp folder of its own:
/// PostgreSQL, Redis, three nodes and HAProxy. Starts only with <c>SCHOOLBEL_CLUSTER_TESTS=1</c>
/// (it publishes the server and runs for minutes); otherwise the tests skip. With
/// <c>SCHOOLBEL_CLUSTER_BIN</c> pointing at a publish output of Schoolbel.Server the build is skipped.
/// </summary>
public sealed class LocalCluster : IAsyncLifetime
{
    public const string Password = "Cluster-Pass-1";
    public const int Nodes = 3;

    // Two schools of two classes: the first four classes of a school share their subject
    // teacher t0001 (PlatformSeeder's shape), which keeps the set-up to one teacher per school.
    private static readonly string[] SeedOptions = ["--schools", "2", "--pupils-per-school", "44", "--password", Password];

    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private string? _work;
    private bool _started;

    public static bool Enabled => Environment.GetEnvironmentVariable("SCHOOLBEL_CLUSTER_TESTS") == "1";

    public Uri LoadBalancer { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public SeedSummary Seed { get; private set; } = null!;

    private string Work => _work ?? throw new InvalidOperationException("The cluster was not started.");

    /// <summary>Skips the calling test unless the cluster tests were asked for.</summary>
    public static void RequireEnabled()
    {
        if (!Enabled)
        {
            Assert.Skip("Cluster tests run with SCHOOLBEL_CLUSTER_TESTS=1 (they start PostgreSQL, Redis, three nodes and HAProxy).");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }

        // Asked for but impossible is a failure, not a skip (as SCHOOLBEL_REQUIRE_* elsewhere).
        foreach (var tool in new[] { "haproxy", "redis-server", "redis-cli", "curl", "dotnet" })
        {
            if (!OnPath(tool))
            {
                throw new InvalidOperationException($"SCHOOLBEL_CLUSTER_TESTS=1 but '{tool}' is not installed (see .ci/run).");
            }
        }

        _work = Path.Combine(Path.GetTempPath(), "schoolbel-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
        var ports = PortsToUse(Nodes + 3);
        _environment["WORK"] = _work;
        _environment["LB_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture);
        _environment["PG_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture);
        _environment["REDIS_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture);
        _environment["NODE_PORTS"] = string.Join(' ', ports.Skip(3).Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var bin = Environment.GetEnvironmentVariable("SCHOOLBEL_CLUSTER_BIN");
        if (!string.IsNullOrEmpty(bin))
        {
            _environment["BIN"] = bin;
        }

        LoadBalancer = new Uri($"http://127.0.0.1:{ports[0]}/");
        ConnectionString = $"Host=127.0.0.1;Port={ports[1]};Username=postgres;Password=postgres;Database=schoolbel;Pooling=false";
        _started = true;
        string[] up = string.IsNullOrEmpty(bin) ? ["up", "--seed", .. SeedOptions] : ["up", "--no-build", "--seed", .. SeedOptions];
        try
        {
            await RunAsync(TimeSpan.FromMinutes(8), up);
        }
        catch
        {
            // Whatever did start must not outlive a failed start.
            await DisposeAsync();
            _started = false;
            throw;
        }

        await using var seed = File.OpenRead(Path.Combine(_work, "seed.json"));
        Seed = await JsonSerializer.DeserializeAsync<SeedSummary>(seed, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException("seed.json is empty.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_started)
        {
            return;
        }

        try
        {
            await RunAsync(TimeSpan.FromMinutes(2), "down");
        }
        finally
        {
            // Keep the logs of a failed run on CI when asked; otherwise leave nothing behind.
            if (Environment.GetEnvironmentVariable("SCHOOLBEL_CLUSTER_KEEP") != "1")
            {
                Directory.Delete(Work, recursive: true);
            }
        }
    }

    public Uri Node(int number) =>
        new($"http://127.0.0.1:{_environment["NODE_PORTS"].Split(' ')[number - 1]}/");

    public Task<string> StatusAsync() => RunAsync(TimeSpan.FromSeconds(30), "status");

    public Task KillNodeAsync(int number) => RunAsync(TimeSpan.FromSeconds(30), "kill-node", number.ToString(CultureInfo.InvariantCulture));

    /// <summary>Starts what is not running (a killed node), without building or seeding again.</summary>
    public Task UpAsync() => RunAsync(TimeSpan.FromMinutes(3), "up", "--no-build");

    public Task StopPostgresAsync() => RunAsync(TimeSpan.FromMinutes(1), "pg", "stop");

    public Task StartPostgresAsync() => RunAsync(TimeSpan.FromMinutes(1), "pg", "start");

    public Task StopRedisAsync() => RunAsync(TimeSpan.FromMinutes(1), "redis", "stop");

    public Task StartRedisAsync() => RunAsync(TimeSpan.FromMinutes(1), "redis", "start");

    /// <summary>Of the given submission ids, those that are rows in the database.</summary>
    public async Task<HashSet<Guid>> StoredSubmissionsAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Id" FROM "Submission" WHERE "Id" = ANY(@ids)""", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var found = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.GetGuid(0));
        }

        return found;
    }

    /// <summary>How many submission rows carry one of these idempotency keys (one per key: retries must not duplicate).</summary>
    public async Task<long> SubmissionsWithKeysAsync(IReadOnlyCollection<string> keys)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT count(*) FROM "Submission" WHERE "IdempotencyKey" = ANY(@keys)""", connection);
        command.Parameters.AddWithValue("keys", keys.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs the script with this cluster's folder and ports; fails with its output (and the nodes' last log lines) when it fails.</summary>
    public async Task<string> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "deploy", "local-cluster.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"local-cluster.sh {string.Join(' ', args)} took longer than {timeout}: {await stderr}");
        }

        var output = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"local-cluster.sh {string.Join(' ', args)} exited with {process.ExitCode}:\n{errors}\n{output}\n{NodeLogTails()}");
        }

        return output + errors;
    }

    private string NodeLogTails()
    {
        var logs = Path.Combine(Work, "logs");
        return string.Join('\n', Enumerable.Range(1, Nodes)
            .Select(n => Path.Combine(logs, $"node{n}.log"))
            .Where(File.Exists)
            .Select(f => $"--- {Path.GetFileName(f)}\n" + string.Join('\n', File.ReadLines(f).TakeLast(15))));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Schoolbel.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Schoolbel.slnx not found above " + AppContext.BaseDirectory);
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>
    /// <c>SCHOOLBEL_CLUSTER_PORT_BASE</c> and the ports after it when set (a shared machine where
    /// each user has a range), else ports the kernel hands out as free right now.
    /// </summary>
    private static int[] PortsToUse(int count)
    {
        var first = Environment.GetEnvironmentVariable("SCHOOLBEL_CLUSTER_PORT_BASE");
        if (string.IsNullOrEmpty(first))
        {
            return FreePorts(count);
        }

        var start = int.Parse(first, CultureInfo.InvariantCulture);
        return [.. Enumerable.Range(start, count)];
    }

    /// <summary>Ports the kernel hands out as free right now; all held open together so none repeats.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
            listeners.ForEach(l => l.Dispose());
        }
    }
}

/// <summary>The parts of the seed command's JSON summary the tests use (see PlatformSeeder.SeedSummary).</summary>
public sealed record SeedSummary(IReadOnlyList<string> Schools, IReadOnlyList<SeededClass> Classes);

public sealed record SeededClass(string School, string ClassName, string Pupils, SeededCourse Course);

public sealed record SeededCourse(Guid Id, string Url, IReadOnlyList<SeededDocument> Documents);

public sealed record SeededDocument(string Name, long Length, string Url);

[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<LocalCluster>
{
    public const string Name = "local cluster";
}
