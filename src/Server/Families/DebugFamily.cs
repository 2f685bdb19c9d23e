using System.Buffers.Text;
using System.Globalization;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Server.Families;

/// <summary>
/// DEBUG: SLEEP, POPULATE, OBJECT, LOG, ERROR, CHANGE-REPL-ID, HELP. It runs with every shard parked, so like
/// Redis's DEBUG it stops the whole keyspace while it runs (DEBUG SLEEP blocks every client).
/// </summary>
public static class DebugFamily
{
    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Global("DEBUG", -2, HostAccess.AdminFlags, HostAccess.AdminCats, Debug,
            "A container for debugging commands.", group: "server"),
    ];

    private const string NotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

    private static bool Allowed(CommandContext ctx) => ctx.EnabledFor("enable-debug-command");

    private static void Debug(CommandContext ctx)
    {
        if (!Allowed(ctx))
        {
            ctx.Error(NotAllowed);
            return;
        }
        int argc = ctx.ArgCount;
        if (ctx.ArgIs(1, "HELP"u8) && argc == 2) Help(ctx);
        else if (ctx.ArgIs(1, "SLEEP"u8) && argc == 3) Sleep(ctx);
        else if (ctx.ArgIs(1, "POPULATE"u8) && argc >= 3 && argc <= 5) Populate(ctx);
        else if (ctx.ArgIs(1, "OBJECT"u8) && argc == 3) ObjectInfo(ctx);
        else if (ctx.ArgIs(1, "LOG"u8) && argc == 3)
        {
            ctx.Host().Log.Warning("DEBUG LOG: " + ctx.ArgRaw(2));
            ctx.Reply.Ok();
        }
        else if (ctx.ArgIs(1, "ERROR"u8) && argc == 3) ctx.Error(ctx.ArgRaw(2));
        else if (ctx.ArgIs(1, "CHANGE-REPL-ID"u8) && argc == 2) ctx.Reply.Ok();
        else if (ctx.ArgIs(1, "RELOAD"u8)) DebugReload.Run(ctx);
        else ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{ClientFamily.CString(ctx.Arg(1))}'. Try DEBUG HELP.");
    }

    private static void Help(CommandContext ctx) => ctx.Help("DEBUG",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.");

    /// <summary>C's atof: the longest numeric prefix, 0 when there is none.</summary>
    private static double Atof(string s)
    {
        s = s.TrimStart();
        for (int len = s.Length; len > 0; len--)
            if (double.TryParse(s.AsSpan(0, len), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        return 0;
    }

    private static void Sleep(CommandContext ctx)
    {
        double seconds = Atof(ctx.ArgRaw(2));
        if (seconds > 0 && double.IsFinite(seconds)) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue / 1000.0)));
        ctx.Reply.Ok();
    }

    private static bool TryPositive(CommandContext ctx, int index, out long value)
    {
        if (NumberParser.TryParseInt64(ctx.Arg(index), out value) && value >= 0) return true;
        ctx.Error("ERR value is out of range, must be positive");
        return false;
    }

    private static void Populate(CommandContext ctx)
    {
        if (!TryPositive(ctx, 2, out long count)) return;
        byte[] prefix = ctx.ArgCount >= 4 ? ctx.Arg(3).ToArray() : "key"u8.ToArray();
        long size = 0;
        if (ctx.ArgCount == 5 && !TryPositive(ctx, 4, out size)) return;
        if (size > int.MaxValue - 64)
        {
            ctx.Error(Errors.StringTooLong);
            return;
        }
        var shards = ctx.Engine.Shards;
        int dbIndex = ctx.DbIndex;
        long now = ctx.Now;
        // Every shard is parked for this command, so each worker may write its own shard's database directly.
        Parallel.For(0, shards.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, s =>
        {
            var db = shards[s].Databases[dbIndex];
            var key = new byte[prefix.Length + 21];
            prefix.CopyTo(key, 0);
            key[prefix.Length] = (byte)':';
            var value = new byte[Math.Max(27, (int)size)];
            "value:"u8.CopyTo(value);
            int shardCount = shards.Length;
            // Keys of one run are distinct, so an empty database needs no existence check.
            bool check = db.Count > 0;
            for (long i = 0; i < count; i++)
            {
                Utf8Formatter.TryFormat(i, key.AsSpan(prefix.Length + 1), out int digits);
                var k = key.AsSpan(0, prefix.Length + 1 + digits);
                if (shardCount > 1 && KeyHash.ShardOf(k, shardCount) != s) continue;
                if (check && db.Find(k, now) != 0) continue;
                Utf8Formatter.TryFormat(i, value.AsSpan(6), out int vdigits);
                int natural = 6 + vdigits;
                ReadOnlySpan<byte> v;
                if (size == 0) v = value.AsSpan(0, natural);
                else
                {
                    if (size > natural) value.AsSpan(natural, (int)size - natural).Clear();
                    v = value.AsSpan(0, (int)size);
                }
                db.SetString(k, v, 0, now);
            }
        });
        ctx.Reply.Ok();
    }

    /// <summary>OBJECT ENCODING names as Redis 7.0 would report them for a string value.</summary>
    public static string StringEncoding(nint rec)
    {
        var v = Record.Value(rec);
        if ((Record.Flags(rec) & Record.RawEncodingFlag) != 0) return "raw";
        if (v.Length <= 20 && NumberParser.TryParseInt64(v, out _)) return "int";
        return v.Length <= 44 ? "embstr" : "raw";
    }

    private static string Encoding(nint rec) => Record.Type(rec) switch
    {
        KeyType.String => StringEncoding(rec),
        KeyType.List => "quicklist",
        KeyType.Set => "hashtable",
        KeyType.SortedSet => "skiplist",
        KeyType.Hash => "hashtable",
        KeyType.Stream => "stream",
        _ => "raw",
    };

    /// <summary>The RDB length of a string as rdbSaveStringObject writes it (integer encodings; no LZF).</summary>
    private static long SerializedLength(nint rec)
    {
        if (Record.Type(rec) != KeyType.String) return 1;
        var v = Record.Value(rec);
        if (v.Length <= 11 && NumberParser.TryParseInt64(v, out long n))
        {
            if (n >= sbyte.MinValue && n <= sbyte.MaxValue) return 2;
            if (n >= short.MinValue && n <= short.MaxValue) return 3;
            if (n >= int.MinValue && n <= int.MaxValue) return 5;
        }
        long len = v.Length;
        long header = len < 64 ? 1 : len < 16384 ? 2 : len <= uint.MaxValue ? 5 : 9;
        return header + len;
    }

    private static void ObjectInfo(CommandContext ctx)
    {
        var key = ctx.Arg(2);
        nint rec = ctx.Db(key).Find(key, ctx.Now);
        if (rec == 0)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        string encoding = Encoding(rec);
        bool shared = encoding == "int" && NumberParser.TryParseInt64(Record.Value(rec), out long n) && n >= 0 && n < 10000 &&
            (ctx.Engine.Config.MaxMemory == 0 || !(ctx.Engine.Config.MaxMemoryPolicy.Contains("lru") || ctx.Engine.Config.MaxMemoryPolicy.Contains("lfu")));
        uint lru = Record.Lru(rec);
        long idle = AccessTracker.IdleMs(lru, ctx.Now) / 1000;
        ctx.Reply.SimpleString(
            $"Value at:0x{(long)rec:x} refcount:{(shared ? int.MaxValue : 1)} encoding:{encoding} serializedlength:{SerializedLength(rec)} lru:{lru} lru_seconds_idle:{idle}");
    }
}
