namespace TdbPlus.Shards.Commands;

/// <summary>Where a command runs.</summary>
public enum CommandRoute
{
    /// <summary>On the shard owning its keys; parked across shards when the keys span several.</summary>
    Keys,
    /// <summary>With every shard parked (keyspace-wide commands: DBSIZE, KEYS, FLUSHALL...).</summary>
    AllShards,
    /// <summary>On the connection, touching no shard data (PING, ECHO, INFO, CONFIG, CLIENT...).</summary>
    Connection,
    /// <summary>On the one shard a SCAN cursor names.</summary>
    ScanCursor,
    /// <summary>EXEC: the queued commands run in order with every shard they touch parked.</summary>
    Exec,
}
