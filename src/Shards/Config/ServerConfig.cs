namespace TdbPlus.Shards.Config;

/// <summary>The table of every configuration directive TDB+ knows, with Redis's names and defaults.</summary>
public sealed class ServerConfig
{
    public static readonly string[] EvictionPolicies =
        ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"];

    private readonly Dictionary<string, ConfigDirective> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ConfigDirective> _all = [];

    public ServerConfig()
    {
        Add(new("port", ConfigKind.Integer, "6379", false, 0, 65535));
        Add(new("bind", ConfigKind.String, "127.0.0.1", false));
        Add(new("requirepass", ConfigKind.String, "", true));
        Add(new("maxclients", ConfigKind.Integer, "10000", true, 1, uint.MaxValue));
        Add(new("maxmemory", ConfigKind.Memory, "0", true, 0));
        Add(new("maxmemory-policy", ConfigKind.Enum, "noeviction", true, enumValues: EvictionPolicies));
        Add(new("maxmemory-eviction-tenacity", ConfigKind.Integer, "10", true, 0, 100));
        Add(new("maxmemory-samples", ConfigKind.Integer, "5", true, 1, 64));
        Add(new("dir", ConfigKind.String, Directory.GetCurrentDirectory(), true, parser: ParseDir) { Protected = true });
        Add(new("dbfilename", ConfigKind.String, "dump.rdb", true, parser: ParseFileName) { Protected = true });
        Add(new("enable-protected-configs", ConfigKind.Enum, "no", false, enumValues: ["no", "yes", "local"]));
        Add(new("databases", ConfigKind.Integer, "16", false, 1, int.MaxValue));
        Add(new("shards", ConfigKind.Integer, DefaultShards.ToString(), false, 1, 1024));
        Add(new("proto-max-bulk-len", ConfigKind.Memory, "536870912", true, 1024 * 1024, long.MaxValue));
        Add(new("client-query-buffer-limit", ConfigKind.Memory, "1073741824", true, 1024 * 1024, long.MaxValue));
        Add(new("hz", ConfigKind.Integer, "10", true, 0, int.MaxValue));
        Add(new("timeout", ConfigKind.Integer, "0", true, 0, int.MaxValue));
        Add(new("tcp-keepalive", ConfigKind.Integer, "300", true, 0, int.MaxValue));
        Add(new("tcp-backlog", ConfigKind.Integer, "511", false, 0, int.MaxValue));
        Add(new("loglevel", ConfigKind.Enum, "notice", true, enumValues: ["debug", "verbose", "notice", "warning", "nothing"]));
        Add(new("logfile", ConfigKind.String, "", false));
        Add(new("daemonize", ConfigKind.Bool, "no", false));
        Add(new("protected-mode", ConfigKind.Bool, "yes", true));
        Add(new("save", ConfigKind.String, "3600 1 300 100 60 10000", true, parser: SaveRules.Parse));
        Add(new("rdbcompression", ConfigKind.Bool, "yes", true));
        Add(new("rdbchecksum", ConfigKind.Bool, "yes", true));
        Add(new("stop-writes-on-bgsave-error", ConfigKind.Bool, "yes", true));
        // Redis's testing knobs: microseconds spent per key saved / loaded, to make snapshots and loads observable.
        Add(new("rdb-key-save-delay", ConfigKind.Integer, "0", true, int.MinValue, int.MaxValue));
        Add(new("key-load-delay", ConfigKind.Integer, "0", true, int.MinValue, int.MaxValue));
        Add(new("appendonly", ConfigKind.Bool, "no", true));
        // Redis lists the choices in this order in its error text.
        Add(new("appendfsync", ConfigKind.Enum, "everysec", true, enumValues: ["everysec", "always", "no"]));
        Add(new("appendfilename", ConfigKind.String, "appendonly.aof", false));
        Add(new("appenddirname", ConfigKind.String, "appendonlydir", false));
        Add(new("aof-load-truncated", ConfigKind.Bool, "yes", true));
        Add(new("notify-keyspace-events", ConfigKind.String, "", true, parser: ParseNotifyKeyspaceEvents));
        Add(new("client-output-buffer-limit", ConfigKind.String, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
            true, parser: (string text, out string canonical, out string? error) =>
                OutputBufferLimits.Parse(this["client-output-buffer-limit"].Value, text, out canonical, out error)));
        Add(new("lfu-log-factor", ConfigKind.Integer, "10", true, 0, int.MaxValue));
        Add(new("lfu-decay-time", ConfigKind.Integer, "1", true, 0, int.MaxValue));
        Add(new("slowlog-log-slower-than", ConfigKind.Integer, "10000", true, -1, long.MaxValue));
        Add(new("slowlog-max-len", ConfigKind.Integer, "128", true, 0, long.MaxValue));
        Add(new("active-expire-effort", ConfigKind.Integer, "1", true, 1, 10));
        Add(new("lazyfree-lazy-user-flush", ConfigKind.Bool, "no", true));
        Add(new("maxmemory-clients", ConfigKind.Memory, "0", true, 0));
        Add(new("latency-tracking", ConfigKind.Bool, "yes", true));
        // Redis's default is "no"; TDB+ allows DEBUG from loopback connections, like "local", so benchmarks can DEBUG POPULATE.
        Add(new("enable-debug-command", ConfigKind.Enum, "local", false, enumValues: ["no", "yes", "local"]));
        Add(new("list-max-listpack-size", ConfigKind.Integer, "-2", true, int.MinValue, int.MaxValue, aliases: ["list-max-ziplist-size"]));
        Add(new("list-compress-depth", ConfigKind.Integer, "0", true, 0, int.MaxValue));
        Add(new("stream-node-max-bytes", ConfigKind.Memory, "4096", true, 0, long.MaxValue));
        Add(new("stream-node-max-entries", ConfigKind.Integer, "100", true, 0, long.MaxValue));
        Add(new("transport", ConfigKind.Enum, OperatingSystem.IsLinux() ? "epoll" : "sockets", false, enumValues: ["epoll", "sockets"]));
        Add(new("busy-reply-threshold", ConfigKind.Integer, "5000", true, 0, long.MaxValue, aliases: ["lua-time-limit"]));
        Add(new("hll-sparse-max-bytes", ConfigKind.Memory, "3000", true, 0, long.MaxValue));
        Add(new("hash-max-listpack-entries", ConfigKind.Integer, "512", true, 0, long.MaxValue, aliases: ["hash-max-ziplist-entries"]));
        Add(new("hash-max-listpack-value", ConfigKind.Memory, "64", true, 0, long.MaxValue, aliases: ["hash-max-ziplist-value"]));
        Add(new("set-max-intset-entries", ConfigKind.Integer, "512", true, 0, long.MaxValue));
        Add(new("zset-max-listpack-entries", ConfigKind.Integer, "128", true, 0, long.MaxValue, aliases: ["zset-max-ziplist-entries"]));
        Add(new("zset-max-listpack-value", ConfigKind.Memory, "64", true, 0, long.MaxValue, aliases: ["zset-max-ziplist-value"]));
    }

