using System.Threading.Tasks.Sources;

namespace TdbPlus.Shards.Engine;

/// <summary>
/// A multi-shard transaction's place in each participating shard's queue. Every participant parks on it;
/// once all have arrived, the coordinator runs the command against their data and releases them. Holds are
/// queued under one short lock, so every shard sees transactions in the same order and none can deadlock.
/// </summary>
public sealed class ExclusiveHold : IShardWork, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _arrived = new() { RunContinuationsAsynchronously = true };
    private readonly ManualResetEventSlim _release = new(false, 200);
    private int _pending;
    private int _inside;

    internal ExclusiveHold(long txId, int participants)
    {
        TxId = txId;
        _pending = participants;
        _inside = participants;
    }

    /// <summary>Global order of this transaction among all multi-shard transactions.</summary>
    public long TxId { get; }

    internal ValueTask WaitAllArrivedAsync() => new(this, _arrived.Version);

    void IShardWork.Execute(Shard shard)
    {
        if (Interlocked.Decrement(ref _pending) == 0) _arrived.SetResult(true);
        _release.Wait();
        if (Interlocked.Decrement(ref _inside) == 0) _release.Dispose();
    }

    /// <summary>Lets the parked shards go on; the coordinator must not touch their data afterwards.</summary>
    public void Release() => _release.Set();

    void IValueTaskSource.GetResult(short token) => _arrived.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _arrived.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _arrived.OnCompleted(continuation, state, token, flags);
}
