using System.Buffers.Text;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Families.Streams;

/// <summary>A stream entry ID: milliseconds and sequence, both unsigned 64-bit, ordered as a 128-bit number.</summary>
public readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Zero = default;
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>Longest text form: two 20-digit numbers and a dash.</summary>
    public const int MaxTextLength = 41;

    public bool IsZero => Ms == 0 && Seq == 0;

    public int CompareTo(StreamId other) =>
        Ms != other.Ms ? (Ms < other.Ms ? -1 : 1) : Seq != other.Seq ? (Seq < other.Seq ? -1 : 1) : 0;

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    /// <summary>The next ID (streamIncrID); false, and 0-0, after the last possible one.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq != ulong.MaxValue)
        {
            next = new StreamId(Ms, Seq + 1);
            return true;
        }
        if (Ms != ulong.MaxValue)
        {
            next = new StreamId(Ms + 1, 0);
            return true;
        }
        next = Zero;
        return false;
    }

    /// <summary>The previous ID (streamDecrID); false, and the maximum, before 0-0.</summary>
    public bool TryDecrement(out StreamId prev)
    {
        if (Seq != 0)
        {
            prev = new StreamId(Ms, Seq - 1);
            return true;
        }
        if (Ms != 0)
        {
            prev = new StreamId(Ms - 1, ulong.MaxValue);
            return true;
        }
        prev = Max;
        return false;
    }

    /// <summary>Writes "ms-seq"; returns the byte count (at most <see cref="MaxTextLength"/>).</summary>
    public int Format(Span<byte> destination)
    {
        Utf8Formatter.TryFormat(Ms, destination, out int n);
        destination[n++] = (byte)'-';
        Utf8Formatter.TryFormat(Seq, destination[n..], out int m);
        return n + m;
    }

    public override string ToString() => $"{Ms}-{Seq}";

    /// <summary>Writes the ID as a bulk string.</summary>
    public void WriteBulk(RespWriter w)
    {
        Span<byte> text = stackalloc byte[MaxTextLength];
        int n = Format(text);
        w.Bulk(text[..n]);
    }

    /// <summary>Big-endian 128-bit form, the byte order Redis's radix tree sorts stream keys by.</summary>
    public void WriteBigEndian(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, Ms);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Seq);
    }
}

/// <summary>Redis's stream ID parsing (streamGenericParseIDOrReply): "ms-seq", "ms", "-", "+", "ms-*".</summary>
public static class StreamIdParser
{
    public const string InvalidId = "ERR Invalid stream ID specified as stream command argument";

    /// <summary>
    /// Parses an ID. <paramref name="strict"/> rejects "-" and "+"; a missing sequence takes
    /// <paramref name="missingSeq"/>; with <paramref name="allowAutoSeq"/> "ms-*" is accepted and
    /// <paramref name="seqGiven"/> is false for it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> arg, ulong missingSeq, bool strict, out StreamId id,
        bool allowAutoSeq, out bool seqGiven)
    {
        id = default;
        seqGiven = true;
        // Redis copies the argument into a 128-byte C buffer: longer is invalid, and a NUL ends it.
        if (arg.Length > 127) return false;
        var s = CString(arg);
        if (s.Length == 1 && (s[0] == '-' || s[0] == '+'))
        {
            if (strict) return false;
            id = s[0] == '-' ? StreamId.Zero : StreamId.Max;
            return true;
        }
        int dash = s.IndexOf((byte)'-');
        var msPart = dash >= 0 ? s[..dash] : s;
        if (!TryParseULong(msPart, out ulong ms)) return false;
        ulong seq;
        if (dash >= 0)
        {
            var seqPart = s[(dash + 1)..];
            if (allowAutoSeq && seqPart.Length == 1 && seqPart[0] == '*')
            {
                seq = 0;
                seqGiven = false;
            }
            else if (!TryParseULong(seqPart, out seq)) return false;
        }
        else seq = missingSeq;
        id = new StreamId(ms, seq);
        return true;
    }

    public static bool TryParse(ReadOnlySpan<byte> arg, ulong missingSeq, bool strict, out StreamId id) =>
        TryParse(arg, missingSeq, strict, out id, false, out _);

    /// <summary>Strict parse (no "-" / "+") with a missing sequence of 0: IDs naming one entry.</summary>
    public static bool TryParseStrict(ReadOnlySpan<byte> arg, out StreamId id) => TryParse(arg, 0, true, out id);

    /// <summary>
    /// A range bound (streamParseIntervalIDOrReply): "(id" is exclusive and parsed strictly; otherwise "-"
    /// and "+" are allowed.
    /// </summary>
    public static bool TryParseInterval(ReadOnlySpan<byte> arg, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        exclusive = arg.Length > 1 && arg[0] == '(';
        return exclusive ? TryParse(arg[1..], missingSeq, true, out id) : TryParse(arg, missingSeq, false, out id);
    }

    /// <summary>The bytes up to the first NUL, as C string functions see an argument.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> arg)
    {
        int nul = arg.IndexOf((byte)0);
        return nul >= 0 ? arg[..nul] : arg;
    }

    /// <summary>True when the argument reads as <paramref name="text"/> to C's strcmp.</summary>
    public static bool CStringIs(ReadOnlySpan<byte> arg, ReadOnlySpan<byte> text) => CString(arg).SequenceEqual(text);

    /// <summary>
    /// Redis's string2ull: string2ll when it applies (negative is invalid), else strtoull: leading white
    /// space, an optional sign, decimal digits to the end, no overflow.
    /// </summary>
    public static bool TryParseULong(ReadOnlySpan<byte> s, out ulong value)
    {
        if (NumberParser.TryParseInt64(s, out long ll))
        {
            value = (ulong)ll;
            return ll >= 0;
        }
        value = 0;
        if (s.Length == 0) return false;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        int digitsStart = i;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (i == digitsStart) return false;
        value = negative ? 0 - v : v;
        return true;
    }
}
