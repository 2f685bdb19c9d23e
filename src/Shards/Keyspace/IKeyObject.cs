namespace TdbPlus.Shards.Keyspace;

/// <summary>
/// The value of a rich-type key (hash, list, set, zset, stream, module types), kept in the shard's
/// <see cref="ObjectTable"/>. It reports its own size so INFO memory and maxmemory see it.
/// </summary>
public interface IKeyObject
{
    /// <summary>Approximate bytes this value holds (managed and native).</summary>
    long MemoryBytes { get; }

    /// <summary>The name OBJECT ENCODING reports (listpack, hashtable, intset, skiplist, quicklist, stream...).</summary>
    string Encoding { get; }

    /// <summary>A deep copy, for COPY.</summary>
    IKeyObject Clone();
}
