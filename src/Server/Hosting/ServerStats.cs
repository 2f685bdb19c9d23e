namespace TdbPlus.Server.Hosting;

/// <summary>Server-wide counters INFO reports (stats section), updated without locks.</summary>
public sealed class ServerStats
{
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long CommandsProcessed;
    public long NetInputBytes;
    public long NetOutputBytes;
    public long TotalErrorReplies;

    /// <summary>
    /// Shard counters (keyspace hits/misses, expired and evicted keys) belong to shard threads; CONFIG RESETSTAT
    /// records their sums here and INFO reports the difference.
    /// </summary>
    public long KeyspaceHitsBase;
    public long KeyspaceMissesBase;
    public long ExpiredKeysBase;
    public long EvictedKeysBase;

    /// <summary>Largest query / output buffer seen (client_recent_max_*_buffer).</summary>
    public long MaxInputBuffer;
    public long MaxOutputBuffer;

    public long StartTimeMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public long StartTicks { get; } = Environment.TickCount64;

    public void Reset()
    {
        Interlocked.Exchange(ref ConnectionsReceived, 0);
        Interlocked.Exchange(ref RejectedConnections, 0);
        Interlocked.Exchange(ref CommandsProcessed, 0);
        Interlocked.Exchange(ref NetInputBytes, 0);
        Interlocked.Exchange(ref NetOutputBytes, 0);
        Interlocked.Exchange(ref TotalErrorReplies, 0);
    }
}
