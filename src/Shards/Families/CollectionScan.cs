using System.Buffers.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Collections;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>
/// The parts of Redis's scanGenericCommand that HSCAN, SSCAN and ZSCAN share: cursor parsing, the
/// COUNT/MATCH options (TYPE is SCAN's alone), the empty reply for a missing key, and the walk of a
/// <see cref="PackedTable"/> with its cursor. Small encodings return everything at cursor 0.
/// </summary>
public static class CollectionScan
{
    public const string InvalidCursor = "ERR invalid cursor";

    [ThreadStatic]
    private static List<int>? t_ids;

    /// <summary>Parses a cursor as SCAN does (<see cref="ScanCursor.TryParse"/>); replies the error on failure.</summary>
    public static bool TryParseCursor(CommandContext ctx, int index, out ulong cursor)
    {
        if (ScanCursor.TryParse(ctx.Arg(index), out cursor)) return true;
        ctx.Error(InvalidCursor);
        return false;
    }

    /// <summary>Redis's shared.emptyscan: cursor 0 and no elements.</summary>
    public static void ReplyEmpty(CommandContext ctx) => ctx.Reply.Raw("*2\r\n$1\r\n0\r\n*0\r\n"u8);

    /// <summary>
    /// Parses COUNT and MATCH from argument <paramref name="start"/> on; <paramref name="patternArg"/> is -1
    /// without a pattern or when it is "*". False means the error is replied.
    /// </summary>
    public static bool TryParseOptions(CommandContext ctx, int start, out long count, out int patternArg)
    {
        count = 10;
        patternArg = -1;
        for (int i = start; i < ctx.ArgCount; i += 2)
        {
            bool hasValue = ctx.ArgCount - i >= 2;
            if (hasValue && ctx.ArgIs(i, "COUNT"u8))
            {
                if (!ctx.TryGetLong(i + 1, out count)) return false;
                if (count < 1)
                {
                    ctx.SyntaxError();
                    return false;
                }
            }
            else if (hasValue && ctx.ArgIs(i, "MATCH"u8))
            {
                patternArg = Glob.MatchesAll(ctx.Arg(i + 1)) ? -1 : i + 1;
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="element"/> passes the MATCH pattern (if any).</summary>
    public static bool Matches(CommandContext ctx, int patternArg, ReadOnlySpan<byte> element) =>
        patternArg < 0 || Glob.IsMatch(ctx.Arg(patternArg), element);

    /// <summary>
    /// Walks <paramref name="table"/> from <paramref name="cursor"/> as Redis's dictScan loop does: bucket by
    /// bucket until <paramref name="count"/> elements are collected, the walk ends, or
    /// <paramref name="maxIterations"/> more buckets were visited (Redis: ten times its count, which it doubles
    /// for hashes and sorted sets). Returns the ids found (valid until the table changes; reused per thread)
    /// and the next cursor.
    /// </summary>
    public static List<int> Walk(PackedTable table, ref ulong cursor, long count, long maxIterations)
    {
        var ids = t_ids ??= new List<int>();
        ids.Clear();
        do
        {
            cursor = table.ScanBucket(cursor, ids);
        }
        while (cursor != 0 && maxIterations-- > 0 && ids.Count < count);
        return ids;
    }

    /// <summary>Writes the reply's header: a 2-element array and the cursor as a bulk string.</summary>
    public static void WriteCursor(RespWriter reply, ulong cursor)
    {
        reply.ArrayHeader(2);
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(cursor, digits, out int n);
        reply.Bulk(digits[..n]);
    }

    /// <summary>Drops a large id list after a big scan so the thread does not keep it.</summary>
    public static void Trim()
    {
        if (t_ids is { Capacity: > 4096 }) t_ids = null;
    }
}
