using System.Text;
using TdbPlus.Shards.Storage;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Storage;

/// <summary>Arena plus table with helpers that create records the way a shard does.</summary>
internal sealed class DashTableHarness : IDisposable
{
    public SlabArena Arena { get; }
    public DashTable Table { get; }

    public DashTableHarness()
    {
        Arena = new SlabArena();
        Table = new DashTable(Arena);
    }

    public static byte[] Key(string prefix, long i) => Encoding.ASCII.GetBytes(prefix + i);

    /// <summary>Formats prefix+i into <paramref name="buffer"/> without allocating.</summary>
    public static ReadOnlySpan<byte> Key(Span<byte> buffer, ReadOnlySpan<byte> prefix, long i)
    {
        prefix.CopyTo(buffer);
        i.TryFormat(buffer.Slice(prefix.Length), out int written);
        return buffer.Slice(0, prefix.Length + written);
    }

    public nint Add(ReadOnlySpan<byte> key) => Add(key, KeyHash.Hash(key));

    public nint Add(ReadOnlySpan<byte> key, ulong hash)
    {
        nint rec = Record.Create(Arena, key, sizeof(long), hasExpire: false);
        key.Length.TryFormat(Record.Value(rec), out _);
        Table.Insert(rec, hash);
        return rec;
    }

    public bool Delete(ReadOnlySpan<byte> key)
    {
        nint rec = Table.Remove(key, KeyHash.Hash(key));
        if (rec == 0)
            return false;
        Record.Free(Arena, rec);
        return true;
    }

    public nint Find(ReadOnlySpan<byte> key) => Table.Find(key, KeyHash.Hash(key));

    public void Dispose()
    {
        Table.Dispose();
        Arena.Dispose();
    }
}

/// <summary>Records every visited pointer; returns false once the budget is spent.</summary>
internal struct CollectingVisitor : IRecordVisitor
{
    public List<nint> Seen;
    public int Budget;

    public CollectingVisitor(int budget)
    {
        Seen = new List<nint>();
        Budget = budget;
    }

    public bool Visit(nint rec)
    {
        Seen.Add(rec);
        return --Budget > 0;
    }
}

internal struct CountingVisitor : IRecordVisitor
{
    public long Visited;

    public bool Visit(nint rec)
    {
        Visited++;
        return true;
    }
}
