using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Persistence;
using TdbPlus.Shards.Storage;

using TdbPlus.Shards.Tests.Execution;

namespace TdbPlus.RedisCompat;

/// <summary>
/// A TDB+ shard engine inside the test process, driven through the real executor, whose databases the RDB
/// codec writes to and loads from directly (each shard's part on its own thread).
/// </summary>
public sealed class InProcessEngine : IDisposable
{
    private readonly RespWriter _out = new(1024);
    private readonly BatchExecutor _executor;
    private readonly ShardSet _engine;

    public InProcessEngine(int shards = 2)
    {
        var config = new ServerConfig();
        if (!config["shards"].TrySet(shards.ToString(), out _)) throw new InvalidOperationException("shards");
        _engine = new ShardSet(config);
        _engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        table.AddRange(DumpFamily.Commands());
        _executor = new BatchExecutor(_engine, table, new ClientSession(), _out);
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Runs one command; the raw RESP2 reply.</summary>
    public byte[] Run(params string[] args)
    {
        var batch = TestBatch.Of([args]);
        _out.Clear();
        _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
        return _out.Written.ToArray();
    }

    private void OnShards(Action<Shard> action)
    {
        foreach (var shard in _engine.Shards)
        {
            Exception? error = null;
            using var done = new ManualResetEventSlim();
            shard.Post(new Work(s =>
            {
                try
                {
                    action(s);
                }
                catch (Exception e)
                {
                    error = e;
                }
                finally
                {
                    done.Set();
                }
            }));
            done.Wait();
            if (error is not null) throw new InvalidOperationException("on shard: " + error.Message, error);
        }
    }

    private sealed class Work(Action<Shard> action) : IShardWork
    {
        public void Execute(Shard shard) => action(shard);
    }

    /// <summary>Writes every database as an RDB file, as SAVE lays it out.</summary>
    public void SaveRdb(string path)
    {
        var o = new RdbOutput();
        RdbFormat.WriteHeader(o, [new("redis-ver", "7.0.15"), new("redis-bits", "64")]);
        var opts = new RdbSaveOptions(compress: true, lru: false, lfu: false, Now);
        for (int db = 0; db < 16; db++)
        {
            int index = db;
            var part = new RdbOutput();
            long keys = 0, expires = 0;
            OnShards(shard =>
            {
                var d = shard.Databases[index];
                keys += d.Count;
                expires += d.VolatileCount;
                var writer = new EntryWriter(part, d, opts);
                d.ForEach(ref writer);
            });
            if (keys == 0) continue;
            RdbFormat.WriteSelectDb(o, db);
            RdbFormat.WriteResizeDb(o, keys, expires);
            o.Write(part.Written);
        }
        RdbFormat.WriteEof(o, Crc64.Compute(o.Written));
        File.WriteAllBytes(path, o.Written.ToArray());
    }

    private readonly struct EntryWriter(RdbOutput o, Database db, RdbSaveOptions opts) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            RdbFormat.WriteEntry(o, db, rec, opts);
            return true;
        }
    }

    /// <summary>Loads an RDB file (each shard reads it and stores its own keys); the keys seen, with their db.</summary>
    public List<(int Db, string Key)> LoadRdb(string path)
    {
        var keys = new List<(int, string)>();
        OnShards(shard =>
        {
            var sink = new Sink(_engine, shard, keys.Count == 0 ? keys : null);
            using var file = File.OpenRead(path);
            new RdbReader(file, RdbLimits.From(_engine.Config)).Load(sink);
        });
        return keys;
    }

    private sealed class Sink(ShardSet engine, Shard shard, List<(int, string)>? seen) : IRdbLoadSink
    {
        public void OnAux(string name, ReadOnlySpan<byte> value)
        {
        }

        public void OnEntry(int db, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq)
        {
            seen?.Add((db, Encoding.Latin1.GetString(key)));
            if (engine.ShardFor(key) != shard) return;
            if (expireAtMs != 0 && expireAtMs <= Now) return;
            value.StoreInto(shard.Databases[db], key, expireAtMs, Now);
        }

        public void OnFunction(string libraryCode)
        {
        }
    }

    public void Dispose() => _engine.Dispose();
}
