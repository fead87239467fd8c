using System.Globalization;

namespace Schoolbel.Peak.Results;

/// <summary>
/// The server's own count of password checks and the CPU they took on their threads, read from
/// its Prometheus endpoint (<c>/metrics</c>, open to the loopback address by default) before and
/// after the measured window: "the hash's own cost" in the same run, next to the server's CPU
/// per journey, so that a password journey's cost beyond the hash needs no second measurement.
/// </summary>
internal static class ServerHashCpu
{
    /// <summary>The histogram <c>schoolbel.signin.password_check.cpu_time</c> (seconds) as Prometheus names it.</summary>
    public const string Metric = "schoolbel_signin_password_check_cpu_time_seconds";

    /// <summary>Total checks and their CPU seconds so far, or null when the endpoint or the metric is not there.</summary>
    public static async Task<HashCpuReading?> ReadAsync(HttpClient client, Uri target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            using var response = await client.GetAsync(new Uri(target, "/metrics"), cancellationToken);
            return response.IsSuccessStatusCode ? Parse(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // the client's timeout
        }
    }

    /// <summary>Sums <c>_sum</c> and <c>_count</c> over all label sets; null when neither is there (no check ran yet reads as zero once the metric exists).</summary>
    public static HashCpuReading? Parse(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        double seconds = 0;
        long count = 0;
        var found = false;
        foreach (var line in exposition.Split('\n'))
        {
            if (Value(line, Metric + "_sum") is { } sum)
            {
                seconds += sum;
                found = true;
            }
            else if (Value(line, Metric + "_count") is { } checks)
            {
                count += (long)checks;
                found = true;
            }
        }

        return found ? new HashCpuReading(count, seconds) : null;
    }

    /// <summary>The sample value of <paramref name="line"/> when it is a sample of <paramref name="name"/>: <c>name{labels} value [timestamp]</c>.</summary>
    private static double? Value(string line, string name)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
        {
            return null;
        }

        var rest = line[name.Length] == '{' ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line[name.Length..];
        var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}

/// <summary>Password checks counted by the server so far, and the CPU seconds they took.</summary>
internal readonly record struct HashCpuReading(long Checks, double CpuSeconds);
