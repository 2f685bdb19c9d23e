using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Persistence.Aof;

using TdbPlus.Shards.Tests.Execution;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>An engine with the append-only log in a temporary directory, driven through the real executor.</summary>
internal sealed class AofHarness : IDisposable
{
    private sealed class NoObserver : ICommandObserver
    {
        public void CommandExecuted(CommandContext ctx, long microseconds)
        {
        }

        public void ErrorReplied(ReadOnlySpan<byte> line)
        {
        }
    }

    private readonly RespWriter _out = new(1024);
    private readonly BatchExecutor _executor;
    private bool _disposed;

    public AofHarness(string dir, int shards, bool appendOnly = true, string fsync = "everysec")
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shards.ToString(), out _));
        Assert.True(config["dir"].TrySet(dir, out _));
        Assert.True(config["appendonly"].TrySet(appendOnly ? "yes" : "no", out _));
        Assert.True(config["appendfsync"].TrySet(fsync, out _));
        Engine = new ShardSet(config);
        Table = new CommandTable();
        Table.AddRange(CoreFamilies.Commands());
        Hooks = new ExecutionHooks(new NoObserver());
        Log = new AppendOnlyLog(Engine, Hooks, _ => { }, w => Warnings.Add(w));
        Loaded = Log.Load(Table);
        Log.Start();
        Engine.Start();
        _executor = new BatchExecutor(Engine, Table, Session, _out) { Hooks = Hooks };
    }

    public string Dir { get; }

    public ShardSet Engine { get; }

    public CommandTable Table { get; }

    public ExecutionHooks Hooks { get; }

    public AppendOnlyLog Log { get; }

    public bool Loaded { get; }

    public List<string> Warnings { get; } = [];

    public ClientSession Session { get; } = new();

    public string Run(params string[] args) => Pipeline(args);

    public string Pipeline(params string[][] commands)
    {
        var batch = TestBatch.Of(commands);
        _out.Clear();
        _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
        return Encoding.Latin1.GetString(_out.Written);
    }

    /// <summary>Stops the shards and closes the log (everything written and synced).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Engine.Dispose();
        Log.Dispose();
    }

    /// <summary>The commands in shard <paramref name="shard"/>'s log, each as its arguments joined by spaces.</summary>
    public static List<string> Commands(string dir, int shard)
    {
        string path = Path.Combine(dir, "appendonlydir", $"appendonly.aof.1.shard{shard}.incr.aof");
        var list = new List<string>();
        using var reader = new AofRecordReader(File.OpenRead(path));
        while (reader.Read(out var rec, out _) == AofReadStatus.Record)
            list.Add(string.Join(' ', Enumerable.Range(0, rec!.Args.Length).Select(i => Encoding.Latin1.GetString(rec.Arg(i)))));
        return list;
    }

    public string[] KeysOnDifferentShards(string prefix)
    {
        var keys = new string?[Engine.Shards.Length];
        for (int i = 0; keys.Any(k => k is null); i++)
        {
            string k = prefix + ":" + i;
            keys[Engine.ShardIndexFor(Encoding.ASCII.GetBytes(k))] ??= k;
        }
        return keys!;
    }
}
