using System.Diagnostics;
using System.Runtime.CompilerServices;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// Runs a connection's pipeline batch: consecutive commands that each live on one shard go out as one message
/// per target shard; commands spanning shards park them through the scheduler; connection commands run here.
/// Replies come out in request order.
/// </summary>
public sealed partial class BatchExecutor
{
    private readonly ShardSet _engine;
    private readonly CommandTable _table;
    private readonly ClientSession _session;
    private readonly RespWriter _out;
    private readonly CommandContext _context;
    private readonly RunWork[] _works;
    private readonly RunCompletion _completion;
    private readonly int[] _mergePos;
    private readonly ResumeSignal _resumeSignal;
    private readonly IShardWork _resumeWork;
    private readonly RunWork _homeWork;
    private readonly Action<ExclusiveHold> _onHeldInline;
    private readonly Action<ExclusiveHold> _onHeldAsync;
    private CommandBatch? _batch;
    private int _index;
    private Suspension _suspension;
    private int _runStart;
    private int _runEnd;
    private ulong _runMask;
    private int _runReplyStart;
    private bool _runDirect;
    private ExclusiveHold? _hold;
    private int _heldReplyStart;

    public BatchExecutor(ShardSet engine, CommandTable table, ClientSession session, RespWriter output, Shard? home = null)
    {
        Home = home;
        _resumeSignal = new ResumeSignal(continueOnThreadPool: home is null);
        _engine = engine;
        _table = table;
        _session = session;
        _out = output;
        _context = new CommandContext(engine, session, output) { Runner = this };
        _works = new RunWork[engine.Count];
        for (int i = 0; i < _works.Length; i++)
        {
            var own = new RespWriter(1024);
            _works[i] = new RunWork(this, new CommandContext(engine, session, own), own);
        }
        _mergePos = new int[engine.Count];
        _completion = new RunCompletion(Resumed);
        _resumeWork = new ResumeWork(this);
        _homeWork = new RunWork(this, _context, output);
        _durable = new DurabilityWait(engine.Count, Resumed);
        // Thread-per-core: the home shard reached its own place in the hold's order and the others are
        // parked, so the command runs right here, on the home thread.
        _onHeldInline = hold =>
        {
            _hold = hold;
            _resumeSignal.SetResult(true);
        };
        _onHeldAsync = hold =>
        {
            _hold = hold;
            Resumed();
        };
    }

    private sealed class ResumeWork(BatchExecutor owner) : IShardWork
    {
        public void Execute(Shard shard)
        {
            if (owner._awaitingReply)
            {
                owner._awaitingReply = false;
                shard.RepliesPending--;
            }
            owner._resumeSignal.SetResult(true);
        }
    }

    // Set while a run waits for other shards' replies and counted in the home shard's RepliesPending.
    private bool _awaitingReply;

    /// <summary>True while replies must be produced one command at a time (CLIENT REPLY OFF/SKIP).</summary>
    public Func<bool>? SerialReplies { get; set; }

    /// <summary>Called after each command's reply is complete, with the reply's start in the output.</summary>
    public Action<int>? AfterReply { get; set; }

    /// <summary>Whether the session must still authenticate.</summary>
    public Func<bool> AuthRequired { get; set; } = static () => false;

    /// <summary>Server-wide observers (SLOWLOG, MONITOR, errorstats) and the CLIENT PAUSE gate; optional.</summary>
    public ExecutionHooks? Hooks { get; set; }

    /// <summary>
    /// The shard whose thread drives this executor (thread-per-core transport): commands whose keys live there
    /// run inline, with no message. Null for the portable transport, where every shard is reached by message.
    /// </summary>
    public Shard? Home { get; }

