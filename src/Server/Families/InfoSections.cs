using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using TdbPlus.Shards.Persistence.Aof;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Server.Families;

/// <summary>The text of INFO: Redis 7.0's sections, field names and formats, filled from TDB+'s state.</summary>
public static class InfoSections
{
    /// <summary>The Redis version TDB+ reports for client compatibility.</summary>
    public const string RedisVersion = "7.0.15";

    /// <summary>Every section in output order, with whether "default" includes it.</summary>
    private static readonly (string Name, bool Default)[] Sections =
    [
        ("server", true), ("clients", true), ("memory", true), ("persistence", true), ("stats", true),
        ("replication", true), ("cpu", true), ("modules", true), ("commandstats", false), ("errorstats", true),
        ("latencystats", false), ("cluster", true), ("keyspace", true),
    ];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string TdbPlusVersion { get; } =
        typeof(InfoSections).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";

    /// <summary>Which sections the arguments ask for (none = default); unknown names select nothing.</summary>
    public static HashSet<string> Select(IEnumerable<string> args)
    {
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        bool any = false;
        foreach (var raw in args)
        {
            any = true;
            string a = raw.ToLowerInvariant();
            switch (a)
            {
                case "all":
                case "everything":
                    foreach (var s in Sections) chosen.Add(s.Name);
                    break;
                case "default":
                    foreach (var s in Sections) if (s.Default) chosen.Add(s.Name);
                    break;
                default:
                    chosen.Add(a);
                    break;
            }
        }
        if (!any) foreach (var s in Sections) if (s.Default) chosen.Add(s.Name);
        return chosen;
    }

    public static string Build(ServerHost host, HashSet<string> chosen)
    {
        var sb = new StringBuilder(4096);
        foreach (var (name, _) in Sections)
        {
            if (!chosen.Contains(name)) continue;
            if (sb.Length > 0) sb.Append("\r\n");
            switch (name)
            {
                case "server": Server(sb, host); break;
                case "clients": Clients(sb, host); break;
                case "memory": Memory(sb, host); break;
                case "persistence": Persistence(sb, host); break;
                case "stats": Stats(sb, host); break;
                case "replication": Replication(sb, host); break;
                case "cpu": Cpu(sb); break;
                case "modules": sb.Append("# Modules\r\n"); break;
                case "commandstats": CommandStats(sb, host); break;
                case "errorstats": ErrorStats(sb, host); break;
                case "latencystats": sb.Append("# Latencystats\r\n"); break;
                case "cluster": sb.Append("# Cluster\r\ncluster_enabled:0\r\n"); break;
                case "keyspace": Keyspace(sb, host); break;
            }
        }
        return sb.ToString();
    }

    private static void Field(StringBuilder sb, string name, string value) => sb.Append(name).Append(':').Append(value).Append("\r\n");

    private static void Field(StringBuilder sb, string name, long value) =>
        sb.Append(name).Append(':').Append(value.ToString(Inv)).Append("\r\n");

