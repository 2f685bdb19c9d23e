namespace TdbPlus.Shards.Keyspace;

/// <summary>Record type tags; every type but String keeps its value as a managed object behind a handle.</summary>
public static class KeyType
{
    public const byte String = 0;
    public const byte List = 1;
    public const byte Set = 2;
    public const byte SortedSet = 3;
    public const byte Hash = 4;
    public const byte Stream = 5;
    public const byte Module = 6;

    /// <summary>The name TYPE replies with.</summary>
    public static string Name(byte type) => type switch
    {
        String => "string",
        List => "list",
        Set => "set",
        SortedSet => "zset",
        Hash => "hash",
        Stream => "stream",
        _ => "none",
    };
}
