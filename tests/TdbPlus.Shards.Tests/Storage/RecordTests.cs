using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Storage;

public sealed unsafe class RecordTests
{
    [Fact]
    public void StringRecordWithoutExpiry()
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
        Assert.Equal(16 + 5 + 3, Record.TotalSize(rec));

        byte* p = (byte*)rec;
        Assert.Equal(5, *(int*)(p + 8));
        Assert.Equal(3, *(int*)(p + 12));
        Assert.True(new ReadOnlySpan<byte>(p + 16, 8).SequenceEqual("helloabc"u8));

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
        Assert.Equal(1_700_000_000_123, *(long*)((byte*)rec + 16));
        Assert.True(Record.Key(rec).SequenceEqual("k"u8));
        Assert.True(Record.Value(rec).SequenceEqual("wxyz"u8));
        Assert.Equal(16 + 8 + 1 + 4, Record.TotalSize(rec));
        Assert.Equal((byte)'k', *((byte*)rec + 24));

        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void HeaderFieldsRoundTrip()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "key"u8, 0, hasExpire: true);
        Record.SetLru(rec, 0xDEADBEEF);
        Record.SetFlags(rec, Record.RawEncodingFlag | 0x80);
        Record.SetType(rec, 3);
        Record.SetHandle(rec, 123456);

        Assert.Equal(0xDEADBEEFu, Record.Lru(rec));
        Assert.Equal(Record.HasExpireFlag | Record.RawEncodingFlag | 0x80, Record.Flags(rec));
        Assert.Equal(3, Record.Type(rec));
        Assert.Equal(123456, Record.Handle(rec));
        Assert.Equal(3, *(byte*)rec);
        Assert.Equal(0xDEADBEEFu, *(uint*)((byte*)rec + 4));
        Assert.True(Record.Key(rec).SequenceEqual("key"u8));
        Assert.Equal(16 + 8 + 3, Record.TotalSize(rec));

        Record.SetFlags(rec, 0);
        Assert.True(Record.HasExpire(rec));

        Record.Free(arena, rec);
        Assert.Equal(0, arena.UsedBytes);
    }

    [Fact]
    public void LargeValueGoesThroughLargeAllocation()
    {
        using var arena = new SlabArena();
        nint rec = Record.Create(arena, "big"u8, 100_000, hasExpire: false);
        Record.Value(rec).Fill(9);
        Assert.Equal(16 + 3 + 100_000, arena.UsedBytes);
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
        Assert.Equal(16, Record.TotalSize(rec));
        Record.Free(arena, rec);
    }
}
