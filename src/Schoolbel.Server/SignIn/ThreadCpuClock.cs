using System.Runtime.InteropServices;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// The CPU time the calling thread has used so far: what a password check really costs, where
/// its wall time also counts the moments its low-priority thread waited for a core.
/// Linux only (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>); null elsewhere.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID

    public static TimeSpan? Now()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ThreadCpuTimeId, out var spec) != 0)
        {
            return null;
        }

        return TimeSpan.FromTicks((spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / 100));
    }

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec spec);
}
