namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>The append-only log's state as INFO persistence shows it (Redis 7.0's aof_* fields).</summary>
public interface IAofStatus
{
    bool Enabled { get; }
    bool RewriteInProgress { get; }
    bool RewriteScheduled { get; }
    long LastRewriteTimeSec { get; }
    long CurrentRewriteTimeSec { get; }
    bool LastBgRewriteOk { get; }
    long Rewrites { get; }
    long RewritesConsecutiveFailures { get; }
    bool LastWriteOk { get; }
    long CurrentSize { get; }
    long BaseSize { get; }
    long BufferLength { get; }
}
