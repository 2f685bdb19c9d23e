using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Server.Families;

/// <summary>Server commands: TIME, MEMORY, SLOWLOG, MONITOR, SHUTDOWN.</summary>
public static class ServerFamily
{
    private const CommandFlags Admin = HostAccess.AdminFlags;
    private const AclCategories AdminCats = HostAccess.AdminCats;
    private const CommandFlags LoadingStale = CommandFlags.Loading | CommandFlags.Stale;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("TIME", 1, LoadingStale | CommandFlags.Fast | CommandFlags.Random, AclCategories.Fast, Time,
            "Returns the server time.", "2.6.0", "server"),
        Declare.Local("MONITOR", 1, Admin, AdminCats, Monitor, "Listens for all requests received by the server in real-time.", "1.0.0", "server"),
        Declare.Local("SHUTDOWN", -1, Admin | CommandFlags.NoMulti | CommandFlags.AllowBusy, AdminCats, Shutdown,
            "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", "server"),
        Declare.Container("MEMORY", -2, CommandFlags.None, AclCategories.Slow, "A container for memory diagnostics commands.",
        [
            new CommandDef(new CommandSpec("USAGE", -3, CommandFlags.ReadOnly, 2, 2, 1, AclCategories.Read | AclCategories.Slow,
                "Estimates the memory usage of a key.", "4.0.0", "server"), CommandRoute.Keys, Usage),
            Declare.Local("STATS", 2, CommandFlags.Random, AclCategories.Slow, Stats, "Returns details about memory usage.", "4.0.0", "server"),
            Declare.Local("DOCTOR", 2, CommandFlags.Random, AclCategories.Slow, Doctor, "Outputs a memory problems report.", "4.0.0", "server"),
            Declare.Local("MALLOC-STATS", 2, CommandFlags.Random, AclCategories.Slow, MallocStats, "Returns the allocator statistics.", "4.0.0", "server"),
            Declare.Local("PURGE", 2, CommandFlags.None, AclCategories.Slow, Purge, "Asks the allocator to release memory.", "4.0.0", "server"),
            Declare.Local("HELP", 2, LoadingStale, AclCategories.Slow, MemoryHelp, "Returns helpful text about the different subcommands.", "4.0.0", "server"),
        ], since: "4.0.0"),
        Declare.Container("SLOWLOG", -2, CommandFlags.None, AclCategories.Slow, "A container for slow log commands.",
        [
            Declare.Local("GET", -2, CommandFlags.Admin | LoadingStale | CommandFlags.Random, AdminCats, SlowLogGet, "Returns the slow log's entries.", "2.2.12", "server"),
            Declare.Local("LEN", 2, CommandFlags.Admin | LoadingStale | CommandFlags.Random, AdminCats, SlowLogLen, "Returns the number of entries in the slow log.", "2.2.12", "server"),
            Declare.Local("RESET", 2, CommandFlags.Admin | LoadingStale, AdminCats, SlowLogReset, "Clears all entries from the slow log.", "2.2.12", "server"),
            Declare.Local("HELP", 2, LoadingStale, AclCategories.Slow, SlowLogHelp, "Show helpful text about the different subcommands", "6.2.0", "server"),
        ], since: "2.2.12"),
    ];

    private static void Time(CommandContext ctx)
    {
        long us = ctx.Engine.Clock.NowUs;
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.BulkInteger(us / 1_000_000);
        ctx.Reply.BulkInteger(us % 1_000_000);
    }


    private static void Monitor(CommandContext ctx)
    {
        var conn = ctx.Conn();
        // Like Redis: MONITOR again (or from a replica) is ignored without a reply.
        if (conn.IsMonitor) return;
        conn.StartMonitorAfterReply();
        ctx.Reply.Ok();
    }

    private static void Shutdown(CommandContext ctx)
    {
        bool nosave = false, save = false, abort = false, other = false;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "NOSAVE"u8)) nosave = true;
            else if (ctx.ArgIs(i, "SAVE"u8)) save = true;
            else if (ctx.ArgIs(i, "NOW"u8) || ctx.ArgIs(i, "FORCE"u8)) other = true;
            else if (ctx.ArgIs(i, "ABORT"u8)) abort = true;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if ((abort && (nosave || save || other)) || (nosave && save))
        {
            ctx.SyntaxError();
            return;
        }
        if (abort)
        {
            ctx.Error("ERR No shutdown in progress.");
            return;
        }
        var host = ctx.Host();
        // The final save (unless NOSAVE) happens once clients are gone. Like Redis, the client gets no reply.
        if (save) host.SaveOnExit = true;
        else if (nosave) host.SaveOnExit = false;
        ctx.Session.CloseAfterReply = true;
        host.RequestStop(0);
    }

    private static void MemoryHelp(CommandContext ctx) => ctx.Help("MEMORY",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).");

    private static void Usage(CommandContext ctx)
    {
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "SAMPLES"u8) && j + 1 < ctx.ArgCount)
            {
                if (!ctx.TryGetLong(j + 1, out long samples)) return;
                if (samples < 0)
                {
                    ctx.SyntaxError();
                    return;
                }
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var key = ctx.Arg(2);
        var db = ctx.Db(key);
        nint rec = db.Find(key, ctx.Now);
        if (rec == 0)
        {
            ctx.Reply.NullBulk();
            return;
        }
        ctx.Reply.Integer(RecordUsage(db, rec));
    }

    /// <summary>Bytes a key costs: its record rounded to the arena's size class, its share of the index, and its object.</summary>
    public static long RecordUsage(Database db, nint rec)
    {
        long usage = SlabArena.ClassSize(Record.TotalSize(rec));
        long count = Math.Max(1, db.Count);
        usage += db.IndexBytes / count;
        if (Record.Type(rec) != KeyType.String)
        {
            var store = db.Store;
            usage += store.ObjectBytes / Math.Max(1, store.Objects.Count);
        }
        return usage;
    }

    private static void Stats(CommandContext ctx)
    {
        var host = ctx.Host();
        var w = ctx.Reply;
        long used = host.UsedMemory();
        long peak = Math.Max(used, Interlocked.Read(ref host.PeakMemory));
        long startup = host.StartupMemory;
        long data = host.Engine.UsedBytes;
        long overhead = Math.Max(0, used - data);
        long rss = InfoSections.ResidentBytes();
        long clients = host.Clients.All.Sum(c => (long)c.QueryBufferCapacity + c.OutputCapacity);
        long keys = 0;
        var dbs = new List<(int Db, long Main, long Expires)>();
        for (int d = 0; d < host.Config.Databases; d++)
        {
            long k = 0, main = 0, exp = 0;
            foreach (var s in host.Engine.Shards)
            {
                var db = s.Databases[d];
                k += db.Count;
                main += db.IndexBytes;
                exp += db.VolatileCount > 0 ? db.VolatileCount * 16 : 0;
            }
            keys += k;
            if (k > 0) dbs.Add((d, main, exp));
        }
        w.MapHeader(27 + dbs.Count);
        void Int(string name, long v)
        {
            w.Bulk(name);
            w.Integer(v);
        }
        void Dbl(string name, double v)
        {
            w.Bulk(name);
            w.Double(v);
        }
        Int("peak.allocated", peak);
        Int("total.allocated", used);
        Int("startup.allocated", startup);
        Int("replication.backlog", 0);
        Int("clients.slaves", 0);
        Int("clients.normal", clients);
        Int("cluster.links", 0);
        Int("aof.buffer", 0);
        Int("lua.caches", 0);
        Int("functions.caches", 0);
        foreach (var (d, main, exp) in dbs)
        {
            w.Bulk($"db.{d}");
            w.MapHeader(3);
            Int("overhead.hashtable.main", main);
            Int("overhead.hashtable.expires", exp);
            Int("overhead.hashtable.slot-to-keys", 0);
        }
        Int("overhead.total", overhead);
        Int("keys.count", keys);
        Int("keys.bytes-per-key", keys == 0 ? 0 : (used - startup) / keys);
        Int("dataset.bytes", data);
        Dbl("dataset.percentage", used - startup <= 0 ? 0 : (float)(data * 100.0 / (used - startup)));
        Dbl("peak.percentage", peak == 0 ? 0 : (float)(used * 100.0 / peak));
        Int("allocator.allocated", used);
        Int("allocator.active", used);
        Int("allocator.resident", rss);
        Dbl("allocator-fragmentation.ratio", 1);
        Int("allocator-fragmentation.bytes", 0);
        Dbl("allocator-rss.ratio", used == 0 ? 0 : (float)((double)rss / used));
        Int("allocator-rss.bytes", rss - used);
        Dbl("rss-overhead.ratio", 1);
        Int("rss-overhead.bytes", 0);
        Dbl("fragmentation", used == 0 ? 0 : (float)((double)rss / used));
        Int("fragmentation.bytes", rss - used);
    }

    private static void Doctor(CommandContext ctx)
    {
        var host = ctx.Host();
        string text = host.UsedMemory() - host.StartupMemory < 5 * 1024 * 1024 && host.Engine.Shards.All(s => s.Databases.All(d => d.Count == 0))
            ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
            : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        ctx.Reply.Verbatim(Encoding.ASCII.GetBytes(text));
    }

    private static void MallocStats(CommandContext ctx) => ctx.Reply.Verbatim("Stats not supported for the current allocator"u8);

    private static void Purge(CommandContext ctx)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ctx.Reply.Ok();
    }

    private static void SlowLogHelp(CommandContext ctx) => ctx.Help("SLOWLOG",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.");

    private static void SlowLogGet(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{ClientFamily.CString(ctx.Arg(1))}'. Try SLOWLOG HELP.");
            return;
        }
        long count = 10;
        if (ctx.ArgCount == 3 && (!NumberParser.TryParseInt64(ctx.Arg(2), out count) || count < -1))
        {
            ctx.Error("ERR count should be greater than or equal to -1");
            return;
        }
        Hosting.SlowLog.Write(ctx.Reply, ctx.Host().SlowLog.Get(count));
    }

    private static void SlowLogLen(CommandContext ctx) => ctx.Reply.Integer(ctx.Host().SlowLog.Count);

    private static void SlowLogReset(CommandContext ctx)
    {
        ctx.Host().SlowLog.Reset();
        ctx.Reply.Ok();
    }
}
