using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Storage;

public sealed unsafe class RecordTests
{
    [Fact]
    public void StringRecordWithoutExpiryHasASevenByteHeader()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "hello"u8, 3, hasExpire: false);
        "abc"u8.CopyTo(Record.Value(rec));

        Assert.Equal(0, rec % 8);
        Assert.Equal(Record.StringType, Record.Type(rec));
        Assert.Equal(0, Record.Flags(rec));
        Assert.Equal(0u, Record.Lru(rec));
        Assert.False(Record.HasExpire(rec));
        Assert.Equal(0, Record.ExpireAt(rec));
        Assert.Equal(5, Record.KeyLength(rec));
        Assert.Equal(3, Record.ValueLength(rec));
        Assert.True(Record.Key(rec).SequenceEqual("hello"u8));
        Assert.True(Record.Value(rec).SequenceEqual("abc"u8));
        Assert.Equal(7 + 5 + 3, Record.TotalSize(rec));
        Assert.True(new ReadOnlySpan<byte>((byte*)rec + 7, 8).SequenceEqual("helloabc"u8));

        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void StringRecordWithExpiry()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "k"u8, 4, hasExpire: true);
        "wxyz"u8.CopyTo(Record.Value(rec));
        Assert.True(Record.HasExpire(rec));
        Assert.Equal(0, Record.ExpireAt(rec));
        Record.SetExpireAt(rec, 1_700_000_000_123);

        Assert.Equal(1_700_000_000_123, Record.ExpireAt(rec));
        Assert.True(Record.Key(rec).SequenceEqual("k"u8));
        Assert.True(Record.Value(rec).SequenceEqual("wxyz"u8));
        Assert.Equal(7 + 8 + 1 + 4, Record.TotalSize(rec));

        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void HeaderFieldsRoundTrip()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "key"u8, 0, hasExpire: true, type: 3);
        Record.SetLru(rec, 0xBEEF42);
        Record.SetFlags(rec, Record.RawEncodingFlag | 0x80);
        Record.SetHandle(rec, 123456);
        Record.SetExpireAt(rec, long.MaxValue);

        Assert.Equal(0xBEEF42u, Record.Lru(rec));
        Assert.Equal(Record.HasExpireFlag | Record.RawEncodingFlag | 0x80, Record.Flags(rec));
        Assert.Equal(3, Record.Type(rec));
        Assert.Equal(123456, Record.Handle(rec));
        Assert.Equal(long.MaxValue, Record.ExpireAt(rec));
        Assert.True(Record.Key(rec).SequenceEqual("key"u8));
        Assert.Equal(7 + 8 + 3 + 4, Record.TotalSize(rec));

        Record.SetFlags(rec, 0);
        Assert.True(Record.HasExpire(rec));
        // The access field is 24 bits wide, as Redis's LRU clock.
        Record.SetLru(rec, 0xFFFFFFFF);
        Assert.Equal(0xFFFFFFu, Record.Lru(rec));

        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Theory]
    [InlineData(127, 127)]
    [InlineData(128, 5)]
    [InlineData(5, 16384)]
    [InlineData(300, 100_000)]
    public void MultiByteLengthsRoundTrip(int keyLength, int valueLength)
    {
        using var arena = new SlabArena();
        var key = new byte[keyLength];
        new Random(keyLength).NextBytes(key);
        foreach (bool expire in new[] { false, true })
        {
            nint rec = Record.Create(arena, key, valueLength, expire);
            Record.Value(rec).Fill(9);
            if (expire) Record.SetExpireAt(rec, 42);
            Assert.Equal(keyLength, Record.KeyLength(rec));
            Assert.Equal(valueLength, Record.ValueLength(rec));
            Assert.True(Record.Key(rec).SequenceEqual(key));
            Assert.Equal(expire ? 42 : 0, Record.ExpireAt(rec));
            Assert.True(Record.Value(rec).IndexOfAnyExcept((byte)9) < 0);
            Record.Free(arena, rec);
        }
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void LargeValueGoesThroughLargeAllocation()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "big"u8, 100_000, hasExpire: false);
        Record.Value(rec).Fill(9);
        Assert.Equal(Record.TotalSize(rec), arena.UsedBytes);
        Assert.True(Record.Key(rec).SequenceEqual("big"u8));
        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void EmptyKeyAndValue()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, ReadOnlySpan<byte>.Empty, 0, hasExpire: false);
        Assert.Equal(0, Record.Key(rec).Length);
        Assert.Equal(0, Record.Value(rec).Length);
        Assert.Equal(7, Record.TotalSize(rec));
        Record.Free(arena, rec);
    }
}
