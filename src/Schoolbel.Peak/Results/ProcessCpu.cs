using System.Diagnostics;
using System.Globalization;

namespace Schoolbel.Peak.Results;

/// <summary>
/// CPU time of the server process from <c>/proc/{pid}/stat</c> (user + system, all threads),
/// the figure that sizes a deployment: CPU seconds per journey times journeys per second is
/// the number of cores. Linux only, and only when the server runs on this machine.
/// </summary>
internal sealed class ProcessCpu(int pid, long ticksPerSecond)
{
    public int Pid => pid;

    public long TicksPerSecond => ticksPerSecond;

    public static ProcessCpu ForPid(int pid) => new(pid, ReadTicksPerSecond());

    /// <summary>Seconds of CPU the process has used so far, or null when it is not readable (gone, not Linux).</summary>
    public double? ReadSeconds()
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return TryParseStat(text, out var user, out var system) ? (double)(user + system) / ticksPerSecond : null;
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

    /// <summary>
    /// Fields 14 (utime) and 15 (stime) of proc(5)'s stat line, in clock ticks. The command name
    /// (field 2) is in parentheses and may itself contain spaces and ')', so counting starts
    /// after the last ')'.
    /// </summary>
    internal static bool TryParseStat(string stat, out long userTicks, out long systemTicks)
    {
        ArgumentNullException.ThrowIfNull(stat);
        userTicks = systemTicks = 0;
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        // After ") " come field 3 (state), 4, 5, ...: utime is the 12th of these, stime the 13th.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out userTicks)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out systemTicks);
    }

    /// <summary>Clock ticks per second from <c>getconf CLK_TCK</c>; 100 (Linux's USER_HZ everywhere in practice) when that fails.</summary>
    private static long ReadTicksPerSecond()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return 100;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(2000);
            return long.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }
}
