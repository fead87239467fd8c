using Microsoft.Extensions.Options;

namespace Schoolbel.Server.Admission;

/// <summary>
/// Under sustained overload, work nobody waits for (last-seen writes, storage collection, later
/// counters, feeds and digests) is postponed, so pupils get the capacity. It switches on after a
/// stretch of continuous shedding and off after a stretch of calm; the hysteresis keeps it from
/// flapping with every burst.
/// </summary>
public sealed class BrownOut(IOptions<AdmissionOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private long? _overloadedSince;
    private long? _calmSince;
    private volatile bool _active;

    /// <summary>True while non-essential work should wait.</summary>
    public bool IsActive => _active;

    /// <summary>Called by the admission heartbeat with whether it saw overload since the last beat.</summary>
    public void Observe(bool overloaded)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (overloaded)
            {
                _calmSince = null;
                _overloadedSince ??= now;
                if (!_active && time.GetElapsedTime(_overloadedSince.Value, now) >= options.Value.BrownOutAfter)
                {
                    _active = true;
                }
            }
            else
            {
                _overloadedSince = null;
                _calmSince ??= now;
                if (_active && time.GetElapsedTime(_calmSince.Value, now) >= options.Value.BrownOutCalmAfter)
                {
                    _active = false;
                }
            }
        }
    }
}
