using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

namespace TdbPlus.Shards.Tests.Execution;

/// <summary>
/// Drives a connection's executor on its home shard's thread, as the thread-per-core transport does, and
/// measures what that thread allocates: the shared rig of the allocation tests.
/// </summary>
internal sealed class ShardThreadDriver : IDisposable
{
    private readonly RespParser _parser = new();
    private readonly CommandBatch _batch = new();

    /// <param name="aofDir">With a directory: appendonly yes there, with <paramref name="appendFsync"/>.</param>
    public ShardThreadDriver(int shards, string? aofDir = null, string appendFsync = "everysec")
    {
        var config = new ServerConfig();
        config["shards"].TrySet(shards.ToString(), out _);
        Engine = new ShardSet(config);
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        ExecutionHooks? hooks = null;
        if (aofDir is not null)
        {
            Directory.CreateDirectory(aofDir);
            if (!config["dir"].TrySet(aofDir, out string? why)) throw new InvalidOperationException(why);
            config["appendonly"].TrySet("yes", out _);
            config["appendfsync"].TrySet(appendFsync, out _);
            hooks = new ExecutionHooks(new SilentObserver());
            Aof = new TdbPlus.Shards.Persistence.Aof.AppendOnlyLog(Engine, hooks, _ => { }, _ => { });
            Aof.Start();
        }
        Engine.Start();
        Executor = new BatchExecutor(Engine, table, new ClientSession(), Output, Engine.Shards[0]) { Hooks = hooks };
    }

    /// <summary>The append-only log when the driver was given a directory.</summary>
    public TdbPlus.Shards.Persistence.Aof.AppendOnlyLog? Aof { get; }

    private sealed class SilentObserver : ICommandObserver
    {
        public void CommandExecuted(CommandContext ctx, long microseconds)
        {
        }

        public void ErrorReplied(ReadOnlySpan<byte> line)
        {
        }
    }

    public ShardSet Engine { get; }

    public BatchExecutor Executor { get; }

    public RespWriter Output { get; } = new();

    /// <summary>Runs <paramref name="body"/> on the home shard's thread; returns the bytes it allocated there.</summary>
    public Task<long> MeasureOnHomeThread(Action<ShardThreadDriver> warmUp, Action<ShardThreadDriver> body)
    {
        var measured = new TaskCompletionSource<long>();
        Engine.Shards[0].Post(new ActionWork(() =>
        {
            try
            {
                warmUp(this);
                long before = GC.GetAllocatedBytesForCurrentThread();
                body(this);
                measured.SetResult(GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception ex)
            {
                measured.SetException(ex);
            }
        }));
        return measured.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Parses and runs one pipeline on the home thread, serving the shard's queue while the batch waits for
    /// other shards; with <paramref name="check"/>, error replies throw.
    /// </summary>
    public void RunBatch(byte[] requests, bool check = false)
    {
        _batch.Buffer = requests;
        int pos = 0;
        while (true)
        {
            int argStart = _batch.CommittedArgs;
            if (_parser.TryParse(requests, ref pos, _batch.Args) != ParseStatus.Complete) break;
            _batch.Add(argStart, _batch.Args.Count - argStart);
        }
        Executor.Begin(_batch);
        var spin = new SpinWait();
        var home = Executor.Home!;
        while (!Executor.Continue())
        {
            while (!Executor.CanContinue)
            {
                // What the shard loop does between iterations: write the log, serve the queue.
                home.Log?.Flush();
                home.RunQueuedWork();
                spin.SpinOnce(-1);
            }
        }
        home.Log?.Flush();
        if (check)
        {
            string replies = Encoding.Latin1.GetString(Output.Written);
            if (replies.StartsWith('-') || replies.Contains("\r\n-", StringComparison.Ordinal)) throw new InvalidOperationException(replies);
        }
        _batch.Clear();
        Output.Clear();
    }

    /// <summary>A RESP request for the given arguments.</summary>
    public static void AppendCommand(StringBuilder sb, params string[] args)
    {
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args) sb.Append('$').Append(arg.Length).Append("\r\n").Append(arg).Append("\r\n");
    }

    public void Dispose()
    {
        Engine.Dispose();
        Aof?.Dispose();
    }

    private sealed class ActionWork(Action action) : IShardWork
    {
        public void Execute(Shard shard) => action();
    }
}
