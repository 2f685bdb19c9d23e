using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Tests.Families;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>Every type and encoding written with RdbFormat, read back with RdbReader: same content, same encoding.</summary>
public sealed class RdbRoundTripTests
{
    internal static readonly string[][] Population =
    [
        ["SET", "str", "hello"],
        ["SET", "int", "12345"],
        ["SET", "neg", "-70000"],
        ["SET", "big", "3000000000"],
        ["SET", "lzf", string.Concat(Enumerable.Repeat("abcdefgh", 40))],
        ["SET", "bin", "\u0000\u00ff\r\n\u0001"],
        ["SET", "empty", ""],
        ["SET", "ttl", "v", "PX", "5000000"],
        ["HSET", "hlp", "f1", "v1", "f2", "123", "f3", "-7"],
        ["HSET", "hlong", "a", new string('z', 100)],
        ["HSET", "hbig", .. Enumerable.Range(0, 600).SelectMany(i => new[] { "field" + i, "value" + i })],
        ["SADD", "sint", "1", "2", "3", "-100000", "5000000000"],
        ["SADD", "sstr", "a", "b", "c"],
        ["SADD", "sbig", .. Enumerable.Range(0, 700).Select(i => i.ToString())],
        ["ZADD", "zlp", "1", "a", "2.5", "b", "-3", "c", "1e20", "d", "inf", "e", "-inf", "f"],
        ["ZADD", "zsl", .. Enumerable.Range(0, 200).SelectMany(i => new[] { (i / 3.0).ToString("R"), "m" + i })],
        ["ZADD", "zlong", "1", new string('q', 80)],
        ["RPUSH", "lsmall", "a", "b", "1", "2", "300000"],
        ["RPUSH", "lbig", .. Enumerable.Range(0, 5000).Select(i => "element-" + i)],
        ["LPUSH", "lleft", .. Enumerable.Range(0, 3000).Select(i => "e" + i)],
        ["RPUSH", "lhuge", new string('h', 20000), "x"],
        ["XADD", "st", "1-1", "a", "1", "b", "2"],
        ["XADD", "st", "1-2", "a", "3", "b", "4"],
        ["XADD", "st", "2-0", "c", "x"],
        ["XADD", "st", "3-0", "a", "5", "b", "6"],
        ["XDEL", "st", "1-2"],
        ["XGROUP", "CREATE", "st", "g1", "0"],
        ["XGROUP", "CREATE", "st", "g2", "$"],
        ["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "st", ">"],
        ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "st", ">"],
        ["XGROUP", "CREATECONSUMER", "st", "g1", "carol"],
        ["XADD", "sbigstream", "1-1", "k", "v"],
        .. Enumerable.Range(2, 400).Select(i => new[] { "XADD", "sbigstream", i + "-1", "k", "v" + i }),
        ["XADD", "sempty", "1-1", "k", "v"],
        ["XDEL", "sempty", "1-1"],
    ];

    internal static List<string> Populate(CommandHarness h)
    {
        foreach (var cmd in Population) Assert.DoesNotContain("-ERR", h.Run(cmd));
        h.Run("SET", "indb3", "three");
        h.Run("HSET", "hdb3", "f", "v");
        Assert.Equal(":1\r\n", h.Run("MOVE", "indb3", "3"));
        Assert.Equal(":1\r\n", h.Run("MOVE", "hdb3", "3"));
        return Population.Select(c => c[1]).Distinct().Where(k => h.Run("EXISTS", k) == ":1\r\n").ToList();
    }

    private static void AssertSame(CommandHarness a, CommandHarness b, string key)
    {
        Assert.Equal(a.Run("TYPE", key), b.Run("TYPE", key));
        Assert.Equal(a.Run("OBJECT", "ENCODING", key), b.Run("OBJECT", "ENCODING", key));
        Assert.True(a.Run("DUMP", key) == b.Run("DUMP", key), key);
        Assert.Equal(a.Run("EXPIRETIME", key), b.Run("EXPIRETIME", key));
    }

    [Fact]
    public void EveryTypeAndEncodingSurvivesAFileRoundTrip()
    {
        using var a = new CommandHarness(3);
        var keys = Populate(a);
        byte[] file = RdbTestKit.Save(a);
        using var b = new CommandHarness(2);
        var sink = RdbTestKit.Load(b, file);
        Assert.Equal("7.0.15", sink.Aux["redis-ver"]);
        Assert.Single(sink.Functions);
        foreach (var key in keys) AssertSame(a, b, key);
        Assert.Equal(a.Run("XINFO", "STREAM", "st", "FULL"), b.Run("XINFO", "STREAM", "st", "FULL"));
        Assert.Equal(a.Run("XINFO", "STREAM", "sempty", "FULL"), b.Run("XINFO", "STREAM", "sempty", "FULL"));
        Assert.Equal(a.Run("LRANGE", "lleft", "0", "-1"), b.Run("LRANGE", "lleft", "0", "-1"));
        Assert.Equal(a.Run("HGETALL", "hbig"), b.Run("HGETALL", "hbig"));
        Assert.Equal(a.Run("SMEMBERS", "sbig"), b.Run("SMEMBERS", "sbig"));
        Assert.Equal(0, sink.Entries.Single(e => e.Key == "str").Db);
        Assert.Equal(3, sink.Entries.Single(e => e.Key == "indb3").Db);
        Assert.Equal(3, sink.Entries.Single(e => e.Key == "hdb3").Db);
        Assert.True(Exists(b, "indb3", 3) && Exists(b, "hdb3", 3) && !Exists(b, "str", 3) && !Exists(b, "indb3", 0));
        var ttl = sink.Entries.Single(e => e.Key == "ttl");
        Assert.InRange(ttl.ExpireAt, RdbTestKit.Now + 4_000_000, RdbTestKit.Now + 5_000_000);
        Assert.Equal(KeyType.Stream, sink.Entries.Single(e => e.Key == "st").Type);
    }

