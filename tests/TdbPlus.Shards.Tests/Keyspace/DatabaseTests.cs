using System.Text;
using TdbPlus.Shards.Keyspace;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Keyspace;

public sealed class DatabaseTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly ShardStore _store = new();
    private readonly Database _db;

    public DatabaseTests() => _db = new Database(_store, 0);

    public void Dispose()
    {
        _db.Dispose();
        _store.Dispose();
    }

    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void SetReplaceAndDeleteKeepCountsAndMemoryBalanced()
    {
        long baseline = _store.Arena.UsedBytes;
        _db.SetString(B("k"), B("v1"), 0, Now);
        _db.SetString(B("k"), B("a longer value"), 0, Now);
        Assert.Equal(1, _db.Count);
        nint rec = _db.Find(B("k"), Now);
        Assert.Equal("a longer value", Encoding.ASCII.GetString(Record.Value(rec)));
        Assert.True(_db.Delete(B("k")));
        Assert.False(_db.Delete(B("k")));
        Assert.Equal(0, _db.Count);
        Assert.Equal(baseline, _store.Arena.UsedBytes);
    }

    [Fact]
    public void KeyExpiresOnlyAfterItsDeadline()
    {
        _db.SetString(B("k"), B("v"), Now + 100, Now);
        Assert.Equal(1, _db.VolatileCount);
        Assert.NotEqual(0, _db.Find(B("k"), Now + 100));
        Assert.Equal(0, _db.Find(B("k"), Now + 101));
        Assert.Equal(0, _db.Count);
        Assert.Equal(0, _db.VolatileCount);
        Assert.Equal(1, _db.ExpiredKeys);
    }

    [Fact]
    public void SetExpireAddsAndClearsTheTtlAndMovesTheRecord()
    {
        nint rec = _db.SetString(B("k"), B("value"), 0, Now);
        rec = _db.SetExpire(rec, Now + 5000);
        Assert.Equal(Now + 5000, Record.ExpireAt(rec));
        Assert.Equal(1, _db.VolatileCount);
        Assert.Equal("value", Encoding.ASCII.GetString(Record.Value(_db.Find(B("k"), Now))));
        rec = _db.SetExpire(rec, 0);
        Assert.False(Record.HasExpire(rec));
        Assert.Equal(0, _db.VolatileCount);
        Assert.Equal("value", Encoding.ASCII.GetString(Record.Value(_db.Find(B("k"), Now + 10_000))));
    }

    [Fact]
    public void ReshapeGrowsValueKeepingPrefixAndTtl()
    {
        nint rec = _db.SetString(B("k"), B("abc"), Now + 1000, Now);
        rec = _db.Reshape(rec, 6, Record.ExpireAt(rec));
        B("def").CopyTo(Record.Value(rec)[3..]);
        nint found = _db.Find(B("k"), Now);
        Assert.Equal(rec, found);
        Assert.Equal("abcdef", Encoding.ASCII.GetString(Record.Value(found)));
        Assert.Equal(Now + 1000, Record.ExpireAt(found));
    }

    [Fact]
    public void ActiveExpiryRemovesExpiredKeysWithoutAccess()
    {
        for (int i = 0; i < 1000; i++) _db.SetString(B($"t{i}"), B("v"), Now + 10, Now);
        for (int i = 0; i < 100; i++) _db.SetString(B($"p{i}"), B("v"), 0, Now);
        ulong rng = 12345;
        for (int round = 0; round < 100 && _db.VolatileCount > 0; round++) _db.ExpireCycle(Now + 11, 200, ref rng);
        Assert.Equal(0, _db.VolatileCount);
        Assert.Equal(100, _db.Count);
    }

    [Fact]
    public void RichTypeHandlesAreReleasedOnDelete()
    {
        nint rec = _db.Create(B("h"), 0, 0, KeyType.Hash, Now);
        Record.SetHandle(rec, _store.Objects.Add(new Dictionary<string, string>()));
        Assert.Equal(1, _store.Objects.Count);
        _db.Delete(B("h"));
        Assert.Equal(0, _store.Objects.Count);
    }

    [Fact]
    public void SwapAndClear()
    {
        using var other = new Database(_store, 1);
        _db.SetString(B("a"), B("1"), 0, Now);
        other.SetString(B("b"), B("2"), Now + 1000, Now);
        _db.SwapWith(other);
        Assert.NotEqual(0, _db.Find(B("b"), Now));
        Assert.Equal(1, _db.VolatileCount);
        Assert.NotEqual(0, other.Find(B("a"), Now));
        _db.Clear();
        Assert.Equal(0, _db.Count);
        Assert.Equal(0, _db.VolatileCount);
    }

    [Fact]
    public void LruAndLfuAccessDataFollowRedis()
    {
        var access = _store.Access;
        nint rec = _db.SetString(B("k"), B("v"), 0, Now);
        Assert.Equal(AccessTracker.LruClock(Now), Record.Lru(rec));
        Assert.Equal(10, AccessTracker.IdleMs(Record.Lru(rec), Now + 10_000) / 1000);
        access.Lfu = true;
        rec = _db.SetString(B("f"), B("v"), 0, Now);
        Assert.Equal(5, access.DecayedFrequency(Record.Lru(rec), Now));
        // One minute per decay period: counter drops by elapsed minutes.
        Assert.Equal(2, access.DecayedFrequency(Record.Lru(rec), Now + 3 * 60_000));
        for (int i = 0; i < 1000; i++) access.Touch(rec, Now);
        Assert.True(access.DecayedFrequency(Record.Lru(rec), Now) > 5);
    }
}
