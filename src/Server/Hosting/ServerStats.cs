namespace TdbPlus.Server.Hosting;

/// <summary>Server-wide counters INFO reports (stats section), updated without locks.</summary>
public sealed class ServerStats
{
    public long ConnectionsReceived;
    public long RejectedConnections;
    private const int CommandsCounter = 0;
    private const int InputCounter = 1;
    private const int OutputCounter = 2;

    // Counted per batch on every shard thread: striped, so connections on different shards never contend.
    private readonly TdbPlus.Shards.Engine.StripedCounters _traffic = new(3);

    public long CommandsProcessed => _traffic.Sum(CommandsCounter);
    public long NetInputBytes => _traffic.Sum(InputCounter);
    public long NetOutputBytes => _traffic.Sum(OutputCounter);

    public void AddCommands(long count) => _traffic.Add(CommandsCounter, count);
    public void AddInput(long bytes) => _traffic.Add(InputCounter, bytes);
    public void AddOutput(long bytes) => _traffic.Add(OutputCounter, bytes);
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
        _traffic.Reset();
        Interlocked.Exchange(ref TotalErrorReplies, 0);
    }
}