    [Fact]
    public void UncompressedFilesRoundTripToo()
    {
        using var a = new CommandHarness(1);
        var keys = Populate(a);
        byte[] plain = RdbTestKit.Save(a, compress: false);
        byte[] packed = RdbTestKit.Save(a, compress: true);
        Assert.True(packed.Length < plain.Length);
        using var b = new CommandHarness(1);
        RdbTestKit.Load(b, plain);
        foreach (var key in keys) AssertSame(a, b, key);
    }

    [Fact]
    public void DumpThenRestoreKeepsEveryValueAndEncoding()
    {
        using var a = new CommandHarness(2);
        var keys = Populate(a);
        foreach (var key in keys)
        {
            byte[] payload = a.Bulk("DUMP", key)!;
            Assert.Equal("+OK\r\n", a.RunBytes(B("RESTORE"), B(key + "-copy"), B("0"), payload));
            Assert.Equal(a.Run("OBJECT", "ENCODING", key), a.Run("OBJECT", "ENCODING", key + "-copy"));
            Assert.True(payload.AsSpan().SequenceEqual(a.Bulk("DUMP", key + "-copy")), key);
        }
    }

    [Fact]
    public void LoadedValuesTakeTheConfiguredEncodingLimits()
    {
        using var a = new CommandHarness(1);
        a.Run("HSET", "h", "a", "1", "b", "2", "c", "3");
        a.Run("ZADD", "z", "1", "a", "2", "b", "3", "c");
        a.Run("SADD", "s", "1", "2", "3");
        byte[] hash = a.Bulk("DUMP", "h")!, zset = a.Bulk("DUMP", "z")!, set = a.Bulk("DUMP", "s")!;
        var limits = RdbLimits.Default with { HashMaxListpackEntries = 2, SetMaxIntsetEntries = 2, ZSet = new(2, 64) };
        Assert.Equal("hashtable", DumpPayload.Read(hash, limits).Object!.Encoding);
        Assert.Equal("skiplist", DumpPayload.Read(zset, limits).Object!.Encoding);
        Assert.Equal("hashtable", DumpPayload.Read(set, limits).Object!.Encoding);
        Assert.Equal("listpack", DumpPayload.Read(hash, RdbLimits.Default).Object!.Encoding);
    }

    [Fact]
    public void BytesReadTellsWhereTheRdbEndsInsideALargerStream()
    {
        using var h = new CommandHarness(1);
        Populate(h);
        byte[] rdb = RdbTestKit.Save(h);
        var stream = new MemoryStream();
        stream.Write("junk"u8);
        stream.Write(rdb);
        stream.Write("*1\r\n$4\r\nPING\r\n"u8);
        stream.Position = 4;
        var reader = new RdbReader(stream);
        reader.Load(new RdbTestKit.Sink(null!, null));
        Assert.Equal(rdb.Length, reader.BytesRead);
        stream.Position = 4 + reader.BytesRead;
        Assert.Equal((byte)'*', stream.ReadByte());
    }

    [Fact]
    public void IdleOrFreqIsWrittenAsThePolicyAsks()
    {
        using var h = new CommandHarness(1);
        h.Run("SET", "k", "v");
        foreach (var (lru, lfu) in new[] { (true, false), (false, true), (false, false) })
        {
            var o = new RdbOutput();
            RdbFormat.WriteHeader(o, []);
            RdbTestKit.OnShards(h, shard =>
            {
                var db = shard.Databases[0];
                nint rec = db.Find(B("k"), RdbTestKit.Now);
                RdbFormat.WriteEntry(o, db, rec, new RdbSaveOptions(true, lru, lfu, RdbTestKit.Now + 5000));
            });
            RdbFormat.WriteEof(o, Crc64.Compute(o.Written));
            var sink = new RdbTestKit.Sink(null!, null);
            new RdbReader(new MemoryStream(o.Written.ToArray())).Load(sink);
            var e = Assert.Single(sink.Entries);
            if (lru) Assert.InRange(e.Idle, 4, 6);
            else Assert.Equal(-1, e.Idle);
            if (lfu) Assert.InRange(e.Freq, 0, 255);
            else Assert.Equal(-1, e.Freq);
        }
    }

    private static bool Exists(CommandHarness h, string key, int db)
    {
        var k = B(key);
        bool found = false;
        RdbTestKit.OnShards(h, shard =>
        {
            if (h.Engine.ShardFor(k) == shard) found = shard.Databases[db].Find(k, RdbTestKit.Now) != 0;
        });
        return found;
    }

    internal static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
}
