namespace TdbPlus.Server.Hosting;

/// <summary>Server-wide counters INFO reports (stats section), updated without locks.</summary>
public sealed class ServerStats
{
    public long ConnectionsReceived;
    public long RejectedConnections;
    public long CommandsProcessed;
    public long NetInputBytes;
    public long NetOutputBytes;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long TotalErrorReplies;

    public long StartTimeMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public long StartTicks { get; } = Environment.TickCount64;

    public void Reset()
    {
        Interlocked.Exchange(ref ConnectionsReceived, 0);
        Interlocked.Exchange(ref RejectedConnections, 0);
        Interlocked.Exchange(ref CommandsProcessed, 0);
        Interlocked.Exchange(ref NetInputBytes, 0);
        Interlocked.Exchange(ref NetOutputBytes, 0);
        Interlocked.Exchange(ref KeyspaceHits, 0);
        Interlocked.Exchange(ref KeyspaceMisses, 0);
        Interlocked.Exchange(ref TotalErrorReplies, 0);
    }
}