    /// <summary>
    /// Runs a whole batch, awaiting other shards as needed. With a <see cref="Home"/> shard the awaits resume
    /// on the home thread; otherwise on the thread pool.
    /// </summary>
    public ValueTask ExecuteAsync(CommandBatch batch)
    {
        Begin(batch);
        // Most batches finish without waiting: no async machinery (and no allocation) for them.
        return Continue() ? default : FinishAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FinishAsync()
    {
        do await new ValueTask(_resumeSignal, _resumeSignal.Version).ConfigureAwait(false);
        while (!Continue());
    }

    /// <summary>Starts a batch; drive it with <see cref="Continue"/>.</summary>
    public void Begin(CommandBatch batch)
    {
        _batch = batch;
        _index = 0;
        _suspension = Suspension.None;
    }

    /// <summary>True while a batch is waiting for other shards (its connection must not start another).</summary>
    public bool Suspended => _suspension != Suspension.None;

    /// <summary>A suspended batch has been resumed: <see cref="Continue"/> may be called again.</summary>
    public bool CanContinue => _resumeSignal.GetStatus(_resumeSignal.Version) != System.Threading.Tasks.Sources.ValueTaskSourceStatus.Pending;

    /// <summary>
    /// Runs the batch as far as it can go now. Returns true when every command has replied, false when it waits
    /// for other shards (or a CLIENT PAUSE); then it is resumed exactly once, and Continue must be called again.
    /// </summary>
    public bool Continue()
    {
        var batch = _batch!;
        switch (_suspension)
        {
            case Suspension.Run:
                _suspension = Suspension.None;
                FinishRun(batch);
                break;
            case Suspension.Hold:
                _suspension = Suspension.None;
                if (!RunHeld(batch)) return false;
                break;
            case Suspension.Blocked:
                _suspension = Suspension.None;
                FinishBlocked(batch);
                break;
            case Suspension.Pause:
                _suspension = Suspension.None;
                break;
            case Suspension.Exec:
                _suspension = Suspension.None;
                FinishExec();
                break;
            case Suspension.Durable:
                _suspension = Suspension.None;
                _durable.Clear();
                _batch = null;
                return true;
        }
        int n = batch.Count;
        while (_index < n && !_session.CloseAfterReply)
        {
            int i = _index;
            if (_session.Transaction.InMulti && TryQueue(batch, ref batch[i])) continue;
            if (Hooks is { } hooks && hooks.Pause.Mode != PauseGate.None)
            {
                Classify(batch, ref batch[i]);
                if (batch[i].Error is null && hooks.Pause.Applies(batch[i].Def))
                {
                    // CLIENT PAUSE: the command waits (its reply with it) until the pause ends.
                    Suspend(Suspension.Pause);
                    hooks.Pause.WaitAsync().ContinueWith(static (_, self) => ((BatchExecutor)self!).Resumed(), this,
                        TaskScheduler.Default);
                    return false;
                }
            }
            int runStart = i;
            ulong mask = 0;
            bool serial = SerialReplies?.Invoke() == true;
            while (i < n && Classify(batch, ref batch[i]) == RunKind.Single)
            {
                if (i > runStart && Hooks is { } h && h.Pause.Applies(batch[i].Def)) break;
                mask |= 1UL << batch[i].Shard;
                i++;
                if (serial) break;
            }
            if (i > runStart)
            {
                _runStart = runStart;
                _runEnd = i;
                _runMask = mask;
                _runReplyStart = _out.Length;
                _index = i;
                if (!StartRun(batch)) return false;
                FinishRun(batch);
                continue;
            }
            ref var cmd = ref batch[i];
            int start = _out.Length;
            if (cmd.Error is not null)
            {
                _out.Error(cmd.Error);
                Hooks?.Observer.ErrorReplied(_out.Written[(start + 1)..^2]);
            }
            else if (cmd.Def!.Route == CommandRoute.Exec)
            {
                if (!StartExec(batch, ref cmd, start)) return false;
            }
            else if (cmd.ShardMask != 0)
            {
                _heldReplyStart = start;
                ulong holdMask = cmd.ShardMask;
                Suspend(Suspension.Hold);
                if (Home is { } home)
                {
                    // The home shard takes part too, so it reaches the hold in global order and runs it there.
                    _engine.Schedule(holdMask | (1UL << home.Id), home, _onHeldInline);
                }
                else _engine.Schedule(holdMask, null, _onHeldAsync);
                return false;
            }
            else
            {
                _context.LocalShard = null;
                ExecuteOne(_context, batch, ref cmd);
                CommitUnit(0);
            }
            AfterReply?.Invoke(start);
            _index = i + 1;
        }
        if (AwaitDurability()) return false;
        _batch = null;
        return true;
    }

    private enum Suspension { None, Run, Hold, Pause, Blocked, Exec, Durable }

    private void Suspend(Suspension kind)
    {
        _suspension = kind;
        _resumeSignal.Reset();
    }

    /// <summary>A suspension ended (on any thread): wake the driver.</summary>
    private void Resumed()
    {
        if (Home is { } home) home.Post(_resumeWork);
        else _resumeSignal.SetResult(true);
    }

    /// <summary>Posts the run's commands to their shards; true when it already finished (all on the home shard).</summary>
    private bool StartRun(CommandBatch batch)
    {
        ulong mask = _runMask;
        // Inline only on the home thread itself; anywhere else the home shard is reached by message like any
        // other, and the resumption brings the connection back onto its home thread.
        var local = Home is { } h && h.IsCurrentThread ? h : null;
        ulong localBit = local is null ? 0 : 1UL << local.Id;
        if (local is not null && mask == localBit)
        {
            _homeWork.Context.Reply = _out;
            _homeWork.RunInline(local, batch, _runStart, _runEnd);
            _runDirect = true;
            return true;
        }
        ulong remote = mask & ~localBit;
        int participants = System.Numerics.BitOperations.PopCount(remote);
        _runDirect = local is null && participants == 1;
        Suspend(Suspension.Run);
        if (local is not null)
        {
            _awaitingReply = true;
            local.RepliesPending++;
        }
        _completion.Start(participants);
        for (ulong m = remote; m != 0; m &= m - 1)
        {
            int s = System.Numerics.BitOperations.TrailingZeroCount(m);
            var work = _works[s];
            work.Context.Reply = _runDirect ? _out : work.OwnWriter;
            work.OwnWriter.Clear();
            work.OwnWriter.Protocol = _out.Protocol;
            work.Batch = batch;
            work.Start = _runStart;
            work.End = _runEnd;
            work.Completion = _completion;
            _engine.Shards[s].Post(work);
        }
        if (local is not null && (mask & localBit) != 0)
        {
            var own = _works[local.Id];
            own.Context.Reply = own.OwnWriter;
            own.OwnWriter.Clear();
            own.OwnWriter.Protocol = _out.Protocol;
            own.RunInline(local, batch, _runStart, _runEnd);
        }
        return false;
    }

    /// <summary>Puts a finished run's replies into the output in request order.</summary>
    private void FinishRun(CommandBatch batch)
    {
        if (!_runDirect)
        {
            Array.Clear(_mergePos);
            for (int i = _runStart; i < _runEnd; i++)
            {
                ref var cmd = ref batch[i];
                var own = _works[cmd.Shard].OwnWriter;
                int from = _mergePos[cmd.Shard];
                _out.Raw(own.Written[from..cmd.ReplyEnd]);
                _mergePos[cmd.Shard] = cmd.ReplyEnd;
            }
            for (ulong m = _runMask; m != 0; m &= m - 1)
                _works[System.Numerics.BitOperations.TrailingZeroCount(m)].OwnWriter.Trim(64 * 1024);
        }
        AfterReply?.Invoke(_runReplyStart);
    }

    /// <summary>
    /// Runs the command the hold was taken for, with its shards parked, then lets them go. False when the
    /// command blocked (it is registered as a waiter and has not replied yet).
    /// </summary>
    private bool RunHeld(CommandBatch batch)
    {
        var hold = _hold!;
        _hold = null;
        bool blocked = false;
        try
        {
            _context.LocalShard = null;
            ref var cmd = ref batch[_index];
            bool retry = _retrying;
            _retrying = false;
            // A retry serves a blocked client: keys of another type among its keys do not fail it (as Redis).
            _context.Serving = retry;
            try
            {
                ExecuteOne(_context, batch, ref cmd);
            }
            finally
            {
                _context.Serving = false;
                CommitUnit(hold.TxId);
            }
            if (_context.BlockRequested) blocked = BlockOrTimeOut(batch, ref cmd, retry);
            ServeReadyKeys(cmd.ShardMask);
        }
        finally
        {
            hold.Release();
        }
        if (blocked) return false;
        AfterReply?.Invoke(_heldReplyStart);
        _index++;
        return true;
    }

    private enum RunKind { Single, Other }

    /// <summary>Resolves the command and decides where it runs; errors found here become its reply.</summary>
    private RunKind Classify(CommandBatch batch, ref BatchCommand cmd)
    {
        cmd.Error = null;
        cmd.ShardMask = 0;
        cmd.DbIndex = _session.DbIndex;
        var def = Resolve(batch, ref cmd);
        cmd.Def = def;
        if (def is null) return RunKind.Other;
        var spec = def.Spec;
        if (!spec.ArityAccepts(cmd.ArgCount))
        {
            def.RecordRejected();
            cmd.Error = Errors.WrongArity(def.FullName);
            if (def.Parent is null && def.Spec.Name == "EXEC")
            {
                // Redis's execCommandAbort: a rejected EXEC discards the transaction (if any) and says why.
                _session.Transaction.Reset();
                cmd.Error = "EXECABORT Transaction discarded because of: " + cmd.Error["ERR ".Length..];
            }
            return RunKind.Other;
        }
        if ((spec.Flags & CommandFlags.NoAuth) == 0 && AuthRequired())
        {
            def.RecordRejected();
            cmd.Error = Errors.NoAuth;
            return RunKind.Other;
        }
        if (_engine.DiskError is { } diskError && ((spec.Flags & CommandFlags.Write) != 0 || (def.Parent is null && spec.Name == "PING")))
        {
            def.RecordRejected();
            cmd.Error = diskError;
            return RunKind.Other;
        }
        if (_session.PubSubMode && _session.Protocol == 2 && !AllowedWhileSubscribed(def))
        {
            def.RecordRejected();
            cmd.Error = $"ERR Can't execute '{def.FullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
            return RunKind.Other;
        }
        if (_engine.Loading && (spec.Flags & CommandFlags.Loading) == 0 && !_exclusive)
        {
            def.RecordRejected();
            cmd.Error = Errors.Loading;
            return RunKind.Other;
        }
        if (_engine.BusyReply is { } busy && (spec.Flags & CommandFlags.AllowBusy) == 0)
        {
            // A script runs past busy-reply-threshold with every shard parked: only SCRIPT KILL and the like.
            def.RecordRejected();
            cmd.Error = busy;
            return RunKind.Other;
        }
        switch (def.Route)
        {
            case CommandRoute.Keys:
                var kind = RouteByKeys(batch, ref cmd, spec);
                // A command that may block runs alone, through the scheduler, so that it can register as a
                // waiter while its shards are parked (no push can slip in between) and nothing after it in
                // the pipeline runs before it replies.
                if (kind == RunKind.Single && (spec.Flags & CommandFlags.Blocking) != 0 &&
                    (spec.MayBlock is not { } mayBlock ||
                     mayBlock(new CommandArgs(batch.Buffer, batch.Args.Slice(cmd.ArgStart, cmd.ArgCount)))))
                {
                    cmd.ShardMask = 1UL << cmd.Shard;
                    return RunKind.Other;
                }
                return kind;
            case CommandRoute.ScanCursor:
                cmd.Shard = ScanCursor.ShardOf(Arg(batch, cmd, 1), _engine.Count);
                return RunKind.Single;
            case CommandRoute.AllShards:
                cmd.ShardMask = _engine.AllShardsMask;
                return RunKind.Other;
            default:
                return RunKind.Other;
        }
    }

    /// <summary>The commands a RESP2 client in Pub/Sub mode may send.</summary>
    private static bool AllowedWhileSubscribed(CommandDef def) =>
        def.Parent is null && def.Spec.Name.ToUpperInvariant() is "PING" or "SUBSCRIBE" or "SSUBSCRIBE" or "UNSUBSCRIBE"
            or "SUNSUBSCRIBE" or "PSUBSCRIBE" or "PUNSUBSCRIBE" or "QUIT" or "RESET";

    private RunKind RouteByKeys(CommandBatch batch, ref BatchCommand cmd, CommandSpec spec)
    {
        if (spec.FindKeys is { } finder) return RouteByFoundKeys(batch, ref cmd, finder);
        var keys = spec.KeysFor(cmd.ArgCount);
        if (keys.IsEmpty || _engine.Count == 1)
        {
            cmd.Shard = 0;
            return RunKind.Single;
        }
        int first = _engine.ShardIndexFor(Arg(batch, cmd, keys.First));
        ulong mask = 1UL << first;
        for (int k = keys.First + keys.Step; k <= keys.Last; k += keys.Step)
            mask |= 1UL << _engine.ShardIndexFor(Arg(batch, cmd, k));
        cmd.Shard = first;
        if (mask == 1UL << first) return RunKind.Single;
        cmd.ShardMask = mask;
        return RunKind.Other;
    }

    private readonly List<int> _foundKeys = [];

    private RunKind RouteByFoundKeys(CommandBatch batch, ref BatchCommand cmd, KeyFinder finder)
    {
        cmd.Shard = 0;
        if (_engine.Count == 1) return RunKind.Single;
        _foundKeys.Clear();
        finder(new CommandArgs(batch.Buffer, batch.Args.Slice(cmd.ArgStart, cmd.ArgCount)), _foundKeys);
        if (_foundKeys.Count == 0) return RunKind.Single;
        int first = _engine.ShardIndexFor(Arg(batch, cmd, _foundKeys[0]));
        ulong mask = 1UL << first;
        for (int k = 1; k < _foundKeys.Count; k++)
            mask |= 1UL << _engine.ShardIndexFor(Arg(batch, cmd, _foundKeys[k]));
        cmd.Shard = first;
        if (mask == 1UL << first) return RunKind.Single;
        cmd.ShardMask = mask;
        return RunKind.Other;
    }

    private CommandDef? Resolve(CommandBatch batch, ref BatchCommand cmd)
    {
        var name = Arg(batch, cmd, 0);
        var def = _table.Find(name);
        if (def is null)
        {
            cmd.Error = UnknownCommand(batch, cmd);
            return null;
        }
        if (def.IsContainer && cmd.ArgCount >= 2)
        {
            var subName = Arg(batch, cmd, 1);
            CommandDef? sub = null;
            if (subName.Length <= 64)
            {
                Span<char> chars = stackalloc char[subName.Length];
                for (int i = 0; i < subName.Length; i++) chars[i] = (char)subName[i];
                sub = def.Subcommands!.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out var s) ? s : null;
            }
            if (sub is null)
            {
                cmd.Error = $"ERR unknown subcommand '{CText(subName, 128)}'. Try {CText(name, int.MaxValue).ToUpperInvariant()} HELP.";
                return null;
            }
            return sub;
        }
        return def;
    }

