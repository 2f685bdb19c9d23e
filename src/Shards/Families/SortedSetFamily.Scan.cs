using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Families;

/// <summary>ZSCAN key cursor [MATCH pattern] [COUNT count].</summary>
public static partial class SortedSetFamily
{
    private static void ZScan(CommandContext ctx)
    {
        if (!ScanCursor.TryParse(ctx.Arg(2), out ulong cursor))
        {
            ctx.Error(ScanFamily.InvalidCursor);
            return;
        }
        if (!TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null)
        {
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk("0"u8);
            ctx.Reply.EmptyArray();
            return;
        }
        long count = 10;
        int patternIndex = -1;
        for (int i = 3; i < ctx.ArgCount;)
        {
            int left = ctx.ArgCount - i;
            if (ctx.ArgIs(i, "COUNT"u8) && left >= 2)
            {
                if (!ctx.TryGetLong(i + 1, out count)) return;
                if (count < 1)
                {
                    ctx.SyntaxError();
                    return;
                }
                i += 2;
            }
            else if (ctx.ArgIs(i, "MATCH"u8) && left >= 2)
            {
                patternIndex = i + 1;
                i += 2;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var items = new List<(byte[] Member, double Score)>();
        ulong next = zset.Scan(cursor, (int)Math.Min(count, int.MaxValue / 16), items);
        bool filter = patternIndex >= 0 && !Glob.MatchesAll(ctx.Arg(patternIndex));
        int kept = 0;
        if (filter)
        {
            var pattern = ctx.Arg(patternIndex);
            for (int k = 0; k < items.Count; k++)
                if (Glob.IsMatch(pattern, items[k].Member)) items[kept++] = items[k];
        }
        else kept = items.Count;
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.BulkInteger((long)next);
        ctx.Reply.ArrayHeader(kept * 2);
        Span<byte> text = stackalloc byte[40];
        for (int k = 0; k < kept; k++)
        {
            ctx.Reply.Bulk(items[k].Member);
            ctx.Reply.Bulk(text[..FormatScore(items[k].Score, text)]);
        }
    }

    /// <summary>Redis's d2string: "inf"/"-inf", "-0", integers below 2^52 exactly, else "%.17g".</summary>
    internal static int FormatScore(double value, Span<byte> text) => DoubleFormatter.FormatG17(value, text);
}
