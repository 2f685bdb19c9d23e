using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>The count argument of HRANDFIELD and SRANDMEMBER, and distinct random picks for positive counts.</summary>
internal static class RandomCount
{
    /// <summary>Replies beyond this many elements are refused rather than built (Redis would hit its output limits).</summary>
    public const long MaxReply = int.MaxValue / 2;

    /// <summary>
    /// Redis's getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): an integer other than LONG_MIN. False means
    /// the error is replied.
    /// </summary>
    public static bool TryParse(CommandContext ctx, int index, out long count)
    {
        if (!ctx.TryGetLong(index, out count)) return false;
        if (count == long.MinValue)
        {
            ctx.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
            return false;
        }
        return true;
    }

    /// <summary>Replies an error (and returns false) when a reply of <paramref name="items"/> elements is too large to build.</summary>
    public static bool CheckReplySize(CommandContext ctx, long items)
    {
        if (items <= MaxReply) return true;
        ctx.Error("ERR value is out of range");
        return false;
    }

    /// <summary><paramref name="k"/> distinct indices below <paramref name="n"/> (k &lt; n), in random order.</summary>
    public static int[] DistinctIndices(int n, int k)
    {
        var result = new int[k];
        var rng = Random.Shared;
        if ((long)k * 3 > n)
        {
            // Close to the whole collection: a partial shuffle of all indices.
            var all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            for (int i = 0; i < k; i++)
            {
                int j = rng.Next(i, n);
                (all[i], all[j]) = (all[j], all[i]);
                result[i] = all[i];
            }
            return result;
        }
        var seen = new HashSet<int>(k);
        int found = 0;
        while (found < k)
        {
            int pick = rng.Next(n);
            if (seen.Add(pick)) result[found++] = pick;
        }
        return result;
    }
}
