using System.Text;
using TdbPlus.Shards.Persistence.Aof;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>Replay of the shards' logs: local order, multi-shard units once and atomically, torn tails, corruption.</summary>
public sealed class AofReplayTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tdbplus-aofreplay-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string Resp(params string[][] commands)
    {
        var sb = new StringBuilder();
        foreach (var c in commands)
        {
            sb.Append('*').Append(c.Length).Append("\r\n");
            foreach (var a in c) sb.Append('$').Append(Encoding.Latin1.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }
        return sb.ToString();
    }

    private static (List<string> Ran, List<string> Warnings, List<AofShardCursor> Cursors) Replay(params string[] files)
    {
        var ran = new List<string>();
        var warnings = new List<string>();
        var cursors = files.Select((f, i) => new AofShardCursor($"shard{i}", new MemoryStream(Encoding.Latin1.GetBytes(f)))).ToList();
        new AofReplay(cursors, r => ran.Add($"{r.Db}:" + string.Join(' ', Enumerable.Range(0, r.Args.Length).Select(i => Encoding.Latin1.GetString(r.Arg(i))))),
            warnings.Add).Run();
        return (ran, warnings, cursors);
    }

    [Fact]
    public void LocalRecordsRunInOrderAndAUnitRunsOnceWhenAtTheHeadOfEveryParticipant()
    {
        string s0 = Resp(["SELECT", "2"], ["SET", "a", "1"], ["TDB.TXBEGIN", "7", "2"], ["SELECT", "2"], ["MSET", "a", "2", "b", "2"],
            ["TDB.TXEND", "7"], ["SET", "a", "3"]);
        string s1 = Resp(["SELECT", "2"], ["SET", "b", "1"], ["TDB.TXBEGIN", "7", "2"], ["SELECT", "2"], ["MSET", "a", "2", "b", "2"],
            ["TDB.TXEND", "7"], ["MULTI"], ["SET", "b", "3"], ["SELECT", "4"], ["SET", "c", "4"], ["EXEC"]);
        var (ran, warnings, cursors) = Replay(s0, s1);
        Assert.Equal(["2:SET a 1", "2:SET b 1", "2:MSET a 2 b 2", "2:SET a 3", "2:SET b 3", "4:SET c 4"], ran);
        Assert.Empty(warnings);
        Assert.All(cursors, c => Assert.Equal(-1, c.TornAt));
    }

    [Fact]
    public void UnitsRunInGlobalOrderAcrossShards()
    {
        string s0 = Resp(["TDB.TXBEGIN", "1", "2"], ["SET", "x", "1"], ["TDB.TXEND", "1"], ["TDB.TXBEGIN", "3", "2"], ["SET", "x", "3"], ["TDB.TXEND", "3"]);
        string s1 = Resp(["TDB.TXBEGIN", "1", "2"], ["SET", "x", "1"], ["TDB.TXEND", "1"], ["TDB.TXBEGIN", "2", "2"], ["SET", "y", "2"], ["TDB.TXEND", "2"],
            ["TDB.TXBEGIN", "3", "2"], ["SET", "x", "3"], ["TDB.TXEND", "3"]);
        string s2 = Resp(["TDB.TXBEGIN", "2", "2"], ["SET", "y", "2"], ["TDB.TXEND", "2"]);
        var (ran, _, _) = Replay(s0, s1, s2);
        Assert.Equal(["0:SET x 1", "0:SET y 2", "0:SET x 3"], ran);
    }

    [Fact]
    public void AUnitMissingFromAParticipantIsDroppedEverywhere()
    {
        string unit = Resp(["TDB.TXBEGIN", "5", "2"], ["INCR", "a"], ["INCR", "b"], ["TDB.TXEND", "5"]);
        string s0 = Resp(["SET", "a", "1"]) + unit + Resp(["SET", "a", "9"]);
        string full1 = Resp(["SET", "b", "1"]) + unit;
        string s1 = full1[..(full1.Length - 8)]; // the unit torn inside its TDB.TXEND
        var (ran, warnings, cursors) = Replay(s0, s1);
        Assert.Equal(["0:SET a 1", "0:SET b 1", "0:SET a 9"], ran);
        Assert.Single(warnings);
        Assert.Contains("Dropping multi-shard transaction 5", warnings[0]);
        Assert.Equal(-1, cursors[0].TornAt);
        Assert.Equal(Encoding.Latin1.GetByteCount(Resp(["SET", "b", "1"])), cursors[1].TornAt);
    }

    [Fact]
    public void ATornCommandOrMultiAtTheEndIsReportedWhereItStarts()
    {
        string good = Resp(["SET", "a", "1"]);
        var (ran, _, cursors) = Replay(good + "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n", good + Resp(["MULTI"], ["SET", "c", "1"]));
        Assert.Equal(["0:SET a 1", "0:SET a 1"], ran);
        Assert.Equal(good.Length, cursors[0].TornAt);
        Assert.Equal(good.Length, cursors[1].TornAt);
    }

    [Fact]
    public void GarbageInTheMiddleIsRefusedWithItsOffset()
    {
        string file = Resp(["SET", "a", "1"]) + "+OK\r\n" + Resp(["SET", "b", "2"]);
        var ex = Assert.Throws<AofLoadException>(() => Replay(file));
        Assert.Contains("Bad file format reading the append only file shard0 at offset 27 (expected '*')", ex.Message);
        var bad = Assert.Throws<AofLoadException>(() => Replay(Resp(["SET", "a", "1"], ["EXEC"])));
        Assert.Contains("EXEC without its start", bad.Message);
    }

    [Fact]
    public void AShardsFilesAfterARewriteBeganReplayAsOneLog()
    {
        var files = new Dictionary<string, string>
        {
            ["old"] = Resp(["SELECT", "1"], ["SET", "a", "1"]),
            ["new"] = Resp(["SET", "b", "2"]) + "*1\r\n",
        };
        var ran = new List<string>();
        var cursor = new AofShardCursor(["old", "new"], f => new MemoryStream(Encoding.Latin1.GetBytes(files[f])));
        new AofReplay([cursor], r => ran.Add($"{r.Db}:{Encoding.Latin1.GetString(r.Arg(0))}"), _ => { }).Run();
        Assert.Equal(["1:SET", "1:SET"], ran);
        Assert.Equal("new", cursor.Path);
        Assert.Equal(Encoding.Latin1.GetByteCount(files["new"]) - 4, cursor.TornAt);
        files["old"] += "*2\r\n$3\r\nDEL";
        var torn = new AofShardCursor(["old", "new"], f => new MemoryStream(Encoding.Latin1.GetBytes(files[f])));
        var ex = Assert.Throws<AofLoadException>(() => new AofReplay([torn], _ => { }, _ => { }).Run());
        Assert.Contains("unexpected end of a file that is not the shard's last", ex.Message);
    }

    [Fact]
    public void TheManifestKeepsEachShardsFilesInOrder()
    {
        var m = AofManifest.Parse(
            "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.3.shard1.incr.aof seq 3 type i shard 1\n" +
            "file appendonly.aof.2.shard0.incr.aof seq 2 type i shard 0\nfile appendonly.aof.3.shard0.incr.aof seq 3 type i shard 0\n" +
            "file appendonly.aof.2.shard1.incr.aof seq 2 type i shard 1\n", "m");
        Assert.Equal("appendonly.aof.2.base.rdb", m.BaseFile);
        Assert.Equal(2, m.Shards);
        Assert.Equal(["appendonly.aof.2.shard0.incr.aof", "appendonly.aof.3.shard0.incr.aof"], m.Incr[0].Select(f => f.File));
        Assert.Equal(["appendonly.aof.3.shard0.incr.aof", "appendonly.aof.3.shard1.incr.aof"], m.CurrentIncr);
        Assert.Equal(3, m.IncrSeq);
        Assert.Equal(m.Format(), AofManifest.Parse(m.Format(), "m").Format());
        Assert.Throws<AofLoadException>(() => AofManifest.Parse("file x seq 1 type i\n", "m"));
        Assert.Throws<AofLoadException>(() => AofManifest.Parse("file ../x seq 1 type i shard 0\n", "m"));
    }

    [Fact]
    public void ALoggedDatasetLoadsBackWithMultiShardTransactionsWhole()
    {
        string[] keys;
        using (var h = new AofHarness(_dir, 3, fsync: "always"))
        {
            keys = h.KeysOnDifferentShards("k");
            h.Run("MSET", keys[0], "1", keys[1], "1", keys[2], "1");
            h.Pipeline(["MULTI"], ["INCR", keys[0]], ["INCR", keys[1]], ["EXEC"]);
            h.Run("HSET", "h", "f", "v");
            h.Run("ZADD", "z", "2", "m");
            h.Run("SET", "ttl", "v", "EX", "1000");
            h.Run("SADD", "s", "1", "2", "3");
            h.Run("SPOP", "s");
            h.Run("RPUSH", "l", "a", "b");
            h.Run("RENAME", "l", keys[2]);
        }
        using (var h = new AofHarness(_dir, 3))
        {
            Assert.True(h.Loaded);
            Assert.Equal("*3\r\n$1\r\n2\r\n$1\r\n2\r\n$-1\r\n", h.Run("MGET", keys[0], keys[1], "l"));
            Assert.Equal("*2\r\n$1\r\na\r\n$1\r\nb\r\n", h.Run("LRANGE", keys[2], "0", "-1"));
            Assert.Equal("$1\r\nv\r\n", h.Run("HGET", "h", "f"));
            Assert.Equal(":2\r\n", h.Run("SCARD", "s"));
            Assert.InRange(long.Parse(h.Run("TTL", "ttl").AsSpan(1).TrimEnd("\r\n")), 995, 1000);
            Assert.Empty(h.Warnings);
        }
    }

    [Fact]
    public void AShardCountOtherThanTheLogsIsRefusedWhenLogging()
    {
        using (var h = new AofHarness(_dir, 2)) h.Run("SET", "a", "1");
        var ex = Assert.Throws<AofLoadException>(() => new AofHarness(_dir, 3));
        Assert.Contains("has 2 shard files but the server runs 3 shards", ex.Message);
        using (var h = new AofHarness(_dir, 3, appendOnly: false)) Assert.Equal("$1\r\n1\r\n", h.Run("GET", "a"));
    }
}
