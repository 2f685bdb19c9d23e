using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;
using TdbPlus.Shards.Tests.Families;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>Whole-keyspace save and load through the RDB codec, each shard's part on its own thread.</summary>
internal static class RdbTestKit
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static void OnShards(CommandHarness h, Action<Shard> action)
    {
        var errors = new List<Exception>();
        foreach (var shard in h.Engine.Shards)
        {
            using var done = new ManualResetEventSlim();
            shard.Post(new Work(s =>
            {
                try
                {
                    action(s);
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e);
                }
                finally
                {
                    done.Set();
                }
            }));
            done.Wait();
        }
        if (errors.Count > 0) throw new AggregateException(errors);
    }

    private sealed class Work(Action<Shard> action) : IShardWork
    {
        public void Execute(Shard shard) => action(shard);
    }

    /// <summary>An RDB file of every key of every database, as SAVE would write it.</summary>
    public static byte[] Save(CommandHarness h, bool compress = true)
    {
        var o = new RdbOutput();
        RdbFormat.WriteHeader(o, [new("redis-ver", "7.0.15"), new("redis-bits", "64"), new("ctime", "1700000000")]);
        var opts = new RdbSaveOptions(compress, lru: false, lfu: false, Now);
        for (int db = 0; db < 16; db++)
        {
            int dbIndex = db;
            var part = new RdbOutput();
            long keys = 0, expires = 0;
            OnShards(h, shard =>
            {
                var d = shard.Databases[dbIndex];
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
        RdbFormat.WriteFunction(o, "#!lua name=kitlib\nredis.register_function('kitf', function() return 1 end)");
        RdbFormat.WriteEof(o, Crc64.Compute(o.Written));
        return o.Written.ToArray();
    }

    private readonly struct EntryWriter(RdbOutput o, Database db, RdbSaveOptions opts) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            RdbFormat.WriteEntry(o, db, rec, opts);
            return true;
        }
    }

    /// <summary>Loads a file into the harness's databases (each shard stores its own keys); returns what the sink saw.</summary>
    public static Sink Load(CommandHarness h, byte[] file)
    {
        Sink? first = null;
        OnShards(h, shard =>
        {
            var sink = new Sink(h, shard);
            new RdbReader(new MemoryStream(file)).Load(sink);
            first ??= sink;
        });
        return first!;
    }

    /// <summary>Stores the entries that belong to one shard, and records the rest of the stream.</summary>
    public sealed class Sink(CommandHarness h, Shard? shard) : IRdbLoadSink
    {
        public readonly Dictionary<string, string> Aux = [];
        public readonly List<string> Functions = [];
        public readonly List<(int Db, string Key, byte Type, long ExpireAt, long Idle, int Freq)> Entries = [];

        public void OnAux(string name, ReadOnlySpan<byte> value) => Aux[name] = Encoding.Latin1.GetString(value);

        public void OnEntry(int db, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq)
        {
            Entries.Add((db, Encoding.Latin1.GetString(key), value.Type, expireAtMs, lruIdleSeconds, lfuFreq));
            if (shard is null || h.Engine.ShardFor(key) != shard) return;
            value.StoreInto(shard.Databases[db], key, expireAtMs, Now);
        }

        public void OnFunction(string libraryCode) => Functions.Add(libraryCode);
    }
}
