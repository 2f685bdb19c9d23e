using System.Text;
using BenchmarkDotNet.Attributes;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

namespace TdbPlus.Bench;

/// <summary>
/// Like <see cref="CommandPathBench"/>, but over 1M resident keys with every batch of 16 GETs or SETs on random
/// ones (redis-benchmark -r 1000000): the index buckets and records are not in the CPU caches, so this shows
/// what a run's lookups cost in memory stalls (and what prefetching them saves), which 16 hot keys cannot.
/// The executor runs on its home shard's thread (the thread-per-core transport's path), 64 batches per
/// message, so the cross-thread hand-off does not drown the per-command cost.
/// </summary>
[MemoryDiagnoser]
public class ColdKeyPathBench
{
    private const int Depth = 16;
    private const int Keys = 1_000_000;
    private const int Batches = 4096;
    private const int BatchesPerInvoke = 64;
    private ShardSet _engine = null!;
    private BatchExecutor _executor = null!;
    private readonly RespParser _parser = new();
    private readonly CommandBatch _batch = new();
    private readonly RespWriter _out = new();
    private byte[][] _gets = [];
    private byte[][] _sets = [];
    private int _next;

    [Params(1)]
    public int Shards { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = new ServerConfig();
        config["shards"].TrySet(Shards.ToString(), out _);
        _engine = new ShardSet(config);
        _engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        _executor = new BatchExecutor(_engine, table, new ClientSession(), _out, _engine.Shards[0]);
        string value = new('v', 64);
        var load = new StringBuilder();
        for (int i = 0; i < Keys; i++)
        {
            string key = $"key:{i:D9}";
            load.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n$64\r\n{value}\r\n");
            if (load.Length > 64 * 1024 || i == Keys - 1)
            {
                var bytes = Encoding.ASCII.GetBytes(load.ToString());
                OnHome(() => Run(bytes));
                load.Clear();
            }
        }
        var rng = new Random(42);
        _gets = new byte[Batches][];
        _sets = new byte[Batches][];
        for (int b = 0; b < Batches; b++)
        {
            var get = new StringBuilder();
            var set = new StringBuilder();
            for (int i = 0; i < Depth; i++)
            {
                string key = $"key:{rng.Next(Keys):D9}";
                get.Append($"*2\r\n$3\r\nGET\r\n${key.Length}\r\n{key}\r\n");
                set.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n$64\r\n{value}\r\n");
            }
            _gets[b] = Encoding.ASCII.GetBytes(get.ToString());
            _sets[b] = Encoding.ASCII.GetBytes(set.ToString());
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark(OperationsPerInvoke = Depth * BatchesPerInvoke)]
    public int Get() => RunMany(_gets);

    [Benchmark(OperationsPerInvoke = Depth * BatchesPerInvoke)]
    public int Set() => RunMany(_sets);

    private int RunMany(byte[][] batches)
    {
        int written = 0;
        OnHome(() =>
        {
            for (int i = 0; i < BatchesPerInvoke; i++) written += Run(batches[_next++ & (Batches - 1)]);
        });
        return written;
    }

    /// <summary>Runs <paramref name="action"/> on the home shard's thread and waits for it.</summary>
    private void OnHome(Action action)
    {
        using var done = new ManualResetEventSlim();
        _engine.Shards[0].Post(new ActionWork(action, done));
        done.Wait();
    }

    private sealed class ActionWork(Action action, ManualResetEventSlim done) : IShardWork
    {
        public void Execute(Shard shard)
        {
            action();
            done.Set();
        }
    }

    private int Run(byte[] requests)
    {
        int pos = 0;
        _batch.Buffer = requests;
        while (true)
        {
            int argStart = _batch.CommittedArgs;
            if (_parser.TryParse(requests, ref pos, _batch.Args) != ParseStatus.Complete) break;
            _batch.Add(argStart, _batch.Args.Count - argStart);
        }
        // Every key is on the home shard (one shard): the batch completes inline.
        if (!_executor.ExecuteAsync(_batch).IsCompletedSuccessfully) throw new InvalidOperationException("batch waited");
        _batch.Clear();
        int written = _out.Length;
        _out.Clear();
        return written;
    }
}
