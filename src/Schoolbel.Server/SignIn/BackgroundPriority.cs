using System.Runtime.InteropServices;

namespace Schoolbel.Server.SignIn;

/// <summary>
/// Lowers the OS scheduling priority of the calling thread (nice +10 on Linux). Password
/// hashing runs at this priority so that, when a core is contended, the threads serving
/// pages and downloads of signed-in pupils get it first. .NET's Thread.Priority does nothing
/// on Linux; setpriority on a thread id does (on Linux the nice value is per thread).
/// </summary>
internal static partial class BackgroundPriority
{
    public const int Niceness = 10;
    private const int PrioProcess = 0;

    public static void LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // who = 0 means "the calling thread" for PRIO_PROCESS on Linux. A failure (e.g. a
        // seccomp profile that forbids it) only means hashing competes at normal priority.
        _ = SetPriority(PrioProcess, 0, Niceness);
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
