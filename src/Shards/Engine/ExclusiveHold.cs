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
    private readonly ManualResetEventSlim _release = new(false, 100);
    private readonly ManualResetEventSlim _othersArrived = new(false, 100);
    private readonly Action<ExclusiveHold> _recycle;
    private Shard? _coordinator;
    private Action<ExclusiveHold> _onAcquired = null!;
    private int _pending;
    private int _inside;

    private const int BusyPollMs = 20;

    internal ExclusiveHold(Action<ExclusiveHold> recycle) => _recycle = recycle;

    /// <summary>Prepares a (possibly recycled) hold for one transaction, before it is queued anywhere.</summary>
    internal void Reset(long txId, int participants, Shard? coordinator, Action<ExclusiveHold> onAcquired)
    {
        TxId = txId;
        _coordinator = coordinator;
        _onAcquired = onAcquired;
        _inside = participants;
        _pending = coordinator is null ? participants : participants - 1;
        _release.Reset();
        if (_pending == 0) _othersArrived.Set();
        else _othersArrived.Reset();
    }

    /// <summary>Global order of this transaction among all multi-shard transactions.</summary>
    public long TxId { get; private set; }

    void IShardWork.Execute(Shard shard)
    {
        if (shard == _coordinator)
        {
            _othersArrived.Wait();
            _onAcquired(this);
            Leave();
            return;
        }
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            if (_coordinator is not null) _othersArrived.Set();
            else _onAcquired(this);
        }
        // While a script runs past busy-reply-threshold, a parked shard keeps serving its connections' I/O so
        // that they get BUSY replies (and can send SCRIPT KILL) instead of hanging.
        while (!_release.Wait(BusyPollMs)) shard.ServeWhileParked();
        Leave();
    }

    /// <summary>Lets the parked shards go on; the command must not touch their data afterwards.</summary>
    public void Release() => _release.Set();

    // The last participant out hands the hold back for reuse: nobody waits on its events any more.
    private void Leave()
    {
        if (Interlocked.Decrement(ref _inside) != 0) return;
        _onAcquired = null!;
        _coordinator = null;
        _recycle(this);
    }
}
