using System.Text;
using BenchmarkDotNet.Attributes;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Bench;

/// <summary>
/// RDB save and load of 1M string keys with 64-byte values, the dataset redis-server's
/// DEBUG POPULATE 1000000 key 64 makes ("key:N" -> "value:N" zero-padded), for keys/s and MB/s:
/// dotnet run -c Release --project bench/TdbPlus.Bench -- --filter '*RdbCodecBench*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class RdbCodecBench
{
    private const int Keys = 1_000_000;
    private ShardStore _store = null!;
    private Database _db = null!;
    private RdbOutput _out = null!;
    private byte[] _file = [];

    [Params(true, false)]
    public bool Compress { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new ShardStore();
        _db = new Database(_store, 0);
        var value = new byte[64];
        for (int i = 0; i < Keys; i++)
        {
            Array.Clear(value);
            Encoding.ASCII.GetBytes($"value:{i}", value);
            _db.SetString(Encoding.ASCII.GetBytes($"key:{i}"), value, 0, 0);
        }
        _out = new RdbOutput(96 << 20);
        Save();
        _file = _out.Written.ToArray();
        Console.WriteLine($"// RDB file of {Keys} keys: {_file.Length} bytes (compress={Compress})");
    }

    [GlobalCleanup]
    public void Cleanup() => _db.Dispose();

    [Benchmark]
    public int Save()
    {
        _out.Clear();
        RdbFormat.WriteHeader(_out, [new("redis-ver", "7.0.15")]);
        RdbFormat.WriteSelectDb(_out, 0);
        RdbFormat.WriteResizeDb(_out, _db.Count, 0);
        var writer = new Writer(_out, _db, new RdbSaveOptions(Compress, false, false, 0));
        _db.ForEach(ref writer);
        RdbFormat.WriteEof(_out, Crc64.Compute(_out.Written));
        return _out.Length;
    }

    [Benchmark]
    public long Load()
    {
        var store = new ShardStore();
        using var db = new Database(store, 0);
        new RdbReader(new MemoryStream(_file)).Load(new Sink(db));
        return db.Count;
    }

    private readonly struct Writer(RdbOutput o, Database db, RdbSaveOptions opts) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            RdbFormat.WriteEntry(o, db, rec, opts);
            return true;
        }
    }

    private sealed class Sink(Database db) : IRdbLoadSink
    {
        public void OnAux(string name, ReadOnlySpan<byte> value)
        {
        }

        public void OnEntry(int dbIndex, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq) =>
            value.StoreInto(db, key, expireAtMs, 0);

        public void OnFunction(string libraryCode)
        {
        }
    }
}
