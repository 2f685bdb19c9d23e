using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP.</summary>
public static class ObjectFamily
{
    /// <summary>Redis's OBJ_SHARED_REFCOUNT: the refcount of the shared integers 0..9999.</summary>
    public const long SharedRefCount = int.MaxValue;

    private const int SharedIntegers = 10000;
    private const int EmbstrLimit = 44;
    private const AclCategories ReadSlowCat = AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow;

    private const string NoLfu = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
        "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    private const string LfuSelected = "ERR An LFU maxmemory policy is selected, idle time not tracked. " +
        "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    private static readonly string[] HelpLines =
    [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Container("OBJECT", -2, CommandFlags.None, AclCategories.Slow, "A container for object introspection commands.",
        [
            Declare.Keyed("ENCODING", 3, CommandFlags.ReadOnly, 2, 2, 1, ReadSlowCat, Encoding,
                "Returns the internal encoding of a Redis object.", since: "2.2.3"),
            Declare.Keyed("FREQ", 3, CommandFlags.ReadOnly, 2, 2, 1, ReadSlowCat, Freq,
                "Returns the logarithmic access frequency counter of a Redis object.", since: "4.0.0"),
            Declare.Keyed("IDLETIME", 3, CommandFlags.ReadOnly, 2, 2, 1, ReadSlowCat, IdleTime,
                "Returns the time since the last access to a Redis object.", since: "2.2.3"),
            Declare.Keyed("REFCOUNT", 3, CommandFlags.ReadOnly, 2, 2, 1, ReadSlowCat, RefCount,
                "Returns the reference count of a value of a key.", since: "2.2.3"),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Keyspace | AclCategories.Slow,
                Help, "Returns helpful text about the different subcommands.", since: "6.2.0", group: "generic"),
        ], since: "2.2.3", group: "generic"),
    ];

    /// <summary>The encoding Redis 7.0 would report for a record's value.</summary>
    public static string EncodingOf(nint rec, ShardStore store)
    {
        byte type = Record.Type(rec);
        if (type == KeyType.String)
        {
            var value = Record.Value(rec);
            // Writers that leave Redis's encoding fixed flag the record: APPEND/SETRANGE/SETBIT/BITFIELD/BITOP/PF*
            // raw, INCRBYFLOAT embstr (even for "3").
            byte flags = Record.Flags(rec);
            if ((flags & Record.RawEncodingFlag) != 0) return "raw";
            if ((flags & Record.EmbstrEncodingFlag) != 0) return "embstr";
            if (IsIntEncoded(rec, out _)) return "int";
            return value.Length <= EmbstrLimit ? "embstr" : "raw";
        }
        if (store.Objects.Get(Record.Handle(rec)) is IKeyObject rich) return rich.Encoding;
        return type switch
        {
            KeyType.List => "quicklist",
            KeyType.Set => "hashtable",
            KeyType.SortedSet => "skiplist",
            KeyType.Hash => "hashtable",
            KeyType.Stream => "stream",
            _ => "raw",
        };
    }

    /// <summary>A string Redis keeps as an integer: canonical, in long range, at most 20 bytes, not flagged raw.</summary>
    public static bool IsIntEncoded(nint rec, out long value)
    {
        value = 0;
        if (Record.Type(rec) != KeyType.String || (Record.Flags(rec) & Record.RawEncodingFlag) != 0) return false;
        var bytes = Record.Value(rec);
        return bytes.Length <= 20 && NumberParser.TryParseInt64(bytes, out value);
    }

    private static nint Lookup(CommandContext ctx)
    {
        var key = ctx.Arg(2);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, noTouch: true);
        if (rec == 0) ctx.Reply.NullBulk();
        return rec;
    }

    private static void Encoding(CommandContext ctx)
    {
        var key = ctx.Arg(2);
        var db = ctx.Db(key);
        nint rec = Lookup(ctx);
        if (rec != 0) ctx.Reply.Bulk(EncodingOf(rec, db.Store));
    }

    private static void Freq(CommandContext ctx)
    {
        nint rec = Lookup(ctx);
        if (rec == 0) return;
        if (!ctx.Engine.LfuPolicy)
        {
            ctx.Error(NoLfu);
            return;
        }
        var key = ctx.Arg(2);
        ctx.Reply.Integer(ctx.Db(key).Store.Access.DecayedFrequency(Record.Lru(rec), ctx.Now));
    }

    private static void IdleTime(CommandContext ctx)
    {
        nint rec = Lookup(ctx);
        if (rec == 0) return;
        if (ctx.Engine.LfuPolicy)
        {
            ctx.Error(LfuSelected);
            return;
        }
        ctx.Reply.Integer(AccessTracker.IdleMs(Record.Lru(rec), ctx.Now) / 1000);
    }

    private static void RefCount(CommandContext ctx)
    {
        nint rec = Lookup(ctx);
        if (rec == 0) return;
        bool shared = IsIntEncoded(rec, out long value) && value is >= 0 and < SharedIntegers && SharedIntegersAllowed(ctx);
        ctx.Reply.Integer(shared ? SharedRefCount : 1);
    }

    /// <summary>Redis stops sharing integers under maxmemory with an LRU or LFU policy (each key needs its own clock).</summary>
    private static bool SharedIntegersAllowed(CommandContext ctx)
    {
        var config = ctx.Engine.Config;
        if (config.MaxMemory == 0) return true;
        string policy = config.MaxMemoryPolicy;
        return !policy.Contains("lru", StringComparison.Ordinal) && !policy.Contains("lfu", StringComparison.Ordinal);
    }

    private static void Help(CommandContext ctx)
    {
        ctx.Reply.ArrayHeader(HelpLines.Length);
        foreach (var line in HelpLines) ctx.Reply.SimpleString(line);
    }
}
