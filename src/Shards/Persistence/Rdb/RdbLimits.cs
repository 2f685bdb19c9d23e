using TdbPlus.Shards.Config;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>The encoding thresholds loaded values are built with (the same ones the command families use).</summary>
public readonly record struct RdbLimits(
    long HashMaxListpackEntries,
    long HashMaxListpackValue,
    long SetMaxIntsetEntries,
    ZSetLimits ZSet,
    int ListMaxListpackSize,
    long StreamNodeMaxBytes,
    long StreamNodeMaxEntries)
{
    /// <summary>Redis's defaults.</summary>
    public static RdbLimits Default => new(512, 64, 512, ZSetLimits.Default, -2, 4096, 100);

    public static RdbLimits From(ServerConfig c) => new(c.HashMaxListpackEntries, c.HashMaxListpackValue,
        c.SetMaxIntsetEntries, ZSetLimits.From(c), c.ListMaxListpackSize, c.StreamNodeMaxBytes, c.StreamNodeMaxEntries);
}
