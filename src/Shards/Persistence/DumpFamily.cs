using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence;

/// <summary>
/// DUMP, RESTORE (REPLACE ABSTTL IDLETIME FREQ), RESTORE-ASKING and MIGRATE, with Redis 7.0's payload format
/// (<see cref="DumpPayload"/>), replies and errors.
/// </summary>
public static class DumpFamily
{
    private const AclCategories ReadSlowCat = AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow;
    private const AclCategories WriteDangerCat =
        AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow | AclCategories.Dangerous;

    public const string BadPayload = "ERR DUMP payload version or checksum are wrong";
    public const string BadData = "ERR Bad data format";
    public const string BusyKey = "BUSYKEY Target key name already exists.";

    [ThreadStatic]
    private static RdbOutput? t_output;

    internal static RdbOutput Output => t_output ??= new RdbOutput();

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("DUMP", 2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlowCat, Dump,
            "Returns a serialized representation of the value stored at a key.", "2.6.0"),
        Declare.Keyed("RESTORE", -4, CommandFlags.Write | CommandFlags.DenyOom, 1, 1, 1, WriteDangerCat, Restore,
            "Creates a key from the serialized representation of a value.", "2.6.0"),
        Declare.Keyed("RESTORE-ASKING", -4, CommandFlags.Write | CommandFlags.DenyOom, 1, 1, 1, WriteDangerCat, Restore,
            "An internal command for migrating keys in a cluster.", "3.0.0", "server"),
        Declare.KeyedMovable("MIGRATE", -6, CommandFlags.Write, 3, 3, 1, MigrateKeys, WriteDangerCat, Migrate.Run,
            "Atomically transfers a key from one Redis instance to another.", "2.6.0"),
    ];

    /// <summary>rdbcompression (yes unless configured off).</summary>
    public static bool Compression(ServerConfig config) => config.Find("rdbcompression")?.Value != "no";

    /// <summary>list-compress-depth, which decides which list nodes a payload carries compressed.</summary>
    public static int CompressDepth(ServerConfig config) => (int)Math.Min(config["list-compress-depth"].NumericValue, int.MaxValue);

    /// <summary>MIGRATE's keys: the key argument, or everything after KEYS when it is empty.</summary>
    internal static void MigrateKeys(CommandArgs args, List<int> keys)
    {
        if (args.Count < 6) return;
        if (args[3].Length > 0)
        {
            keys.Add(3);
            return;
        }
        for (int i = 6; i < args.Count; i++)
        {
            if (!Ascii.EqualsIgnoreCase(args[i], "KEYS"u8)) continue;
            for (int k = i + 1; k < args.Count; k++) keys.Add(k);
            return;
        }
    }

    private static void Dump(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.NullBulk();
            return;
        }
        var o = Output;
        o.Clear();
        DumpPayload.Write(o, db, rec, Compression(ctx.Engine.Config), ctx.Engine.Config.ListMaxListpackSize, CompressDepth(ctx.Engine.Config));
        ctx.Reply.Bulk(o.Written);
    }

    private static void Restore(CommandContext ctx)
    {
        bool replace = false, absTtl = false;
        long idle = -1, freq = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            bool more = j + 1 < ctx.ArgCount;
            if (ctx.ArgIs(j, "REPLACE"u8)) replace = true;
            else if (ctx.ArgIs(j, "ABSTTL"u8)) absTtl = true;
            else if (ctx.ArgIs(j, "IDLETIME"u8) && more && freq == -1)
            {
                if (!ctx.TryGetLong(j + 1, out idle)) return;
                if (idle < 0)
                {
                    ctx.Error("ERR Invalid IDLETIME value, must be >= 0");
                    return;
                }
                j++;
            }
            else if (ctx.ArgIs(j, "FREQ"u8) && more && idle == -1)
            {
                if (!ctx.TryGetLong(j + 1, out freq)) return;
                if (freq < 0 || freq > 255)
                {
                    ctx.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
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
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!replace && db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch) != 0)
        {
            ctx.Error(BusyKey);
            return;
        }
        if (!ctx.TryGetLong(2, out long ttl)) return;
        if (ttl < 0)
        {
            ctx.Error("ERR Invalid TTL value, must be >= 0");
            return;
        }
        var payload = ctx.Arg(3);
        if (!DumpPayload.Verify(payload))
        {
            ctx.Error(BadPayload);
            return;
        }
        RdbValue value;
        try
        {
            value = DumpPayload.Read(payload.ToArray(), RdbLimits.From(ctx.Engine.Config));
        }
        catch (RdbFormatException)
        {
            ctx.Error(BadData);
            return;
        }
        bool deleted = replace && db.Delete(key);
        if (ttl != 0 && !absTtl) ttl += ctx.Now;
        if (ttl != 0 && ttl <= ctx.Now)
        {
            // Already expired: nothing is created, and a replaced key is gone.
            if (deleted) ctx.Notify(NotifyClass.Generic, "del", key);
            ctx.Reply.Ok();
            return;
        }
        nint rec = value.StoreInto(db, key, ttl, ctx.Now);
        RdbAccess.Apply(db, rec, idle, (int)freq, ctx.Now);
        ctx.Notify(NotifyClass.Generic, "restore", key);
        ctx.Reply.Ok();
    }
}
