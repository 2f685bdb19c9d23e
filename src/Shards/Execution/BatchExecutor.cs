using System.Diagnostics;
using System.Runtime.CompilerServices;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// Runs a connection's pipeline batch: consecutive commands that each live on one shard go out as one message
/// per target shard; commands spanning shards park them through the scheduler; connection commands run here.
/// Replies come out in request order.
/// </summary>
public sealed class BatchExecutor
{
    private readonly ShardSet _engine;
    private readonly CommandTable _table;
    private readonly ClientSession _session;
    private readonly RespWriter _out;
    private readonly CommandContext _context;
    private readonly RunWork[] _works;
    private readonly RunCompletion _completion = new();
    private readonly int[] _mergePos;

    public BatchExecutor(ShardSet engine, CommandTable table, ClientSession session, RespWriter output)
    {
        _engine = engine;
        _table = table;
        _session = session;
        _out = output;
        _context = new CommandContext(engine, session, output);
        _works = new RunWork[engine.Count];
        for (int i = 0; i < _works.Length; i++)
        {
            var own = new RespWriter(1024);
            _works[i] = new RunWork(this, new CommandContext(engine, session, own), own);
        }
        _mergePos = new int[engine.Count];
    }

    /// <summary>True while replies must be produced one command at a time (CLIENT REPLY OFF/SKIP).</summary>
    public Func<bool>? SerialReplies { get; set; }

    /// <summary>Called after each command's reply is complete, with the reply's start in the output.</summary>
    public Action<int>? AfterReply { get; set; }

    /// <summary>Whether the session must still authenticate.</summary>
    public Func<bool> AuthRequired { get; set; } = static () => false;

    /// <summary>Server-wide observers (SLOWLOG, MONITOR, errorstats) and the CLIENT PAUSE gate; optional.</summary>
    public ExecutionHooks? Hooks { get; set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ExecuteAsync(CommandBatch batch)
    {
        int n = batch.Count;
        int i = 0;
        while (i < n && !_session.CloseAfterReply)
        {
            if (Hooks is { } hooks && hooks.Pause.Mode != PauseGate.None)
            {
                // CLIENT PAUSE: the command waits (its reply with it) until the pause ends.
                while (true)
                {
                    Classify(batch, ref batch[i]);
                    if (batch[i].Error is not null || !hooks.Pause.Applies(batch[i].Def)) break;
                    await hooks.Pause.WaitAsync().ConfigureAwait(false);
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
                int replyStart = _out.Length;
                await RunAsync(batch, runStart, i, mask).ConfigureAwait(false);
                AfterReply?.Invoke(replyStart);
                continue;
            }
            ref var cmd = ref batch[i];
            int start = _out.Length;
            if (cmd.Error is not null)
            {
                _out.Error(cmd.Error);
                Hooks?.Observer.ErrorReplied(_out.Written[(start + 1)..^2]);
            }
            else if (cmd.ShardMask != 0)
            {
                var hold = await _engine.AcquireAsync(batch[i].ShardMask).ConfigureAwait(false);
                try
                {
                    _context.LocalShard = null;
                    ExecuteOne(_context, batch, ref batch[i]);
                }
                finally
                {
                    hold.Release();
                }
            }
            else
            {
                _context.LocalShard = null;
                ExecuteOne(_context, batch, ref cmd);
            }
            AfterReply?.Invoke(start);
            i++;
        }
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
            return RunKind.Other;
        }
        if ((spec.Flags & CommandFlags.NoAuth) == 0 && AuthRequired())
        {
            def.RecordRejected();
            cmd.Error = Errors.NoAuth;
            return RunKind.Other;
        }
        switch (def.Route)
        {
            case CommandRoute.Keys:
                return RouteByKeys(batch, ref cmd, spec);
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

    private RunKind RouteByKeys(CommandBatch batch, ref BatchCommand cmd, CommandSpec spec)
    {
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
            sb.Append('\'').Append(CText(Arg(batch, cmd, i), 128 - sb.Length)).Append("' ");
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

    private ValueTask RunAsync(CommandBatch batch, int start, int end, ulong mask)
    {
        int participants = System.Numerics.BitOperations.PopCount(mask);
        var done = _completion.Start(participants);
        bool direct = participants == 1;
        for (ulong m = mask; m != 0; m &= m - 1)
        {
            int s = System.Numerics.BitOperations.TrailingZeroCount(m);
            var work = _works[s];
            work.Context.Reply = direct ? _out : work.OwnWriter;
            work.OwnWriter.Clear();
            work.OwnWriter.Protocol = _out.Protocol;
            work.Batch = batch;
            work.Start = start;
            work.End = end;
            work.Completion = _completion;
            _engine.Shards[s].Post(work);
        }
        if (direct) return done;
        return MergeAfter(done, batch, start, end, mask);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask MergeAfter(ValueTask done, CommandBatch batch, int start, int end, ulong mask)
    {
        await done.ConfigureAwait(false);
        Array.Clear(_mergePos);
        for (int i = start; i < end; i++)
        {
            ref var cmd = ref batch[i];
            var own = _works[cmd.Shard].OwnWriter;
            int from = _mergePos[cmd.Shard];
            _out.Raw(own.Written[from..cmd.ReplyEnd]);
            _mergePos[cmd.Shard] = cmd.ReplyEnd;
        }
        for (ulong m = mask; m != 0; m &= m - 1)
            _works[System.Numerics.BitOperations.TrailingZeroCount(m)].OwnWriter.Trim(64 * 1024);
    }

    /// <summary>Runs one resolved command with the context bound to it; the caller owns the data it touches.</summary>
    internal void ExecuteOne(CommandContext ctx, CommandBatch batch, ref BatchCommand cmd)
    {
        var def = cmd.Def!;
        ctx.Bind(batch.Buffer, batch.Args, cmd.ArgStart, cmd.ArgCount);
        ctx.Command = def;
        ctx.DbIndex = cmd.DbIndex;
        ctx.Now = _engine.Clock.NowMs;
        _session.LastCommand = def.FullName;
        if (_engine.Config.MaxMemory > 0 && !MemoryAvailable(ctx, cmd) && (def.Spec.Flags & CommandFlags.DenyOom) != 0)
        {
            def.RecordRejected();
            int at = ctx.Reply.Length;
            ctx.Error(Errors.Oom);
            Hooks?.Observer.ErrorReplied(ctx.Reply.Written[(at + 1)..^2]);
            return;
        }
        int replyStart = ctx.Reply.Length;
        long t0 = Stopwatch.GetTimestamp();
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
        long us = (long)Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        var reply = ctx.Reply;
        bool failed = ctx.Failed || (reply.Length > replyStart && reply.Written[replyStart] == (byte)'-');
        def.RecordCall(us, failed);
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
