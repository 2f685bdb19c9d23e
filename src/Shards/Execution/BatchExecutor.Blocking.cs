using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Execution;

/// <summary>Blocking commands: a command that found nothing waits on its keys until served, timed out or unblocked.</summary>
public sealed partial class BatchExecutor
{
    private const int Waiting = 0;
    private const int Serving = 1;
    private const int Done = 2;

    /// <summary>Served on one shard, finishing on another (ContinueOn): no longer blocked, reply still to come.</summary>
    private const int Committed = 3;

    /// <summary>Longest single Timer period; longer timeouts re-arm until their deadline.</summary>
    private const long MaxTimerMs = uint.MaxValue - 1;

    private enum BlockOutcome { Served, TimedOut, Unblocked, UnblockedWithError, Retry }

    private BlockTicket? _ticket;
    private BlockOutcome _blockOutcome;
    private bool _blockSingleShard;
    private int _blockShard;
    private bool _blockNullArray;
    private bool _blockPerShard;
    private CommandContext? _serveContext;
    private RespWriter? _serveWriter;

    /// <summary>The next run of the blocked command is a retry (its keys span shards): keep its first deadline.</summary>
    private bool _retrying;

    /// <summary>Environment.TickCount64 at which the current blocking command times out; 0 = never.</summary>
    private long _blockDeadline;

    /// <summary>
    /// One blocking episode of this connection, as the shards' waiter lists see it. A fresh ticket per episode
    /// keeps registrations (and timers) of an earlier episode from acting on a later one: they stay done.
    /// </summary>
    private sealed class BlockTicket(BatchExecutor owner) : IKeyWaiter
    {
        public int State = Waiting;
        public Timer? Timer;

        public BatchExecutor Owner => owner;

        public bool IsDone => Volatile.Read(ref State) >= Done;

        public bool TryServe(int shardId) => owner.TryServe(this, shardId);
    }

    /// <summary>
    /// Called when a command blocks (on the thread running it): the connection reads nothing meanwhile and
    /// should watch for its peer closing, then end the block (<see cref="Unblock"/>, or CLIENT KILL's path).
    /// </summary>
    public Action? Blocked { get; set; }

    /// <summary>True while this connection is blocked on keys (CLIENT LIST flags=b, INFO blocked_clients).</summary>
    public bool IsBlocked => Volatile.Read(ref _ticket) is { } t && !t.IsDone;

    /// <summary>
    /// The handler asked to block: register on its keys (their shards are parked by the caller) and arm the
    /// timeout, or answer the timeout reply at once where blocking is not allowed. True when now blocked.
    /// </summary>
    private bool BlockOrTimeOut(CommandBatch batch, ref BatchCommand cmd, bool retry)
    {
        var ctx = _context;
        if (!_session.BlockingAllowed)
        {
            WriteTimeoutReply(ctx.Reply, ctx.BlockTimeoutNullArray);
            return false;
        }
        long now = Environment.TickCount64;
        if (!retry) _blockDeadline = ctx.BlockTimeoutMs > 0 ? now + ctx.BlockTimeoutMs : 0;
        else if (_blockDeadline != 0 && _blockDeadline <= now)
        {
            // A retried waiter whose time ran out while it was being retried.
            WriteTimeoutReply(ctx.Reply, ctx.BlockTimeoutNullArray);
            return false;
        }
        _blockNullArray = ctx.BlockTimeoutNullArray;
        _blockPerShard = ctx.BlockServesPerShard;
        _blockSingleShard = System.Numerics.BitOperations.PopCount(cmd.ShardMask) == 1;
        _blockShard = System.Numerics.BitOperations.TrailingZeroCount(cmd.ShardMask);
        var ticket = new BlockTicket(this);
        Volatile.Write(ref _ticket, ticket);
        for (int i = 0; i < ctx.BlockingKeyCount; i++)
        {
            var key = ctx.Arg(ctx.BlockingKeyArg(i));
            _engine.ShardFor(key).Store.Blocking.Add(cmd.DbIndex, key.ToArray(), ticket);
        }
        _engine.BlockedClientsChanged(+1);
        Suspend(Suspension.Blocked);
        if (_blockDeadline != 0) ArmTimer(ticket, _blockDeadline - now);
        Blocked?.Invoke();
        return true;
    }

    private void ArmTimer(BlockTicket ticket, long delayMs)
    {
        // The ticket is published before the timer: a timer firing at once finds the ticket to end.
        var timer = new Timer(static s => OnTimer((BlockTicket)s!), ticket, Math.Clamp(delayMs, 1, MaxTimerMs), Timeout.Infinite);
        ticket.Timer = timer;
        if (ticket.IsDone) timer.Dispose();
    }

    private static void OnTimer(BlockTicket ticket)
    {
        var owner = ticket.Owner;
        long left = owner._blockDeadline - Environment.TickCount64;
        if (left > 0 && !ticket.IsDone && ReferenceEquals(Volatile.Read(ref owner._ticket), ticket))
        {
            // Fired early (a timeout longer than one Timer period): wait the rest.
            ticket.Timer?.Change(Math.Min(left, MaxTimerMs), Timeout.Infinite);
            return;
        }
        owner.EndBlock(ticket, BlockOutcome.TimedOut);
    }

