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
/// Parse + dispatch + reply of pipelined GET and SET through the real executor and shard thread, as a
/// connection runs them (16 commands per batch); MemoryDiagnoser shows bytes allocated per command.
/// </summary>
[MemoryDiagnoser]
public class CommandPathBench
{
    private const int Depth = 16;
    private ShardSet _engine = null!;
    private BatchExecutor _executor = null!;
    private readonly RespParser _parser = new();
    private readonly CommandBatch _batch = new();
    private readonly RespWriter _out = new();
    private byte[] _getRequests = [];
    private byte[] _setRequests = [];

    [Params(1, 2)]
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
        _executor = new BatchExecutor(_engine, table, new ClientSession(), _out);
        var get = new StringBuilder();
        var set = new StringBuilder();
        string value = new('v', 64);
        for (int i = 0; i < Depth; i++)
        {
            string key = $"key:{i:D9}";
            get.Append($"*2\r\n$3\r\nGET\r\n${key.Length}\r\n{key}\r\n");
            set.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n$64\r\n{value}\r\n");
        }
        _getRequests = Encoding.ASCII.GetBytes(get.ToString());
        _setRequests = Encoding.ASCII.GetBytes(set.ToString());
        Run(_setRequests);
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark(OperationsPerInvoke = Depth)]
    public int Get() => Run(_getRequests);

    [Benchmark(OperationsPerInvoke = Depth)]
    public int Set() => Run(_setRequests);

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
        var pending = _executor.ExecuteAsync(_batch);
        var spin = new SpinWait();
        while (!pending.IsCompleted) spin.SpinOnce(-1);
        pending.GetAwaiter().GetResult();
        _batch.Clear();
        int written = _out.Length;
        _out.Clear();
        return written;
    }
}
