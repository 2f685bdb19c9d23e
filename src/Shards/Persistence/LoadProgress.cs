using System.Diagnostics;

namespace TdbPlus.Shards.Persistence;

/// <summary>The dataset load in progress, as INFO persistence reports it (loading, loading_loaded_perc...).</summary>
public sealed class LoadProgress
{
    private Func<long>? _loadedBytes;
    private long _startTicks;

    public bool Active { get; private set; }

    public long StartUnix { get; private set; }

    public long TotalBytes { get; private set; }

    public long LoadedBytes => _loadedBytes?.Invoke() ?? 0;

    /// <summary>Keys loaded and keys skipped because their TTL had passed, by the last load (INFO rdb_last_load_keys_*).</summary>
    public long LastKeysLoaded { get; set; }

    public long LastKeysExpired { get; set; }

    public double Percent => TotalBytes == 0 ? 0 : Math.Min(100.0, LoadedBytes * 100.0 / TotalBytes);

    /// <summary>Seconds left at the rate so far (1 until a first estimate exists, as Redis).</summary>
    public long EtaSeconds
    {
        get
        {
            long loaded = LoadedBytes;
            double elapsed = Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;
            if (loaded == 0 || elapsed <= 0) return 1;
            return (long)((TotalBytes - loaded) / (loaded / elapsed));
        }
    }

    public void Begin(long totalBytes, Func<long> loadedBytes)
    {
        TotalBytes = totalBytes;
        _loadedBytes = loadedBytes;
        _startTicks = Stopwatch.GetTimestamp();
        StartUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Active = true;
    }

    public void End() => Active = false;
}