    /// <summary>bytesToHuman.</summary>
    public static string Human(long n)
    {
        double d = n;
        if (n < 1024) return $"{n}B";
        if (n < 1024L * 1024) return (d / 1024).ToString("F2", Inv) + "K";
        if (n < 1024L * 1024 * 1024) return (d / (1024 * 1024)).ToString("F2", Inv) + "M";
        if (n < 1024L * 1024 * 1024 * 1024) return (d / (1024L * 1024 * 1024)).ToString("F2", Inv) + "G";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024) return (d / (1024L * 1024 * 1024 * 1024)).ToString("F2", Inv) + "T";
        if (n < 1024L * 1024 * 1024 * 1024 * 1024 * 1024) return (d / (1024L * 1024 * 1024 * 1024 * 1024)).ToString("F2", Inv) + "P";
        return $"{n}B";
    }

    private static string OsText()
    {
        string release = ReadTrim("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString();
        string arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "x86_64",
            System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
            var a => a.ToString().ToLowerInvariant(),
        };
        string sys = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : "Windows";
        return $"{sys} {release} {arch}";
    }

    private static string? ReadTrim(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Server(StringBuilder sb, ServerHost host)
    {
        long nowMs = host.Engine.Clock.NowMs;
        long uptime = (Environment.TickCount64 - host.Stats.StartTicks) / 1000;
        sb.Append("# Server\r\n");
        Field(sb, "redis_version", RedisVersion);
        Field(sb, "tdbplus_version", TdbPlusVersion);
        Field(sb, "redis_git_sha1", "00000000");
        Field(sb, "redis_git_dirty", 0);
        Field(sb, "redis_build_id", host.RunId[..16]);
        Field(sb, "redis_mode", "standalone");
        Field(sb, "os", OsText());
        Field(sb, "arch_bits", IntPtr.Size * 8);
        Field(sb, "monotonic_clock", "POSIX clock_gettime");
        Field(sb, "multiplexing_api", "epoll");
        Field(sb, "atomicvar_api", "c11-builtin");
        Field(sb, "gcc_version", "0.0.0");
        Field(sb, "process_id", Environment.ProcessId);
        Field(sb, "process_supervised", "no");
        Field(sb, "run_id", host.RunId);
        Field(sb, "tcp_port", host.BoundPorts.Count > 0 ? host.BoundPorts[0] : host.Config.Port);
        Field(sb, "server_time_usec", host.Engine.Clock.NowUs);
        Field(sb, "uptime_in_seconds", uptime);
        Field(sb, "uptime_in_days", uptime / 86400);
        Field(sb, "hz", host.Engine.Hz);
        Field(sb, "configured_hz", host.Config.Hz);
        Field(sb, "lru_clock", AccessTracker.LruClock(nowMs));
        Field(sb, "executable", Executable);
        Field(sb, "config_file", host.ConfigFile ?? "");
        Field(sb, "io_threads_active", 0);
        Field(sb, "tdbplus_shards", host.Engine.Count);
    }

    private static readonly string Executable = ResolveExecutable();

    private static string ResolveExecutable()
    {
        string[] args = Environment.GetCommandLineArgs();
        string first = args.Length > 0 ? args[0] : Environment.ProcessPath ?? "";
        try
        {
            return Path.GetFullPath(first);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return first;
        }
    }

    private static void Clients(StringBuilder sb, ServerHost host)
    {
        long maxIn = 0, maxOut = 0;
        foreach (var c in host.Clients.All)
        {
            maxIn = Math.Max(maxIn, c.QueryBufferCapacity);
            maxOut = Math.Max(maxOut, c.OutputLength);
        }
        sb.Append("# Clients\r\n");
        Field(sb, "connected_clients", host.Clients.Count);
        Field(sb, "cluster_connections", 0);
        Field(sb, "maxclients", host.Config.MaxClients);
        Field(sb, "client_recent_max_input_buffer", maxIn);
        Field(sb, "client_recent_max_output_buffer", maxOut);
        Field(sb, "blocked_clients", host.Engine.BlockedClients);
        Field(sb, "tracking_clients", host.Tracker.TrackingClients);
        Field(sb, "clients_in_timeout_table", 0);
    }

    /// <summary>Resident set size from /proc/self/statm (pages), else the process working set.</summary>
    public static long ResidentBytes()
    {
        string? statm = ReadTrim("/proc/self/statm");
        if (statm is not null)
        {
            var parts = statm.Split(' ');
            if (parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, Inv, out long pages)) return pages * Environment.SystemPageSize;
        }
        return Environment.WorkingSet;
    }

    private static long TotalSystemMemory()
    {
        string? meminfo = ReadTrim("/proc/meminfo");
        if (meminfo is not null)
        {
            foreach (var line in meminfo.Split('\n'))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var digits = new string(line.Where(char.IsAsciiDigit).ToArray());
                if (long.TryParse(digits, NumberStyles.None, Inv, out long kb)) return kb * 1024;
            }
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static string Ratio(double a, double b) => (b == 0 ? 0 : a / b).ToString("F2", Inv);

    private static void Memory(StringBuilder sb, ServerHost host)
    {
        long used = host.UsedMemory();
        long peak = Math.Max(used, Interlocked.Read(ref host.PeakMemory));
        long rss = ResidentBytes();
        long data = host.Engine.UsedBytes;
        long startup = host.StartupMemory;
        long overhead = Math.Max(0, used - data);
        long dataset = Math.Max(0, used - overhead);
        long allocated = host.Engine.Shards.Sum(s => s.Store.Arena.ReservedBytes) + GC.GetGCMemoryInfo().HeapSizeBytes;
        long total = TotalSystemMemory();
        long maxmemory = host.Config.MaxMemory;
        sb.Append("# Memory\r\n");
        Field(sb, "used_memory", used);
        Field(sb, "used_memory_human", Human(used));
        Field(sb, "used_memory_rss", rss);
        Field(sb, "used_memory_rss_human", Human(rss));
        Field(sb, "used_memory_peak", peak);
        Field(sb, "used_memory_peak_human", Human(peak));
        Field(sb, "used_memory_peak_perc", (peak == 0 ? 0 : used * 100.0 / peak).ToString("F2", Inv) + "%");
        Field(sb, "used_memory_overhead", overhead);
        Field(sb, "used_memory_startup", startup);
        Field(sb, "used_memory_dataset", dataset);
        Field(sb, "used_memory_dataset_perc", (used - startup <= 0 ? 0 : dataset * 100.0 / (used - startup)).ToString("F2", Inv) + "%");
        Field(sb, "allocator_allocated", used);
        Field(sb, "allocator_active", allocated);
        Field(sb, "allocator_resident", rss);
        Field(sb, "total_system_memory", total);
        Field(sb, "total_system_memory_human", Human(total));
        Field(sb, "used_memory_lua", 0);
        Field(sb, "used_memory_vm_eval", 0);
        Field(sb, "used_memory_lua_human", "0B");
        Field(sb, "used_memory_scripts_eval", 0);
        Field(sb, "number_of_cached_scripts", 0);
        Field(sb, "number_of_functions", 0);
        Field(sb, "number_of_libraries", 0);
        Field(sb, "used_memory_vm_functions", 0);
        Field(sb, "used_memory_vm_total", 0);
        Field(sb, "used_memory_vm_total_human", "0B");
        Field(sb, "used_memory_functions", 0);
        Field(sb, "used_memory_scripts", 0);
        Field(sb, "used_memory_scripts_human", "0B");
        Field(sb, "maxmemory", maxmemory);
        Field(sb, "maxmemory_human", Human(maxmemory));
        Field(sb, "maxmemory_policy", host.Config.MaxMemoryPolicy);
        Field(sb, "allocator_frag_ratio", Ratio(allocated, used));
        Field(sb, "allocator_frag_bytes", allocated - used);
        Field(sb, "allocator_rss_ratio", Ratio(rss, allocated));
        Field(sb, "allocator_rss_bytes", rss - allocated);
        Field(sb, "rss_overhead_ratio", Ratio(rss, rss));
        Field(sb, "rss_overhead_bytes", 0);
        Field(sb, "mem_fragmentation_ratio", Ratio(rss, used));
        Field(sb, "mem_fragmentation_bytes", rss - used);
        Field(sb, "mem_not_counted_for_evict", 0);
        Field(sb, "mem_replication_backlog", 0);
        Field(sb, "mem_total_replication_buffers", 0);
        Field(sb, "mem_clients_slaves", 0);
        Field(sb, "mem_clients_normal", host.Clients.All.Sum(c => (long)c.QueryBufferCapacity + c.OutputCapacity));
        Field(sb, "mem_cluster_links", 0);
        Field(sb, "mem_aof_buffer", host.Aof.BufferLength);
        Field(sb, "mem_allocator", "tdbplus-slab");
        Field(sb, "active_defrag_running", 0);
        Field(sb, "lazyfree_pending_objects", 0);
        Field(sb, "lazyfreed_objects", 0);
    }

    private static void Persistence(StringBuilder sb, ServerHost host)
    {
        sb.Append("# Persistence\r\n");
        var loading = host.Loading;
        var snapshots = host.Snapshots;
        var (processed, total) = snapshots.CurrentKeys;
        long startTicks = snapshots.CurrentStartTicks;
        Field(sb, "loading", loading.Active ? 1 : 0);
        Field(sb, "async_loading", 0);
        Field(sb, "current_cow_peak", 0);
        Field(sb, "current_cow_size", 0);
        Field(sb, "current_cow_size_age", 0);
        Field(sb, "current_fork_perc", (total == 0 ? 0.0 : processed * 100.0 / total).ToString("0.00", CultureInfo.InvariantCulture));
        Field(sb, "current_save_keys_processed", processed);
        Field(sb, "current_save_keys_total", total);
        Field(sb, "rdb_changes_since_last_save", snapshots.ChangesSinceLastSave);
        Field(sb, "rdb_bgsave_in_progress", startTicks != 0 ? 1 : 0);
        Field(sb, "rdb_last_save_time", snapshots.LastSaveUnix);
        Field(sb, "rdb_last_bgsave_status", snapshots.LastBgsaveOk ? "ok" : "err");
        Field(sb, "rdb_last_bgsave_time_sec", snapshots.LastBgsaveSeconds);
        Field(sb, "rdb_current_bgsave_time_sec", startTicks != 0 ? (long)System.Diagnostics.Stopwatch.GetElapsedTime(startTicks).TotalSeconds : -1);
        Field(sb, "rdb_saves", snapshots.Saves);
        Field(sb, "rdb_last_cow_size", snapshots.LastPeakBytes);
        Field(sb, "rdb_last_load_keys_expired", loading.LastKeysExpired);
        Field(sb, "rdb_last_load_keys_loaded", loading.LastKeysLoaded);
        IAofStatus aof = host.Aof;
        Field(sb, "aof_enabled", aof.Enabled ? 1 : 0);
        Field(sb, "aof_rewrite_in_progress", aof.RewriteInProgress ? 1 : 0);
        Field(sb, "aof_rewrite_scheduled", aof.RewriteScheduled ? 1 : 0);
        Field(sb, "aof_last_rewrite_time_sec", aof.LastRewriteTimeSec);
        Field(sb, "aof_current_rewrite_time_sec", aof.CurrentRewriteTimeSec);
        Field(sb, "aof_last_bgrewrite_status", aof.LastBgRewriteOk ? "ok" : "err");
        Field(sb, "aof_rewrites", aof.Rewrites);
        Field(sb, "aof_rewrites_consecutive_failures", aof.RewritesConsecutiveFailures);
        Field(sb, "aof_last_write_status", aof.LastWriteOk ? "ok" : "err");
        Field(sb, "aof_last_cow_size", 0);
        Field(sb, "module_fork_in_progress", 0);
        Field(sb, "module_fork_last_cow_size", 0);
        if (aof.Enabled)
        {
            Field(sb, "aof_current_size", aof.CurrentSize);
            Field(sb, "aof_base_size", aof.BaseSize);
            Field(sb, "aof_pending_rewrite", 0);
            Field(sb, "aof_buffer_length", aof.BufferLength);
            Field(sb, "aof_pending_bio_fsync", 0);
            Field(sb, "aof_delayed_fsync", 0);
        }
        if (loading.Active)
        {
            Field(sb, "loading_start_time", loading.StartUnix);
            Field(sb, "loading_total_bytes", loading.TotalBytes);
            Field(sb, "loading_rdb_used_mem", 0);
            Field(sb, "loading_loaded_bytes", loading.LoadedBytes);
            Field(sb, "loading_loaded_perc", loading.Percent.ToString("0.00", CultureInfo.InvariantCulture));
            Field(sb, "loading_eta_seconds", loading.EtaSeconds);
        }
    }

    /// <summary>Sums of the shard-owned counters (read without parking the shards: INFO is a snapshot).</summary>
    public static (long Hits, long Misses, long Expired, long Evicted) ShardCounters(ServerHost host)
    {
        long hits = 0, misses = 0, expired = 0, evicted = 0;
        foreach (var s in host.Engine.Shards)
        {
            hits += s.Store.KeyspaceHits;
            misses += s.Store.KeyspaceMisses;
            evicted += s.EvictedKeys;
            foreach (var db in s.Databases) expired += db.ExpiredKeys;
        }
        var st = host.Stats;
        return (hits - Interlocked.Read(ref st.KeyspaceHitsBase), misses - Interlocked.Read(ref st.KeyspaceMissesBase),
            expired - Interlocked.Read(ref st.ExpiredKeysBase), evicted - Interlocked.Read(ref st.EvictedKeysBase));
    }

    private static void Stats(StringBuilder sb, ServerHost host)
    {
        var st = host.Stats;
        var (hits, misses, expired, evicted) = ShardCounters(host);
        sb.Append("# Stats\r\n");
        Field(sb, "total_connections_received", Interlocked.Read(ref st.ConnectionsReceived));
        Field(sb, "total_commands_processed", st.CommandsProcessed);
        Field(sb, "instantaneous_ops_per_sec", host.Metrics.OpsPerSec);
        Field(sb, "total_net_input_bytes", st.NetInputBytes);
        Field(sb, "total_net_output_bytes", st.NetOutputBytes);
        Field(sb, "total_net_repl_input_bytes", 0);
        Field(sb, "total_net_repl_output_bytes", 0);
        Field(sb, "instantaneous_input_kbps", host.Metrics.InputKbps.ToString("F2", Inv));
        Field(sb, "instantaneous_output_kbps", host.Metrics.OutputKbps.ToString("F2", Inv));
        Field(sb, "instantaneous_input_repl_kbps", "0.00");
        Field(sb, "instantaneous_output_repl_kbps", "0.00");
        Field(sb, "rejected_connections", Interlocked.Read(ref st.RejectedConnections));
        Field(sb, "sync_full", 0);
        Field(sb, "sync_partial_ok", 0);
        Field(sb, "sync_partial_err", 0);
        Field(sb, "expired_keys", expired);
        Field(sb, "expired_stale_perc", "0.00");
        Field(sb, "expired_time_cap_reached_count", 0);
        Field(sb, "expire_cycle_cpu_milliseconds", 0);
        Field(sb, "evicted_keys", evicted);
        Field(sb, "evicted_clients", 0);
        Field(sb, "total_eviction_exceeded_time", 0);
        Field(sb, "current_eviction_exceeded_time", 0);
        Field(sb, "keyspace_hits", hits);
        Field(sb, "keyspace_misses", misses);
        Field(sb, "pubsub_channels", host.PubSub.ChannelCount);
        Field(sb, "pubsub_patterns", host.PubSub.PatternCount);
        Field(sb, "pubsubshard_channels", host.PubSub.ShardChannelCount);
        Field(sb, "latest_fork_usec", 0);
        Field(sb, "total_forks", 0);
        Field(sb, "migrate_cached_sockets", 0);
        Field(sb, "slave_expires_tracked_keys", 0);
        Field(sb, "active_defrag_hits", 0);
        Field(sb, "active_defrag_misses", 0);
        Field(sb, "active_defrag_key_hits", 0);
        Field(sb, "active_defrag_key_misses", 0);
        Field(sb, "total_active_defrag_time", 0);
        Field(sb, "current_active_defrag_time", 0);
        Field(sb, "tracking_total_keys", host.Tracker.TotalKeys);
        Field(sb, "tracking_total_items", host.Tracker.TotalItems);
        Field(sb, "tracking_total_prefixes", host.Tracker.TotalPrefixes);
        Field(sb, "unexpected_error_replies", 0);
        Field(sb, "total_error_replies", Interlocked.Read(ref st.TotalErrorReplies));
        Field(sb, "dump_payload_sanitizations", 0);
        Field(sb, "total_reads_processed", 0);
        Field(sb, "total_writes_processed", 0);
        Field(sb, "io_threaded_reads_processed", 0);
        Field(sb, "io_threaded_writes_processed", 0);
        Field(sb, "reply_buffer_shrinks", 0);
        Field(sb, "reply_buffer_expands", 0);
        Field(sb, "tdbplus_multi_shard_transactions", host.Engine.TransactionsScheduled);
    }

    private static void Replication(StringBuilder sb, ServerHost host)
    {
        sb.Append("# Replication\r\n");
        Field(sb, "role", "master");
        Field(sb, "connected_slaves", 0);
        Field(sb, "master_failover_state", "no-failover");
        Field(sb, "master_replid", host.ReplId);
        Field(sb, "master_replid2", new string('0', 40));
        Field(sb, "master_repl_offset", 0);
        Field(sb, "second_repl_offset", -1);
        Field(sb, "repl_backlog_active", 0);
        Field(sb, "repl_backlog_size", 1048576);
        Field(sb, "repl_backlog_first_byte_offset", 0);
        Field(sb, "repl_backlog_histlen", 0);
    }

    private static string Seconds(TimeSpan t)
    {
        long us = (long)t.TotalMicroseconds;
        return $"{us / 1_000_000}.{us % 1_000_000:D6}";
    }

    private static void Cpu(StringBuilder sb)
    {
        using var p = Process.GetCurrentProcess();
        sb.Append("# CPU\r\n");
        Field(sb, "used_cpu_sys", Seconds(p.PrivilegedProcessorTime));
        Field(sb, "used_cpu_user", Seconds(p.UserProcessorTime));
        Field(sb, "used_cpu_sys_children", "0.000000");
        Field(sb, "used_cpu_user_children", "0.000000");
        Field(sb, "used_cpu_sys_main_thread", Seconds(p.PrivilegedProcessorTime));
        Field(sb, "used_cpu_user_main_thread", Seconds(p.UserProcessorTime));
    }

    private static void CommandStats(StringBuilder sb, ServerHost host)
    {
        sb.Append("# Commandstats\r\n");
        var all = new List<Shards.Commands.CommandDef>();
        foreach (var def in host.Commands.All)
        {
            if (def.Subcommands is { } subs) all.AddRange(subs.Values);
            all.Add(def);
        }
        foreach (var def in all.OrderBy(d => d.FullName, StringComparer.Ordinal))
        {
            long calls = def.Calls, failed = def.FailedCalls, rejected = def.RejectedCalls;
            if (calls == 0 && failed == 0 && rejected == 0) continue;
            long usec = def.Microseconds;
            sb.Append("cmdstat_").Append(def.FullName).Append(":calls=").Append(calls)
              .Append(",usec=").Append(usec)
              .Append(",usec_per_call=").Append((calls == 0 ? 0 : (double)usec / calls).ToString("F2", Inv))
              .Append(",rejected_calls=").Append(rejected)
              .Append(",failed_calls=").Append(failed).Append("\r\n");
        }
    }

    private static void ErrorStats(StringBuilder sb, ServerHost host)
    {
        sb.Append("# Errorstats\r\n");
        foreach (var (code, count) in host.Observer.ErrorCounts)
            sb.Append("errorstat_").Append(code).Append(":count=").Append(count).Append("\r\n");
    }

    /// <summary>Keys, keys with a TTL and the average TTL of one logical database over all shards.</summary>
    public static (long Keys, long Expires, long AvgTtl) DbCounts(ServerHost host, int db)
    {
        long keys = 0, expires = 0, ttlWeighted = 0, ttlWeight = 0;
        foreach (var s in host.Engine.Shards)
        {
            var d = s.Databases[db];
            keys += d.Count;
            long v = d.VolatileCount;
            expires += v;
            if (d.AverageTtl > 0)
            {
                ttlWeighted += d.AverageTtl * Math.Max(1, v);
                ttlWeight += Math.Max(1, v);
            }
        }
        return (keys, expires, ttlWeight == 0 ? 0 : ttlWeighted / ttlWeight);
    }

    private static void Keyspace(StringBuilder sb, ServerHost host)
    {
        sb.Append("# Keyspace\r\n");
        for (int db = 0; db < host.Config.Databases; db++)
        {
            var (keys, expires, avg) = DbCounts(host, db);
            if (keys == 0) continue;
            sb.Append("db").Append(db).Append(":keys=").Append(keys).Append(",expires=").Append(expires)
              .Append(",avg_ttl=").Append(avg).Append("\r\n");
        }
    }
}