    private static string UnknownCommand(CommandBatch batch, in BatchCommand cmd)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 1; i < cmd.ArgCount && sb.Length < 128; i++)
        {
            // Redis: sdscatprintf(args, "'%.*s' ", 128 - sdslen(args), arg): the room is measured before the quote.
            int room = 128 - sb.Length;
            sb.Append('\'').Append(CText(Arg(batch, cmd, i), room)).Append("' ");
        }
        return $"ERR unknown command '{CText(Arg(batch, cmd, 0), 128)}', with args beginning with: {sb}";
    }

    /// <summary>An argument as C's "%.*s" prints it: up to the first NUL, at most <paramref name="max"/> bytes.</summary>
    private static string CText(ReadOnlySpan<byte> arg, int max)
    {
        int nul = arg.IndexOf((byte)0);
        if (nul >= 0) arg = arg[..nul];
        if (arg.Length > max) arg = arg[..max];
        return System.Text.Encoding.Latin1.GetString(arg);
    }

    private static ReadOnlySpan<byte> Arg(CommandBatch batch, in BatchCommand cmd, int index)
    {
        var a = batch.Args[cmd.ArgStart + index];
        return new ReadOnlySpan<byte>(batch.Buffer, a.Offset, a.Length);
    }

    /// <summary>Runs one resolved command with the context bound to it; the caller owns the data it touches.</summary>
    internal void ExecuteOne(CommandContext ctx, CommandBatch batch, ref BatchCommand cmd)
    {
        var def = cmd.Def!;
        ctx.Bind(batch.Buffer, batch.Args, cmd.ArgStart, cmd.ArgCount, cmd.HashedArg, cmd.KeyHash);
        ctx.Command = def;
        ctx.DbIndex = cmd.DbIndex;
        ctx.Now = ctx.Timing.NowMs(_engine.Clock);
        _session.LastCommand = def.FullName;
        // Serving a blocked client is not a new command: Redis does not refuse it for memory either.
        if (!ctx.Serving && _engine.MaxMemory > 0 && !MemoryAvailable(ctx, cmd) && (def.Spec.Flags & CommandFlags.DenyOom) != 0)
        {
            def.RecordRejected();
            int at = ctx.Reply.Length;
            ctx.Error(Errors.Oom);
            Hooks?.Observer.ErrorReplied(ctx.Reply.Written[(at + 1)..^2]);
            return;
        }
        if (_engine.SnapshotShardsActive != 0 && (def.Spec.Flags & CommandFlags.Write) != 0) SaveKeysBeforeWrite(ctx, batch, cmd);
        int replyStart = ctx.Reply.Length;
        var log = Hooks?.CommandLog;
        PrepareEffects(ctx, log);
        long t0 = ctx.Timing.StartTicks(fresh: _engine.MaxMemory > 0 || _engine.SnapshotShardsActive != 0 || log is not null);
        bool events = _engine.Events.Mask != 0;
        if (events) KeyspaceEvents.SetCurrentCommand(_session, ctx.Reply);
        try
        {
            def.Handler!(ctx);
        }
        catch (Exception ex)
        {
            ctx.Reply.Truncate(replyStart);
            ctx.Error("ERR " + ex.Message.ReplaceLineEndings(" "));
            _engine.Log?.Invoke($"command {def.FullName} failed: {ex}");
        }
        if (events) KeyspaceEvents.SetCurrentCommand(null, null);
        if (_session.AfterCommandHook) Hooks?.AfterCommand?.Invoke(ctx);
        long t1 = Stopwatch.GetTimestamp();
        ctx.Timing.End(t1);
        long us = RunClock.Microseconds(t0, t1);
        if (ctx.BlockRequested && !_session.BlockingAllowed)
        {
            // MULTI/EXEC (and scripts): a command that would block times out at once, as in Redis.
            WriteTimeoutReply(ctx.Reply, ctx.BlockTimeoutNullArray);
            ctx.CancelBlock();
        }
        // A command that blocked changed nothing (yet): its keys' watches stay valid.
        if (def.Route == CommandRoute.AllShards && def.Spec.FirstKey <= 0 && (def.Spec.Flags & CommandFlags.Write) != 0) TouchAllWatches();
        var reply = ctx.Reply;
        bool failed = ctx.Failed || (reply.Length > replyStart && reply.Written[replyStart] == (byte)'-');
        def.RecordCall(us, failed);
        if (log is not null) Propagate(log, ctx, def, replyStart, failed);
        if (Hooks is { } hooks)
        {
            if (failed && reply.Length > replyStart && reply.Written[replyStart] == (byte)'-')
            {
                var line = reply.Written[(replyStart + 1)..];
                int end = line.IndexOf((byte)'\r');
                hooks.Observer.ErrorReplied(end >= 0 ? line[..end] : line);
            }
            if (hooks.Wants(us)) hooks.Observer.CommandExecuted(ctx, us);
        }
    }

    private bool MemoryAvailable(CommandContext ctx, in BatchCommand cmd)
    {
        if (ctx.LocalShard is { } local) return _engine.Eviction.EvictIfNeeded(local, ctx.Now);
        bool ok = true;
        for (ulong m = cmd.ShardMask; m != 0; m &= m - 1)
            ok &= _engine.Eviction.EvictIfNeeded(_engine.Shards[System.Numerics.BitOperations.TrailingZeroCount(m)], ctx.Now);
        return ok;
    }
}
