namespace TdbPlus.Server.Hosting;

/// <summary>
/// Redis's trackInstantaneousMetric: every 100 ms samples the rate of commands and network bytes, and reports
/// the mean of the last 16 samples (instantaneous_ops_per_sec, instantaneous_input_kbps...).
/// </summary>
public sealed class InstantMetrics : IDisposable
{
    private const int Samples = 16;
    private readonly ServerStats _stats;
    private readonly Timer _timer;
    private readonly double[][] _rates = [new double[Samples], new double[Samples], new double[Samples]];
    private readonly long[] _last = new long[3];
    private long _lastTicks = Environment.TickCount64;
    private int _index;

    public InstantMetrics(ServerStats stats)
    {
        _stats = stats;
        _timer = new Timer(_ => Sample(), null, 100, 100);
    }

    public long OpsPerSec => (long)Mean(0);

    public double InputKbps => Mean(1) / 1024;

    public double OutputKbps => Mean(2) / 1024;

    private double Mean(int metric)
    {
        lock (_rates)
        {
            double sum = 0;
            foreach (var v in _rates[metric]) sum += v;
            return sum / Samples;
        }
    }

    private void Sample()
    {
        long now = Environment.TickCount64;
        long[] current =
        [
            _stats.CommandsProcessed,
            _stats.NetInputBytes,
            _stats.NetOutputBytes,
        ];
        lock (_rates)
        {
            long elapsed = Math.Max(1, now - _lastTicks);
            for (int m = 0; m < 3; m++)
            {
                long delta = Math.Max(0, current[m] - _last[m]);
                _rates[m][_index] = delta * 1000.0 / elapsed;
                _last[m] = current[m];
            }
            _index = (_index + 1) % Samples;
            _lastTicks = now;
        }
    }

    public void Dispose() => _timer.Dispose();
}