    public IReadOnlyList<ConfigDirective> All => _all;

    public ConfigDirective? Find(string name) => _byName.GetValueOrDefault(name);

    public ConfigDirective this[string name] => _byName[name];

    public int Port => (int)this["port"].NumericValue;
    public string Bind => this["bind"].Value;
    public string RequirePass => this["requirepass"].Value;
    public int MaxClients => (int)Math.Min(int.MaxValue, this["maxclients"].NumericValue);
    public long MaxMemory => this["maxmemory"].NumericValue;
    public string MaxMemoryPolicy => this["maxmemory-policy"].Value;
    public int MaxMemorySamples => (int)this["maxmemory-samples"].NumericValue;
    public int Databases => (int)this["databases"].NumericValue;
    public int Shards => (int)this["shards"].NumericValue;

    /// <summary>
    /// One shard thread per core but one, and at least one: the clients' and the kernel's network work needs a
    /// core too. On 2 cores one shard served redis-benchmark with less CPU per request than two in every test,
    /// and as fast or faster (SET -P 16 even, the rest 1.6x): with two, half the keys cost a hop to a thread
    /// that competes with the client for the other core (docs/performance.md, Runtime settings).
    /// </summary>
    public static int DefaultShards => Math.Max(1, Environment.ProcessorCount - 1);
    public long ProtoMaxBulkLen => this["proto-max-bulk-len"].NumericValue;
    /// <summary>hz as the server runs it: Redis clamps the configured value to 1..500.</summary>
    public int Hz => (int)Math.Clamp(this["hz"].NumericValue, 1, 500);
    public int LfuLogFactor => (int)this["lfu-log-factor"].NumericValue;
    public int LfuDecayTime => (int)this["lfu-decay-time"].NumericValue;
    public int ListMaxListpackSize => (int)this["list-max-listpack-size"].NumericValue;
    public long StreamNodeMaxBytes => this["stream-node-max-bytes"].NumericValue;
    public long StreamNodeMaxEntries => this["stream-node-max-entries"].NumericValue;
    public long HllSparseMaxBytes => this["hll-sparse-max-bytes"].NumericValue;
    public long HashMaxListpackEntries => this["hash-max-listpack-entries"].NumericValue;
    public long HashMaxListpackValue => this["hash-max-listpack-value"].NumericValue;
    public long SetMaxIntsetEntries => this["set-max-intset-entries"].NumericValue;

    // Redis chdir()s into it: it must exist, and CONFIG GET shows the absolute path.
    private static bool ParseDir(string text, out string canonical, out string? error)
    {
        canonical = "";
        error = null;
        string full = Path.GetFullPath(text);
        if (!Directory.Exists(full))
        {
            error = "No such file or directory";
            return false;
        }
        canonical = full;
        return true;
    }

    private static bool ParseFileName(string text, out string canonical, out string? error)
    {
        canonical = text;
        error = text.Contains('/') ? "dbfilename can't be a path, just a filename" : null;
        return error is null;
    }

    private static bool ParseNotifyKeyspaceEvents(string text, out string canonical, out string? error)
    {
        if (!Keyspace.KeyspaceEvents.TryParse(text, out int flags))
        {
            canonical = "";
            error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            return false;
        }
        canonical = Keyspace.KeyspaceEvents.Format(flags);
        error = null;
        return true;
    }

    /// <summary>client-output-buffer-limit as parsed: hard/soft bytes and soft seconds per client class.</summary>
    public OutputBufferLimits OutputLimits => OutputBufferLimits.FromText(this["client-output-buffer-limit"].Value);

    private void Add(ConfigDirective d)
    {
        _all.Add(d);
        _byName[d.Name] = d;
        foreach (var a in d.Aliases) _byName[a] = d;
    }
}
