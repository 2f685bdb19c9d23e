using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Families;

/// <summary>Every command family of the engine, for the server to register.</summary>
public static class CoreFamilies
{
    public static IEnumerable<CommandDef> Commands() =>
    [
        .. StringFamily.Commands(),
        .. KeyFamily.Commands(),
        .. ExpireFamily.Commands(),
        .. ScanFamily.Commands(),
        .. KeyspaceFamily.Commands(),
        .. ObjectFamily.Commands(),
        .. TransactionFamily.Commands(),
        .. BitmapFamily.Commands(),
        .. HyperLogLogFamily.Commands(),
        .. HashFamily.Commands(),
        .. SetFamily.Commands(),
        .. SortedSetFamily.Commands(),
        .. GeoFamily.Commands(),
        .. ScriptingFamily.Commands(),
        .. ListFamily.Commands(),
        .. StreamFamily.Commands(),
        .. SortFamily.Commands(),
    ];
}
