using System.Buffers;
using System.Buffers.Binary;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>ZADD options (zsetAdd's input flags).</summary>
[Flags]
public enum ZAddFlags
{
    None = 0,
    Nx = 1,
    Xx = 2,
    Gt = 4,
    Lt = 8,
    Incr = 16,
}

/// <summary>What zsetAdd did.</summary>
public enum ZAddOutcome
{
    /// <summary>A new member.</summary>
    Added,

    /// <summary>The score of an existing member changed.</summary>
    Updated,

    /// <summary>The member existed and kept its score.</summary>
    Unchanged,

    /// <summary>NX, XX, GT or LT stopped the operation.</summary>
    Skipped,

    /// <summary>The resulting score would be NaN; nothing changed.</summary>
    NaN,
}

/// <summary>
/// A sorted-set value. Small sets use a listpack-like encoding: one byte[] of entries
/// [score: 8 bytes][member length: varint][member] sorted by (score, member), O(n) operations over a few
/// KB as in Redis. Past zset-max-listpack-entries / -value it converts to <see cref="LargeZSet"/> (OBJECT
/// ENCODING "skiplist"), and like Redis 7.0 never converts back by itself.
/// </summary>
public sealed class ZSetObject : IKeyObject
{
    private byte[] _lp;
    private int _lpUsed;
    private int _lpCount;
    private LargeZSet? _large;

    private ZSetObject(byte[] lp) => _lp = lp;

    private ZSetObject(LargeZSet large)
    {
        _lp = [];
        _large = large;
    }

    /// <summary>An empty set in the listpack encoding.</summary>
    public static ZSetObject CreateCompact() => new(new byte[32]);

    /// <summary>An empty set in the skiplist encoding.</summary>
    public static ZSetObject CreateLarge(int capacityHint = 0) => new(new LargeZSet(capacityHint));

    public bool IsCompact => _large is null;

    public int Count => _large?.Count ?? _lpCount;

    public string Encoding => _large is null ? "listpack" : "skiplist";

    public long MemoryBytes => 48 + (_large?.MemoryBytes ?? 24 + _lp.Length);

    public IKeyObject Clone()
    {
        if (_large is not null) return new ZSetObject(_large.Clone());
        var copy = new ZSetObject(_lp.AsSpan(0, Math.Max(_lpUsed, 1)).ToArray())
        {
            _lpUsed = _lpUsed,
            _lpCount = _lpCount,
        };
        return copy;
    }


    // ---- listpack-like encoding ----

    private double LpScore(int offset) => BinaryPrimitives.ReadDoubleLittleEndian(_lp.AsSpan(offset));

    private ReadOnlySpan<byte> LpMember(int offset, out int next)
    {
        int p = offset + 8;
        int length = _lp[p];
        if (length < 0x80) p++;
        else p += ZSlab.ReadVarint(_lp.AsSpan(p), out length);
        next = p + length;
        return new ReadOnlySpan<byte>(_lp, p, length);
    }

    private int LpNext(int offset)
    {
        LpMember(offset, out int next);
        return next;
    }

    private int LpFind(ReadOnlySpan<byte> member, out double score)
    {
        for (int off = 0; off < _lpUsed;)
        {
            var m = LpMember(off, out int next);
            if (m.SequenceEqual(member))
            {
                score = LpScore(off);
                return off;
            }
            off = next;
        }
        score = 0;
        return -1;
    }

    private int LpOffsetOfRank(int rank)
    {
        int off = 0;
        for (int k = 0; k < rank; k++) off = LpNext(off);
        return off;
    }

    private void LpInsert(ReadOnlySpan<byte> member, double score)
    {
        // A listpack keeps integral scores as integers, so -0 is stored (and read back) as 0.
        if (score == 0) score = 0;
        int at = 0;
        while (at < _lpUsed)
        {
            double s = LpScore(at);
            var m = LpMember(at, out int next);
            if (s > score || (s == score && m.SequenceCompareTo(member) > 0)) break;
            at = next;
        }
        int size = ZSlab.EntrySize(member.Length);
        if (_lpUsed + size > _lp.Length)
        {
            int grown = Math.Max(_lpUsed + size, _lp.Length + (_lp.Length >> 2) + 16);
            Array.Resize(ref _lp, grown);
        }
        Buffer.BlockCopy(_lp, at, _lp, at + size, _lpUsed - at);
        var dest = _lp.AsSpan(at);
        BinaryPrimitives.WriteDoubleLittleEndian(dest, score);
        int n = ZSlab.WriteVarint(dest[8..], member.Length);
        member.CopyTo(dest[(8 + n)..]);
        _lpUsed += size;
        _lpCount++;
    }

    private void LpDelete(int offset, int end, int entries)
    {
        Buffer.BlockCopy(_lp, end, _lp, offset, _lpUsed - end);
        _lpUsed -= end - offset;
        _lpCount -= entries;
        if (_lp.Length > 64 && _lpUsed < _lp.Length / 2) Array.Resize(ref _lp, Math.Max(32, _lpUsed + (_lpUsed >> 2)));
    }

    private void ConvertToLarge()
    {
        var large = new LargeZSet(_lpCount + 1);
        for (int off = 0; off < _lpUsed;)
        {
            double s = LpScore(off);
            var m = LpMember(off, out int next);
            large.InsertNew(m, s);
            off = next;
        }
        _large = large;
        _lp = [];
        _lpUsed = 0;
        _lpCount = 0;
    }

    /// <summary>
    /// zsetConvertToListpackIfNeeded: a skiplist set that a store command built goes back to the listpack
    /// encoding when it fits the limits.
    /// </summary>
    public void ConvertToCompactIfFits(ZSetLimits limits)
    {
        if (_large is null || _large.Count > limits.MaxEntries) return;
        var large = _large;
        var check = new MaxLength();
        large.Walk(0, false, ref check);
        if (check.Max > limits.MaxValue) return;
        _lp = new byte[Math.Max(32, check.Total)];
        _large = null;
        var copy = new Appender(this);
        large.Walk(0, false, ref copy);
    }

    private struct MaxLength : IZVisitor
    {
        public long Max;
        public int Total;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            if (member.Length > Max) Max = member.Length;
            Total += ZSlab.EntrySize(member.Length);
            return true;
        }
    }

    private readonly struct Appender(ZSetObject target) : IZVisitor
    {
        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            target.AppendSorted(member, score, ZSetLimits.Default, convert: false);
            return true;
        }
    }

    // ---- common API ----

    public bool TryGetScore(ReadOnlySpan<byte> member, out double score)
    {
        if (_large is not null) return _large.TryGetScore(member, out score);
        return LpFind(member, out score) >= 0;
    }

    /// <summary>Redis's zsetAdd: adds or updates one member under the ZADD flags.</summary>
    public ZAddOutcome Add(ReadOnlySpan<byte> member, double score, ZAddFlags flags, ZSetLimits limits, out double newScore)
    {
        newScore = score;
        if (double.IsNaN(score)) return ZAddOutcome.NaN;
        bool exists = TryGetScore(member, out double current);
        if (exists)
        {
            if ((flags & ZAddFlags.Nx) != 0) return ZAddOutcome.Skipped;
            if ((flags & ZAddFlags.Incr) != 0)
            {
                score += current;
                if (double.IsNaN(score)) return ZAddOutcome.NaN;
            }
            if (((flags & ZAddFlags.Lt) != 0 && score >= current) || ((flags & ZAddFlags.Gt) != 0 && score <= current))
                return ZAddOutcome.Skipped;
            newScore = score;
            if (score == current) return ZAddOutcome.Unchanged;
            if (_large is not null) _large.UpdateScore(member, score);
            else
            {
                int off = LpFind(member, out _);
                LpDelete(off, LpNext(off), 1);
                LpInsert(member, score);
            }
            return ZAddOutcome.Updated;
        }
        if ((flags & ZAddFlags.Xx) != 0) return ZAddOutcome.Skipped;
        Insert(member, score, limits);
        return ZAddOutcome.Added;
    }

    /// <summary>Adds a member known to be absent, converting to the skiplist encoding past the limits.</summary>
    public void Insert(ReadOnlySpan<byte> member, double score, ZSetLimits limits)
    {
        if (_large is null && (_lpCount + 1 > limits.MaxEntries || member.Length > limits.MaxValue)) ConvertToLarge();
        if (_large is not null) _large.InsertNew(member, score);
        else LpInsert(member, score);
    }

    /// <summary>
    /// Adds a member known to be absent that sorts after every member present (results built in order);
    /// with <paramref name="convert"/> the limits apply as for <see cref="Insert"/>.
    /// </summary>
    public void AppendSorted(ReadOnlySpan<byte> member, double score, ZSetLimits limits, bool convert = true)
    {
        if (convert && _large is null && (_lpCount + 1 > limits.MaxEntries || member.Length > limits.MaxValue)) ConvertToLarge();
        if (_large is not null)
        {
            _large.InsertNew(member, score);
            return;
        }
        if (score == 0) score = 0;
        int size = ZSlab.EntrySize(member.Length);
        if (_lpUsed + size > _lp.Length) Array.Resize(ref _lp, Math.Max(_lpUsed + size, _lp.Length + (_lp.Length >> 1) + 16));
        var dest = _lp.AsSpan(_lpUsed);
        BinaryPrimitives.WriteDoubleLittleEndian(dest, score);
        int n = ZSlab.WriteVarint(dest[8..], member.Length);
        member.CopyTo(dest[(8 + n)..]);
        _lpUsed += size;
        _lpCount++;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        if (_large is not null)
        {
            if (!_large.Remove(member)) return false;
            _large.CompactIfNeeded();
            return true;
        }
        int off = LpFind(member, out _);
        if (off < 0) return false;
        LpDelete(off, LpNext(off), 1);
        return true;
    }

    /// <summary>0-based rank of a member (ascending), or -1.</summary>
    public int Rank(ReadOnlySpan<byte> member)
    {
        if (_large is not null) return _large.Rank(member);
        int rank = 0;
        for (int off = 0; off < _lpUsed; rank++)
        {
            if (LpMember(off, out int next).SequenceEqual(member)) return rank;
            off = next;
        }
        return -1;
    }

    /// <summary>How many leading elements the bound's predicate holds for (scanning in order).</summary>
    internal int CountBefore<TB>(TB bound) where TB : IZBound, allows ref struct
    {
        if (_large is not null) return _large.CountBefore(bound);
        int count = 0;
        for (int off = 0; off < _lpUsed; count++)
        {
            double s = LpScore(off);
            var m = LpMember(off, out int next);
            if (!bound.Before(s, m)) break;
            off = next;
        }
        return count;
    }

    /// <summary>Ranks [first, last] of the elements within a score range (empty when first &gt; last).</summary>
    public (int First, int Last) RankRange(ScoreRange range) =>
        (CountBefore(new ScoreRange.BelowMin(range)), CountBefore(new ScoreRange.UpToMax(range)) - 1);

    /// <summary>Ranks [first, last] of the elements within a lexicographic range (empty when first &gt; last).</summary>
    public (int First, int Last) RankRange(LexRange range) =>
        (CountBefore(new LexRange.BelowMin(range)), CountBefore(new LexRange.UpToMax(range)) - 1);

    /// <summary>Visits elements from rank <paramref name="start"/> forward (or backward) until the visitor stops.</summary>
    internal void Walk<TV>(int start, bool reverse, ref TV visitor) where TV : IZVisitor, allows ref struct
    {
        if (_large is not null)
        {
            _large.Walk(start, reverse, ref visitor);
            return;
        }
        if ((uint)start >= (uint)_lpCount) return;
        if (!reverse)
        {
            for (int off = LpOffsetOfRank(start); off < _lpUsed;)
            {
                double s = LpScore(off);
                var m = LpMember(off, out int next);
                if (!visitor.Visit(m, s)) return;
                off = next;
            }
            return;
        }
        int n = start + 1;
        int[]? rented = null;
        Span<int> offsets = n <= 256 ? stackalloc int[n] : (rented = ArrayPool<int>.Shared.Rent(n));
        try
        {
            for (int k = 0, off = 0; k < n; k++)
            {
                offsets[k] = off;
                off = LpNext(off);
            }
            for (int k = n - 1; k >= 0; k--)
            {
                int off = offsets[k];
                if (!visitor.Visit(LpMember(off, out _), LpScore(off))) return;
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>The element at a valid rank; the span is valid until the next change.</summary>
    public ReadOnlySpan<byte> MemberAt(int rank, out double score)
    {
        if (_large is not null) return _large.MemberAt(rank, out score);
        int off = LpOffsetOfRank(rank);
        score = LpScore(off);
        return LpMember(off, out _);
    }

    /// <summary>Removes ranks first..last (inclusive, within the set); returns how many.</summary>
    public int RemoveRange(int first, int last)
    {
        if (first > last) return 0;
        if (_large is not null)
        {
            int n = _large.RemoveRange(first, last);
            _large.CompactIfNeeded();
            return n;
        }
        int start = LpOffsetOfRank(first);
        int end = start;
        for (int k = first; k <= last; k++) end = LpNext(end);
        LpDelete(start, end, last - first + 1);
        return last - first + 1;
    }

    /// <summary>
    /// One ZSCAN step: the listpack encoding returns everything at once (cursor 0), the skiplist encoding
    /// walks its hash buckets.
    /// </summary>
    public ulong Scan(ulong cursor, int count, List<(byte[] Member, double Score)> into)
    {
        if (_large is not null) return _large.Scan(cursor, count, into);
        for (int off = 0; off < _lpUsed;)
        {
            double s = LpScore(off);
            var m = LpMember(off, out int next);
            into.Add((m.ToArray(), s));
            off = next;
        }
        return 0;
    }

    internal void Validate() => _large?.Validate();
}
