using System.Diagnostics;
using System.Globalization;
using Schoolbel.Peak.Results;

namespace Schoolbel.Peak.SignInBench;

/// <summary>
/// Who used the CPU during one phase, in cores: the server (from /proc/PID/stat), this
/// simulator, and the whole machine (from /proc/stat). What the machine used beyond the two is
/// "other": other engineers' builds on a shared box, the database, the kernel's network work.
/// </summary>
internal sealed class CpuWindow
{
    private readonly ProcessCpu? _server;
    private readonly double? _serverStart;
    private readonly TimeSpan _selfStart;
    private readonly (long Busy, long Total)? _machineStart;
    private readonly long _started;

    private CpuWindow(ProcessCpu? server)
    {
        _server = server;
        _serverStart = server?.ReadSeconds();
        _selfStart = SelfCpu();
        _machineStart = ReadMachine();
        _started = Stopwatch.GetTimestamp();
    }

    public static CpuWindow Start(ProcessCpu? server) => new(server);

    public CpuReportWindow Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        double? server = _server?.ReadSeconds() is { } s && _serverStart is { } s0 ? (s - s0) / wall : null;
        var self = (SelfCpu() - _selfStart).TotalSeconds / wall;
        double? machine = null;
        if (ReadMachine() is { } m && _machineStart is { } m0 && m.Total > m0.Total)
        {
            // Busy share of all CPU ticks times the number of CPUs = cores busy on average.
            machine = (double)(m.Busy - m0.Busy) / (m.Total - m0.Total) * Environment.ProcessorCount;
        }

        double? other = machine is { } mc ? Math.Max(0, mc - self - (server ?? 0)) : null;
        return new CpuReportWindow(Math.Round(wall, 2), Round(server), Math.Round(self, 2), Round(other), Round(machine));
    }

    /// <summary>
    /// The first line of proc(5)'s /proc/stat: "cpu user nice system idle iowait irq softirq steal ...",
    /// in clock ticks. Busy is everything but idle and iowait.
    /// </summary>
    internal static bool TryParseProcStat(string text, out long busy, out long total)
    {
        ArgumentNullException.ThrowIfNull(text);
        busy = total = 0;
        var line = text.AsSpan();
        var end = line.IndexOf('\n');
        if (end >= 0)
        {
            line = line[..end];
        }

        var fields = line.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
        {
            return false;
        }

        long idle = 0;
        // Fields 9 and 10 (guest, guest_nice) are already included in user and nice.
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                return false;
            }

            total += ticks;
            if (i is 4 or 5)
            {
                idle += ticks;
            }
        }

        busy = total - idle;
        return true;
    }

    private static (long Busy, long Total)? ReadMachine()
    {
        try
        {
            return TryParseProcStat(File.ReadAllText("/proc/stat"), out var busy, out var total) ? (busy, total) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static TimeSpan SelfCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;
}

/// <summary>Average cores busy during one phase: server, simulator, everything else, whole machine.</summary>
internal sealed record CpuReportWindow(double Seconds, double? ServerCores, double SimulatorCores, double? OtherCores, double? MachineCores);
