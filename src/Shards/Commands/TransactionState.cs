using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Commands;

/// <summary>A connection's MULTI/WATCH state: whether it is queueing, the queued commands, its watch validity.</summary>
public sealed class TransactionState : IKeyWatcher
{
    private int _epoch;
    private int _dirtyEpoch = -1;

    /// <summary>Between MULTI and EXEC/DISCARD.</summary>
    public bool InMulti { get; set; }

    /// <summary>A command failed to queue (unknown, wrong arity...): EXEC answers EXECABORT.</summary>
    public bool QueueFailed { get; set; }

    /// <summary>Keys WATCHed in the current round.</summary>
    public int WatchedKeys { get; set; }

    /// <summary>Copies of the queued commands' arguments, owned here because receive buffers are reused.</summary>
    public QueuedCommands Queue { get; } = new();

    public int WatchEpoch => Volatile.Read(ref _epoch);

    /// <summary>A watched key was written since WATCH: EXEC must fail.</summary>
    public bool WatchBroken => Volatile.Read(ref _dirtyEpoch) == Volatile.Read(ref _epoch);

    public void WatchedKeyTouched(int epoch)
    {
        if (epoch == Volatile.Read(ref _epoch)) Volatile.Write(ref _dirtyEpoch, epoch);
    }

    /// <summary>UNWATCH (and EXEC, DISCARD, RESET): forget every watched key at once.</summary>
    public void Unwatch()
    {
        Interlocked.Increment(ref _epoch);
        WatchedKeys = 0;
    }

    /// <summary>Ends MULTI: drops the queue and the watches.</summary>
    public void Reset()
    {
        InMulti = false;
        QueueFailed = false;
        Queue.Clear();
        Unwatch();
    }
}
