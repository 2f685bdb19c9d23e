namespace TdbPlus.Shards.Engine;

/// <summary>
/// A multi-shard transaction's place in each participating shard's queue. Holds are queued under one short
/// lock, so every shard meets them in the same global order and none can deadlock. Each participant parks on
/// the hold; once all are there the command runs against their data, then <see cref="Release"/> lets them go.
/// With a coordinator shard (thread-per-core), that shard takes part and runs the command itself when it
/// reaches the hold; without one, the last shard to arrive hands the hold to <c>onAcquired</c> and parks.
/// </summary>
public sealed class ExclusiveHold : IShardWork
{
    private readonly Shard? _coordinator;
    private readonly Action<ExclusiveHold> _onAcquired;
    private readonly ManualResetEventSlim _release = new(false, 100);
    private readonly ManualResetEventSlim? _othersArrived;
    private int _pending;
    private int _inside;

    internal ExclusiveHold(long txId, int participants, Shard? coordinator, Action<ExclusiveHold> onAcquired)
    {
        TxId = txId;
        _coordinator = coordinator;
        _onAcquired = onAcquired;
        _inside = participants;
        _pending = coordinator is null ? participants : participants - 1;
        if (coordinator is not null) _othersArrived = new ManualResetEventSlim(_pending == 0, 100);
    }

    /// <summary>Global order of this transaction among all multi-shard transactions.</summary>
    public long TxId { get; }

    void IShardWork.Execute(Shard shard)
    {
        if (shard == _coordinator)
        {
            _othersArrived!.Wait();
            _onAcquired(this);
            Leave();
            return;
        }
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            if (_othersArrived is { } arrived) arrived.Set();
            else _onAcquired(this);
        }
        _release.Wait();
        Leave();
    }

    /// <summary>Lets the parked shards go on; the command must not touch their data afterwards.</summary>
    public void Release() => _release.Set();

    private void Leave()
    {
        if (Interlocked.Decrement(ref _inside) != 0) return;
        _release.Dispose();
        _othersArrived?.Dispose();
    }
}
