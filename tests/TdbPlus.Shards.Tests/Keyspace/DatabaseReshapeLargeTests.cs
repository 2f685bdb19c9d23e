using System.Text;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Keyspace;

/// <summary>Reshape of large string records (realloc in place, amortised growth) keeps the key, TTL and bytes.</summary>
public sealed class DatabaseReshapeLargeTests : IDisposable
{
    private const long Now = 1_700_000_000_000;
    private readonly ShardStore _store = new();
    private readonly Database _db;

    public DatabaseReshapeLargeTests() => _db = new Database(_store, 0);

    public void Dispose()
    {
        _db.Dispose();
        _store.Dispose();
    }

    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Theory]
    [InlineData(0L)]
    [InlineData(Now + 60_000)]
    public void GrowingOneByteAtATimeKeepsContentsIndexAndTtl(long expireAt)
    {
        var key = B("bitmap:key");
        nint rec = _db.Create(key, 1, expireAt, KeyType.String, Now);
        Record.Value(rec)[0] = 1;
        Record.SetFlags(rec, Record.RawEncodingFlag);
        // Through the small/large boundary (32 KB) and the value-length varint boundaries 16384 and 2^21.
        for (int length = 2; length <= (1 << 21) + 300; length += length < 40_000 ? 1 : 257)
        {
            int old = Record.ValueLength(rec);
            rec = _db.Reshape(rec, length, Record.ExpireAt(rec));
            Record.Value(rec)[old..].Fill((byte)(length & 0xFF));
        }
        nint found = _db.Find(key, Now);
        Assert.Equal(rec, found);
        Assert.Equal(expireAt, Record.ExpireAt(found));
        Assert.True((Record.Flags(found) & Record.RawEncodingFlag) != 0);
        Assert.Equal(key, Record.Key(found).ToArray());
        Assert.Equal(1, Record.Value(found)[0]);
        Assert.Equal(expireAt != 0 ? 1 : 0, _db.VolatileCount);
        Assert.Equal(1, _db.Count);
    }

    [Fact]
    public void LargeShrinkAndRegrowKeepBytesAndAccounting()
    {
        long baseline = _store.Arena.UsedBytes;
        var key = B("k");
        nint rec = _db.Create(key, 100_000, 0, KeyType.String, Now);
        var value = Record.Value(rec);
        for (int i = 0; i < value.Length; i++) value[i] = (byte)i;
        rec = _db.Reshape(rec, 50_000, 0);
        rec = _db.Reshape(rec, 3_000_000, 0);
        var grown = Record.Value(rec);
        for (int i = 0; i < 50_000; i++) Assert.Equal((byte)i, grown[i]);
        Assert.Equal(rec, _db.Find(key, Now));
        Assert.True(_db.Delete(key));
        Assert.Equal(baseline, _store.Arena.UsedBytes);
    }

    [Fact]
    public void ArenaReallocateMovesSmallAndLargeBlocks()
    {
        using var arena = new SlabArena();
        unsafe
        {
            byte* p = arena.Allocate(100);
            p[0] = 42;
            p = arena.Reallocate(p, 100, 40_000);
            Assert.Equal(42, p[0]);
            p = arena.Reallocate(p, 40_000, 80_000);
            Assert.Equal(42, p[0]);
            p = arena.Reallocate(p, 80_000, 10);
            Assert.Equal(42, p[0]);
            arena.Free(p, 10);
        }
        Assert.Equal(0, arena.UsedBytes);
    }
}
