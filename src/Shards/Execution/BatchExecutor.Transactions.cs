using System.Diagnostics;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>MULTI/EXEC: queueing, and running the queue atomically with every shard it touches parked.</summary>
public sealed partial class BatchExecutor
{
    private ulong _execMask;

    /// <summary>
    /// In MULTI, every command but the transaction controls is checked and queued (+QUEUED); a command that
    /// fails the checks is answered with its error and dooms the transaction (EXECABORT), as in Redis.
    /// True when the command was consumed here.
    /// </summary>
    private bool TryQueue(CommandBatch batch, ref BatchCommand cmd)
    {
        var tx = _session.Transaction;
        if (!tx.InMulti) return false;
        Classify(batch, ref cmd);
        if (!tx.InMulti) return false; // a rejected EXEC already discarded the transaction: answer it as outside MULTI
        if (cmd.Error is null && (cmd.Def!.Spec.Flags & Resp.CommandFlags.NoMulti) != 0 && !IsTransactionControl(cmd.Def))
            cmd.Error = "ERR Command not allowed inside a transaction";
        int start = _out.Length;
        if (cmd.Error is not null)
        {
            tx.QueueFailed = true;
            _out.Error(cmd.Error);
            Hooks?.Observer.ErrorReplied(_out.Written[(start + 1)..^2]);
        }
        else if (IsTransactionControl(cmd.Def!)) return false;
        else
        {
            tx.Queue.Add(cmd.Def!, batch.Buffer, batch.Args.Slice(cmd.ArgStart, cmd.ArgCount));
            _out.SimpleString("QUEUED"u8);
        }
        AfterReply?.Invoke(start);
        _index++;
        return true;
    }

    private static bool IsTransactionControl(CommandDef def) =>
        def.Parent is null && def.Spec.Name is "EXEC" or "DISCARD" or "MULTI" or "WATCH" or "QUIT" or "RESET";

    /// <summary>EXEC: answers at once when the transaction cannot run, else schedules it. False when it waits for its shards.</summary>
    private bool StartExec(CommandBatch batch, ref BatchCommand cmd, int replyStart)
    {
        var tx = _session.Transaction;
        if (!tx.InMulti)
        {
            _context.Error("ERR EXEC without MULTI");
            return true;
        }
        if (tx.QueueFailed)
        {
            tx.Reset();
            _context.Error("EXECABORT Transaction discarded because of previous errors.");
            return true;
        }
        if (tx.WatchBroken)
        {
            tx.Reset();
            _out.NullArray();
            return true;
        }
        var queued = tx.Queue.Batch;
        ulong mask = 0;
        for (int i = 0; i < queued.Count; i++) mask |= ShardsOf(queued, ref queued[i]);
        _execMask = mask;
        _heldReplyStart = replyStart;
        if (mask == 0)
        {
            RunExec();
            CommitUnit(0);
            return true;
        }
        Suspend(Suspension.Exec);
        if (Home is { } home) _engine.Schedule(mask | (1UL << home.Id), home, _onHeldInline);
        else _engine.Schedule(mask, null, _onHeldAsync);
        return false;
    }

    /// <summary>Shards a queued command will touch.</summary>
    private ulong ShardsOf(CommandBatch queued, ref BatchCommand cmd)
    {
        var def = cmd.Def!;
        switch (def.Route)
        {
            case CommandRoute.AllShards:
                return _engine.AllShardsMask;
            case CommandRoute.ScanCursor:
                return 1UL << ScanCursor.ShardOf(Arg(queued, cmd, 1), _engine.Count);
            case CommandRoute.Keys:
                if (def.Spec.FindKeys is { } finder)
                {
                    _foundKeys.Clear();
                    finder(new CommandArgs(queued.Buffer, queued.Args.Slice(cmd.ArgStart, cmd.ArgCount)), _foundKeys);
                    if (_foundKeys.Count == 0) return 1;
                    ulong found = 0;
                    foreach (int k in _foundKeys) found |= 1UL << _engine.ShardIndexFor(Arg(queued, cmd, k));
                    return found;
                }
                var keys = def.Spec.KeysFor(cmd.ArgCount);
                if (keys.IsEmpty) return 1;
                ulong mask = 0;
                for (int k = keys.First; k <= keys.Last; k += keys.Step)
                    mask |= 1UL << _engine.ShardIndexFor(Arg(queued, cmd, k));
                return mask;
            default:
                return 0;
        }
    }

    /// <summary>Runs the queued commands in order; the caller holds every shard they touch.</summary>
    private void RunExec()
    {
        long t0 = Stopwatch.GetTimestamp();
        var tx = _session.Transaction;
        var queued = tx.Queue.Batch;
        _out.ArrayHeader(queued.Count);
        _session.BlockingAllowed = false;
        try
        {
            for (int i = 0; i < queued.Count; i++)
            {
                ref var cmd = ref queued[i];
                cmd.DbIndex = _session.DbIndex;
                cmd.ShardMask = _execMask;
                _context.LocalShard = null;
                ExecuteOne(_context, queued, ref cmd);
            }
        }
        finally
        {
            _session.BlockingAllowed = true;
            tx.Reset();
        }
        _table.Find("EXEC")?.RecordCall((long)Stopwatch.GetElapsedTime(t0).TotalMicroseconds, false);
    }

    /// <summary>Back from the hold EXEC waited for.</summary>
    private void FinishExec()
    {
        var hold = _hold!;
        _hold = null;
        try
        {
            try
            {
                RunExec();
            }
            finally
            {
                CommitUnit(hold.TxId);
            }
            ServeReadyKeys(_execMask);
        }
        finally
        {
            hold.Release();
        }
        AfterReply?.Invoke(_heldReplyStart);
        _index++;
    }


    /// <summary>
    /// A keyspace-wide write (FLUSHALL, FLUSHDB, SWAPDB) invalidates every WATCH; a write to single keys does it
    /// through <see cref="CommandContext.Notify(Keyspace.NotifyClass, string, ReadOnlySpan{byte})"/>, only for
    /// keys it really changed (Redis's signalModifiedKey).
    /// </summary>
    private void TouchAllWatches()
    {
        foreach (var shard in _engine.Shards)
            if (shard.Store.Watches.Any) shard.Store.Watches.TouchAll();
    }
}
