using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>SORT's list side (placeholder until the list family lands).</summary>
public static partial class SortFamily
{
    private static long ListLength(IKeyObject value) => 0;

    private static void LoadListRange(IKeyObject value, bool desc, long start, long count, List<Item> items)
    {
    }

    private static void StoreList(CommandContext ctx, Database db, ReadOnlySpan<byte> key, List<byte[]> values)
    {
    }
}
