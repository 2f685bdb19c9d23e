using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Execution;

/// <summary>Blocking commands: a command that found nothing waits on its keys until served, timed out or unblocked.</summary>
public sealed partial class BatchExecutor : IKeyWaiter
{
    private const int Waiting = 0;
    private const int Serving = 1;
    private const int Done = 2;

    private enum BlockOutcome { Served, TimedOut, Unblocked, UnblockedWithError, Retry }

    private int _blockState = Done;
    private BlockOutcome _blockOutcome;
    private bool _blockSingleShard;
    private int _blockShard;
    private bool _blockNullArray;
    private Timer? _blockTimer;
    private CommandContext? _serveContext;
    private RespWriter? _serveWriter;

    /// <summary>True while this connection is blocked on keys (CLIENT LIST flags=b, INFO blocked_clients).</summary>
    public bool IsBlocked => Volatile.Read(ref _blockState) != Done;

    bool IKeyWaiter.IsDone => Volatile.Read(ref _blockState) == Done;

    /// <summary>
    /// The handler asked to block: register on its keys (their shards are parked by the caller) and arm the
    /// timeout, or answer the timeout reply at once where blocking is not allowed. True when now blocked.
    /// </summary>
    private bool BlockOrTimeOut(CommandBatch batch, ref BatchCommand cmd)
    {
        var ctx = _context;
        if (!_session.BlockingAllowed)
        {
            WriteTimeoutReply(ctx.Reply, ctx.BlockTimeoutNullArray);
            return false;
        }
        _blockNullArray = ctx.BlockTimeoutNullArray;
        _blockSingleShard = System.Numerics.BitOperations.PopCount(cmd.ShardMask) == 1;
        _blockShard = System.Numerics.BitOperations.TrailingZeroCount(cmd.ShardMask);
        Volatile.Write(ref _blockState, Waiting);
        for (int i = 0; i < ctx.BlockingKeyCount; i++)
        {
            var key = ctx.Arg(ctx.BlockingKeyArg(i));
            _engine.ShardFor(key).Store.Blocking.Add(cmd.DbIndex, key.ToArray(), this);
        }
        _engine.BlockedClientsChanged(+1);
        Suspend(Suspension.Blocked);
        if (ctx.BlockTimeoutMs > 0)
            _blockTimer = new Timer(static s => ((BatchExecutor)s!).EndBlock(BlockOutcome.TimedOut), this,
                ctx.BlockTimeoutMs, Timeout.Infinite);
        return true;
    }

    bool IKeyWaiter.TryServe(int shardId)
    {
        if (!_blockSingleShard || shardId != _blockShard)
        {
            // Keys on several shards: let the command run again from the start, with all of them parked.
            EndBlock(BlockOutcome.Retry);
            return true;
        }
        if (Interlocked.CompareExchange(ref _blockState, Serving, Waiting) != Waiting) return true;
        var shard = _engine.Shards[shardId];
        _serveWriter ??= new RespWriter(256);
        _serveContext ??= new CommandContext(_engine, _session, _serveWriter);
        _serveWriter.Clear();
        _serveWriter.Protocol = _out.Protocol;
        var ctx = _serveContext;
        ctx.LocalShard = shard;
        ctx.Serving = true;
        ExecuteOne(ctx, _batch!, ref _batch![_index]);
        ctx.Serving = false;
        if (ctx.BlockRequested)
        {
            _serveWriter.Clear();
            Volatile.Write(ref _blockState, Waiting);
            return false;
        }
        Finish(BlockOutcome.Served);
        return true;
    }

    /// <summary>CLIENT UNBLOCK: ends the block with the timeout reply, or with an UNBLOCKED error. False when not blocked.</summary>
    public bool Unblock(bool withError) => EndBlock(withError ? BlockOutcome.UnblockedWithError : BlockOutcome.Unblocked);

    private bool EndBlock(BlockOutcome outcome)
    {
        var spin = new SpinWait();
        while (true)
        {
            int state = Interlocked.CompareExchange(ref _blockState, Done, Waiting);
            if (state == Waiting) break;
            if (state == Done) return false;
            spin.SpinOnce();
        }
        Finish(outcome);
        return true;
    }

    private void Finish(BlockOutcome outcome)
    {
        _blockOutcome = outcome;
        Volatile.Write(ref _blockState, Done);
        _blockTimer?.Dispose();
        _blockTimer = null;
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
