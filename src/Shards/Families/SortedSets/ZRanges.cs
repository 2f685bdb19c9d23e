using TdbPlus.Shards.Config;

namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>The listpack thresholds of the sorted-set encoding (zset-max-listpack-entries / -value).</summary>
public readonly record struct ZSetLimits(long MaxEntries, long MaxValue)
{
    public static ZSetLimits Default => new(128, 64);

    public static ZSetLimits From(ServerConfig config) =>
        new(config["zset-max-listpack-entries"].NumericValue, config["zset-max-listpack-value"].NumericValue);
}

/// <summary>A score interval as ZRANGEBYSCORE and friends parse it (zslParseRange).</summary>
public readonly struct ScoreRange
{
    public double Min { get; init; }
    public double Max { get; init; }
    public bool MinExclusive { get; init; }
    public bool MaxExclusive { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!CDouble.TryParseRangeBound(min, out double lo, out bool loEx) ||
            !CDouble.TryParseRangeBound(max, out double hi, out bool hiEx)) return false;
        range = new ScoreRange { Min = lo, Max = hi, MinExclusive = loEx, MaxExclusive = hiEx };
        return true;
    }

    public bool GteMin(double score) => MinExclusive ? score > Min : score >= Min;

    public bool LteMax(double score) => MaxExclusive ? score < Max : score <= Max;

    /// <summary>Elements before the first one in range.</summary>
    internal readonly struct BelowMin(ScoreRange range) : IZBound
    {
        public bool Before(double score, ReadOnlySpan<byte> member) => !range.GteMin(score);
    }

    /// <summary>Elements up to the last one in range.</summary>
    internal readonly struct UpToMax(ScoreRange range) : IZBound
    {
        public bool Before(double score, ReadOnlySpan<byte> member) => range.LteMax(score);
    }
}

/// <summary>One end of a lexicographic interval: "-", "+", "(member" or "[member".</summary>
public enum LexKind : byte
{
    NegativeInfinity,
    PositiveInfinity,
    Inclusive,
    Exclusive,
}

/// <summary>A member interval as ZRANGEBYLEX and friends parse it (zslParseLexRange).</summary>
public readonly ref struct LexRange
{
    public ReadOnlySpan<byte> Min { get; init; }
    public ReadOnlySpan<byte> Max { get; init; }
    public LexKind MinKind { get; init; }
    public LexKind MaxKind { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange range)
    {
        range = default;
        if (!TryParseItem(min, out var minKind, out var minValue) || !TryParseItem(max, out var maxKind, out var maxValue))
            return false;
        range = new LexRange { Min = minValue, Max = maxValue, MinKind = minKind, MaxKind = maxKind };
        return true;
    }

    private static bool TryParseItem(ReadOnlySpan<byte> item, out LexKind kind, out ReadOnlySpan<byte> value)
    {
        value = default;
        kind = default;
        if (item.Length == 0) return false;
        switch (item[0])
        {
            case (byte)'+':
                kind = LexKind.PositiveInfinity;
                return item.Length == 1 || item[1] == 0;
            case (byte)'-':
                kind = LexKind.NegativeInfinity;
                return item.Length == 1 || item[1] == 0;
            case (byte)'(':
                kind = LexKind.Exclusive;
                value = item[1..];
                return true;
            case (byte)'[':
                kind = LexKind.Inclusive;
                value = item[1..];
                return true;
            default:
                return false;
        }
    }

    /// <summary>sdscmplex: the member against a bound, with "-" below and "+" above every string.</summary>
    private static int Compare(ReadOnlySpan<byte> member, LexKind kind, ReadOnlySpan<byte> bound) => kind switch
    {
        LexKind.NegativeInfinity => 1,
        LexKind.PositiveInfinity => -1,
        _ => member.SequenceCompareTo(bound),
    };

    public bool GteMin(ReadOnlySpan<byte> member)
    {
        int c = Compare(member, MinKind, Min);
        return MinKind == LexKind.Inclusive ? c >= 0 : c > 0;
    }

    public bool LteMax(ReadOnlySpan<byte> member)
    {
        int c = Compare(member, MaxKind, Max);
        return MaxKind == LexKind.Inclusive ? c <= 0 : c < 0;
    }

    internal readonly ref struct BelowMin(LexRange range) : IZBound
    {
        private readonly LexRange _range = range;

        public bool Before(double score, ReadOnlySpan<byte> member) => !_range.GteMin(member);
    }

    internal readonly ref struct UpToMax(LexRange range) : IZBound
    {
        private readonly LexRange _range = range;

        public bool Before(double score, ReadOnlySpan<byte> member) => _range.LteMax(member);
    }
}
