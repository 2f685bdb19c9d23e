namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>How entries are written: rdbcompression, and which access data the eviction policy keeps.</summary>
public struct RdbSaveOptions
{
    /// <summary>rdbcompression: LZF for strings longer than 20 bytes when it shrinks them.</summary>
    public bool Compress;

    /// <summary>An LRU maxmemory policy: each key gets an IDLE opcode with its idle seconds.</summary>
    public bool Lru;

    /// <summary>An LFU maxmemory policy: each key gets a FREQ opcode with its decayed counter.</summary>
    public bool Lfu;

    /// <summary>The clock the idle time and the LFU decay are computed against.</summary>
    public long NowMs;

    /// <summary>
    /// list-max-listpack-size, which decides where list nodes split (as Redis's quicklist does); unset means
    /// Redis's default -2. Set it from the config so files match what redis-server writes for the same lists.
    /// </summary>
    public int? ListFill;

    /// <summary>list-compress-depth (0 = off): interior list nodes are written LZF-compressed, as Redis keeps them.</summary>
    public int ListCompressDepth;

    public RdbSaveOptions(bool compress, bool lru, bool lfu, long nowMs, int? listFill = null)
    {
        Compress = compress;
        Lru = lru;
        Lfu = lfu;
        NowMs = nowMs;
        ListFill = listFill;
    }
}
