using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.Tests;

/// <summary>
/// The simulator against the real Schoolbel server, as an operator runs it: `seed` a fresh SQLite
/// database, start the server as a process, run a short morning. What the tiny server only
/// imitates (the hand-in form's streamed multipart, the receipt's hashes, the cached unread
/// counter in the menu) is checked against the real pages here.
/// </summary>
public sealed class RealServerMorningTests
{
    private static readonly string ServerDll = typeof(RealServerMorningTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SchoolbelServerDll").Value!;

    [Fact]
    public async Task A_freshly_seeded_server_serves_the_morning_with_hand_ins_and_messages_without_errors()
    {
        var folder = Directory.CreateTempSubdirectory("schoolbel-peak-real-").FullName;
        string[] config = [$"--Database:ConnectionString=Data Source={Path.Combine(folder, "schoolbel.db")}", $"--Storage:Root={Path.Combine(folder, "files")}"];
        Process? server = null;
        try
        {
            var (exit, _, stderr) = await RunToEndAsync(folder, ["seed", "--schools", "1", "--pupils-per-school", "44", "--password", TinySchoolServer.Password, .. config]);
            Assert.True(exit == 0, stderr);

            var port = FreePort();
            var target = new Uri($"http://127.0.0.1:{port}/");
            server = Start(folder, ["--urls", target.ToString().TrimEnd('/'), "--Logging:LogLevel:Default=Warning", .. config]);
            await WaitUntilUpAsync(server, new Uri(target, "school001/signin"));

            var report = await PeakHarness.RunAsync(PeakHarness.Options(target) with
            {
                Schools = 1,
                PupilsPerSchool = 44,
                Rate = 4,
                Duration = TimeSpan.FromSeconds(3),
                ResumeShare = 0.5,
                WarmupSessions = 4,
                HandInShare = 1,
                MessageShare = 1,
                Timeout = TimeSpan.FromSeconds(60),
            });

            Assert.Equal(12, report.Totals.Arrivals);
            Assert.Empty(report.Totals.ErrorsByKind);
            Assert.Equal(12, report.Totals.Completed);
            // Nothing skipped: the seed gives every class a lesson with its PDF, an open assignment and unread messages.
            Assert.Empty(report.NotAvailable);
            foreach (var step in new[] { Steps.Today, Steps.Course, Steps.Lesson, Steps.Document, Steps.Assignment, Steps.HandIn, Steps.Inbox, Steps.Message })
            {
                Assert.Equal(12, report.Step(step).Ok);
            }
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }

            server?.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(string folder, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        // Drained so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunToEndAsync(string folder, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task WaitUntilUpAsync(Process server, Uri probe)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            Assert.False(server.HasExited, "The server stopped while starting.");
            try
            {
                using var response = await client.GetAsync(probe);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening, but still starting up.
            }

            await Task.Delay(250);
        }

        Assert.Fail("The server did not answer within two minutes.");
    }
}