    private bool TryServe(BlockTicket ticket, int shardId)
    {
        if (!_blockPerShard && (!_blockSingleShard || shardId != _blockShard))
        {
            // Keys on several shards: let the command run again from the start, with all of them parked.
            EndBlock(ticket, BlockOutcome.Retry);
            return true;
        }
        if (Interlocked.CompareExchange(ref ticket.State, Serving, Waiting) != Waiting) return true;
        _serveWriter ??= new RespWriter(256);
        _serveContext ??= new CommandContext(_engine, _session, _serveWriter);
        _serveWriter.Clear();
        _serveWriter.Protocol = _out.Protocol;
        var ctx = _serveContext;
        RunServing(ctx, _engine.Shards[shardId], continuation: null);
        if (ctx.BlockRequested)
        {
            _serveWriter.Clear();
            Volatile.Write(ref ticket.State, Waiting);
            return false;
        }
        if (ctx.ContinueShard >= 0)
        {
            // Served here; the command finishes on another shard, in that shard's order.
            Volatile.Write(ref ticket.State, Committed);
            PostContinuation(ticket, ctx);
            return true;
        }
        Finish(ticket, BlockOutcome.Served);
        return true;
    }

    /// <summary>Runs the blocked command on <paramref name="shard"/>'s thread (or with it parked) to serve it.</summary>
    private void RunServing(CommandContext ctx, Engine.Shard shard, object? continuation)
    {
        ctx.LocalShard = shard;
        ctx.Serving = true;
        ctx.Continuation = continuation;
        try
        {
            ExecuteOne(ctx, _batch!, ref _batch![_index]);
        }
        finally
        {
            ctx.Serving = false;
            ctx.Continuation = null;
        }
    }

    private void PostContinuation(BlockTicket ticket, CommandContext ctx) =>
        _engine.Shards[ctx.ContinueShard].Post(new ContinuationWork(this, ticket, ctx.ContinueState!));

    /// <summary>The rest of a served command, on the shard of the key it continues on.</summary>
    private sealed class ContinuationWork(BatchExecutor owner, BlockTicket ticket, object state) : Engine.IShardWork
    {
        public void Execute(Engine.Shard shard)
        {
            var ctx = owner._serveContext!;
            try
            {
                owner.RunServing(ctx, shard, state);
            }
            finally
            {
                if (ctx.ContinueShard >= 0) owner.PostContinuation(ticket, ctx);
                else owner.Finish(ticket, BlockOutcome.Served);
                // What it pushed may serve clients blocked here.
                if (shard.Store.Blocking.HasReady) shard.Store.Blocking.ServeReady(shard.Id);
            }
        }
    }

    /// <summary>CLIENT UNBLOCK: ends the block with the timeout reply, or with an UNBLOCKED error. False when not blocked.</summary>
    public bool Unblock(bool withError) =>
        Volatile.Read(ref _ticket) is { } t && EndBlock(t, withError ? BlockOutcome.UnblockedWithError : BlockOutcome.Unblocked);

    private bool EndBlock(BlockTicket ticket, BlockOutcome outcome)
    {
        var spin = new SpinWait();
        while (true)
        {
            int state = Interlocked.CompareExchange(ref ticket.State, Done, Waiting);
            if (state == Waiting) break;
            if (state >= Done) return false;
            // Being served on a shard right now: its outcome decides.
            spin.SpinOnce();
        }
        Finish(ticket, outcome);
        return true;
    }

    private void Finish(BlockTicket ticket, BlockOutcome outcome)
    {
        _blockOutcome = outcome;
        Volatile.Write(ref ticket.State, Done);
        ticket.Timer?.Dispose();
        _engine.BlockedClientsChanged(-1);
        Resumed();
    }

    /// <summary>Back on the connection after the block ended: emit its reply, or run the command again.</summary>
    private void FinishBlocked(CommandBatch batch)
    {
        int start = _heldReplyStart;
        switch (_blockOutcome)
        {
            case BlockOutcome.Retry:
                _retrying = true;
                return;
            case BlockOutcome.Served:
                _out.Raw(_serveWriter!.Written);
                _serveWriter.Clear();
                break;
            case BlockOutcome.UnblockedWithError:
                _out.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
                break;
            default:
                WriteTimeoutReply(_out, _blockNullArray);
                break;
        }
        AfterReply?.Invoke(start);
        _index++;
    }

    private static void WriteTimeoutReply(RespWriter w, bool nullArray)
    {
        if (nullArray) w.NullArray();
        else w.NullBulk();
    }

    /// <summary>Serves blocked clients whose keys the command just fed, on every shard it held.</summary>
    private void ServeReadyKeys(ulong mask)
    {
        for (ulong m = mask; m != 0; m &= m - 1)
        {
            var shard = _engine.Shards[System.Numerics.BitOperations.TrailingZeroCount(m)];
            if (shard.Store.Blocking.HasReady) shard.Store.Blocking.ServeReady(shard.Id);
        }
    }
}
