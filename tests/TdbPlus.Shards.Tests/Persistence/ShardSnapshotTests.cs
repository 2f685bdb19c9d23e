using System.Text;
using Record = TdbPlus.Shards.Storage.Record;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Persistence.Snapshot;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>
/// A shard's snapshot keeps the image of the instant it began: whatever the database does to a record the walk has
/// not reached (overwrite, delete, expire, flush, swap), the old value is written first, and nothing twice.
/// </summary>
public sealed class ShardSnapshotTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly ShardSet _engine;
    private readonly string _dir = Directory.CreateTempSubdirectory("tdbplus-shard-snapshot-").FullName;

    public ShardSnapshotTests()
    {
        var config = new ServerConfig();
        config["shards"].TrySet("1", out _);
        _engine = new ShardSet(config); // not started: the test thread owns the shard, as a parked coordinator would
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Shard Shard => _engine.Shards[0];

    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private void Fill(int db, int count)
    {
        for (int i = 0; i < count; i++) Shard.Db(db).SetString(B($"k{i}"), B($"v{i}"), 0, Now);
    }

    private (ShardSnapshot Snapshot, SnapshotFile File, string Path) Begin()
    {
        string path = System.IO.Path.Combine(_dir, "dump.rdb");
        var file = new SnapshotFile(path, 1);
        var header = new RdbOutput();
        RdbFormat.WriteHeader(header, [new("redis-ver", "7.0.15")]);
        file.Start(header.Written);
        var snapshot = new ShardSnapshot(_engine, Shard, file, new RdbSaveOptions { NowMs = Now }, 0);
        snapshot.Begin();
        return (snapshot, file, path);
    }

    private static Dictionary<(int Db, string Key), string> Read(string path)
    {
        var sink = new Collector();
        using var stream = File.OpenRead(path);
        new RdbReader(stream).Load(sink);
        return sink.Entries;
    }

    [Fact]
    public async Task WritesDuringTheWalkLeaveTheImageOfTheStart()
    {
        Fill(0, 5000);
        var (snapshot, file, path) = Begin();
        var db = Shard.Db(0);
        db.SetString(B("k1"), B("changed"), 0, Now);
        db.Delete(B("k2"));
        db.SetString(B("born-later"), B("x"), 0, Now);
        nint rec = db.FindForWrite(B("k3"), Now);
        Record.Value(rec)[0] = (byte)'X'; // an in-place change through the write lookup
        db.SetExpire(db.Find(B("k4"), Now), Now + 1000);
        snapshot.RunToCompletion();
        await file.Completion;

        var image = Read(path);
        Assert.Equal(5000, image.Count);
        Assert.Equal("v1", image[(0, "k1")]);
        Assert.Equal("v2", image[(0, "k2")]);
        Assert.Equal("v3", image[(0, "k3")]);
        Assert.False(image.ContainsKey((0, "born-later")));
        Assert.Equal(5000, snapshot.KeysSaved);
        Assert.Equal(5000, snapshot.KeysAtStart);
        Assert.Null(Shard.Store.Snapshot);
        // Every record reads as saved again, so the next snapshot's flip makes all of them unsaved at once.
        Assert.False(db.IsUnsaved(db.Find(B("k10"), Now)));
    }

    [Fact]
    public async Task FlushAndSwapDuringTheWalkWriteTheRestFirst()
    {
        Fill(0, 3000);
        Fill(1, 1000);
        Shard.Db(1).SetString(B("only-in-1"), B("one"), 0, Now);
        var (snapshot, file, path) = Begin();
        Shard.Db(0).SwapWith(Shard.Db(1));
        Shard.Db(1).Clear();
        Shard.Db(0).SetString(B("after"), B("x"), 0, Now);
        snapshot.RunToCompletion();
        await file.Completion;

        var image = Read(path);
        Assert.Equal(3000 + 1001, image.Count);
        Assert.Equal("v2999", image[(0, "k2999")]);
        Assert.Equal("one", image[(1, "only-in-1")]);
        Assert.False(image.ContainsKey((0, "after")));
    }

    [Fact]
    public async Task ExpiredKeysRemovedDuringTheWalkAreStillInTheImage()
    {
        var db = Shard.Db(0);
        db.SetString(B("soon"), B("gone"), Now + 10, Now);
        Fill(0, 100);
        var (snapshot, file, path) = Begin();
        Assert.Equal(0, db.Find(B("soon"), Now + 20)); // lazily expired and deleted
        snapshot.RunToCompletion();
        await file.Completion;
        Assert.Equal("gone", Read(path)[(0, "soon")]);
    }

    private sealed class Collector : IRdbLoadSink
    {
        public Dictionary<(int, string), string> Entries { get; } = [];

        public void OnAux(string name, ReadOnlySpan<byte> value)
        {
        }

        public void OnEntry(int db, ReadOnlySpan<byte> key, in RdbValue value, long expireAtMs, long lruIdleSeconds, int lfuFreq) =>
            Entries.Add((db, Encoding.ASCII.GetString(key)), Encoding.ASCII.GetString(value.String));

        public void OnFunction(string libraryCode)
        {
        }
    }
}
