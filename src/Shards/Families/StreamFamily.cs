using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Streams;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Stream commands with Redis 7.0 semantics: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP
/// XACK XPENDING XCLAIM XAUTOCLAIM XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP) and XINFO
/// (STREAM GROUPS CONSUMERS HELP).
/// </summary>
/// <remarks>
/// Storage (<see cref="StreamObject"/>): entries packed in byte[] nodes indexed by their first IDs, with
/// Redis's node-size rules (stream-node-max-bytes / stream-node-max-entries measured in listpack bytes), so
/// approximate trimming and XINFO's radix-tree figures match redis-server. Empty streams are kept, as in Redis.
/// </remarks>
public static partial class StreamFamily
{
    private const string Group = "stream";
    private const CommandFlags Read = CommandFlags.ReadOnly;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags Write = CommandFlags.Write;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags WriteOomFast = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast;
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.Stream | AclCategories.Slow;
    private const AclCategories ReadFastCat = AclCategories.Read | AclCategories.Stream | AclCategories.Fast;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.Stream | AclCategories.Slow;
    private const AclCategories WriteFastCat = AclCategories.Write | AclCategories.Stream | AclCategories.Fast;
    private const AclCategories HelpCat = AclCategories.Stream | AclCategories.Slow;
    private const CommandFlags HelpFlags = CommandFlags.Loading | CommandFlags.Stale;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("XADD", -5, WriteOomFast, 1, 1, 1, WriteFastCat, XAdd,
            "Appends a new message to a stream. Creates the key if it doesn't exist.", "5.0.0", Group),
        Declare.Keyed("XLEN", 2, ReadFast, 1, 1, 1, ReadFastCat, XLen, "Return the number of messages in a stream.", "5.0.0", Group),
        Declare.Keyed("XRANGE", -4, Read, 1, 1, 1, ReadCat, XRange,
            "Returns the messages from a stream within a range of IDs.", "5.0.0", Group),
        Declare.Keyed("XREVRANGE", -4, Read, 1, 1, 1, ReadCat, XRevRange,
            "Returns the messages from a stream within a range of IDs in reverse order.", "5.0.0", Group),
        Declare.Keyed("XDEL", -3, WriteFast, 1, 1, 1, WriteFastCat, XDel,
            "Returns the number of messages after removing them from a stream.", "5.0.0", Group),
        Declare.Keyed("XTRIM", -4, Write, 1, 1, 1, WriteCat, XTrim, "Deletes messages from the beginning of a stream.", "5.0.0", Group),
        Declare.Keyed("XSETID", -3, WriteOomFast, 1, 1, 1, WriteFastCat, XSetId,
            "An internal command for replicating stream values.", "5.0.0", Group),
        BlocksOnlyWith(XReadMayBlock, Declare.KeyedMovable("XREAD", -4, CommandFlags.ReadOnly | CommandFlags.Blocking, 0, 0, 0,
            FindXReadKeys, AclCategories.Read | AclCategories.Stream | AclCategories.Slow | AclCategories.Blocking, XRead,
            "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.",
            "5.0.0", Group)),
        BlocksOnlyWith(XReadMayBlock, Declare.KeyedMovable("XREADGROUP", -7, CommandFlags.Write | CommandFlags.Blocking, 0, 0, 0,
            FindXReadGroupKeys, AclCategories.Write | AclCategories.Stream | AclCategories.Slow | AclCategories.Blocking, XReadGroup,
            "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.",
            "5.0.0", Group)),
        Declare.Keyed("XACK", -4, WriteFast, 1, 1, 1, WriteFastCat, XAck,
            "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
            "5.0.0", Group),
        Declare.Keyed("XPENDING", -3, Read, 1, 1, 1, ReadCat, XPending,
            "Returns the information and entries from a stream consumer group's pending entries list.", "5.0.0", Group),
        Declare.Keyed("XCLAIM", -6, WriteFast, 1, 1, 1, WriteFastCat, XClaim,
            "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.",
            "5.0.0", Group),
        Declare.Keyed("XAUTOCLAIM", -6, WriteFast, 1, 1, 1, WriteFastCat, XAutoClaim,
            "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.",
            "6.2.0", Group),
        Declare.Container("XGROUP", -2, CommandFlags.None, AclCategories.Slow, "A container for consumer groups commands.",
        [
            Declare.Keyed("CREATE", -5, WriteOom, 2, 2, 1, WriteCat, XGroupCreate, "Creates a consumer group.", "5.0.0", Group),
            Declare.Keyed("SETID", -5, Write, 2, 2, 1, WriteCat, XGroupSetId, "Sets the last-delivered ID of a consumer group.",
                "5.0.0", Group),
            Declare.Keyed("DESTROY", 4, Write, 2, 2, 1, WriteCat, XGroupDestroy, "Destroys a consumer group.", "5.0.0", Group),
            Declare.Keyed("CREATECONSUMER", 5, WriteOom, 2, 2, 1, WriteCat, XGroupCreateConsumer,
                "Creates a consumer in a consumer group.", "6.2.0", Group),
            Declare.Keyed("DELCONSUMER", 5, Write, 2, 2, 1, WriteCat, XGroupDelConsumer,
                "Deletes a consumer from a consumer group.", "5.0.0", Group),
            Declare.Local("HELP", 2, HelpFlags, HelpCat, XGroupHelp, "Returns helpful text about the different subcommands.",
                "5.0.0", Group),
        ], since: "5.0.0", group: Group),
        Declare.Container("XINFO", -2, CommandFlags.None, AclCategories.Slow, "A container for stream introspection commands.",
        [
            Declare.Keyed("CONSUMERS", 4, Read, 2, 2, 1, ReadCat, XInfoConsumers,
                "Returns a list of the consumers in a consumer group.", "5.0.0", Group),
            Declare.Keyed("GROUPS", 3, Read, 2, 2, 1, ReadCat, XInfoGroups, "Returns a list of the consumer groups of a stream.",
                "5.0.0", Group),
            Declare.Keyed("STREAM", -3, Read, 2, 2, 1, ReadCat, XInfoStream, "Returns information about a stream.", "5.0.0", Group),
            Declare.Local("HELP", 2, HelpFlags, HelpCat, XInfoHelp, "Returns helpful text about the different subcommands.",
                "5.0.0", Group),
        ], since: "5.0.0", group: Group),
    ];

    // ---- shared helpers ----

    private const string InvalidStartId = "ERR invalid start ID for the interval";
    private const string InvalidEndId = "ERR invalid end ID for the interval";

    /// <summary>Field/value pairs straight from the command arguments.</summary>
    private readonly struct ArgPairs(CommandContext ctx, int first, int count) : IFieldPairs
    {
        public int Count => count;

        public ReadOnlySpan<byte> Field(int i) => ctx.Arg(first + 2 * i);

        public ReadOnlySpan<byte> Value(int i) => ctx.Arg(first + 2 * i + 1);
    }

    /// <summary>
    /// Looks up a stream for reading: false when the reply is done (WRONGTYPE); <paramref name="stream"/> is
    /// null when the key does not exist.
    /// </summary>
    private static bool TryGetStream(CommandContext ctx, int keyArg, bool write, out StreamObject? stream)
    {
        var key = ctx.Arg(keyArg);
        var db = ctx.Db(key);
        nint rec = write ? db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch) : db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        stream = null;
        if (rec == 0) return true;
        if (Record.Type(rec) != KeyType.Stream)
        {
            ctx.WrongType();
            return false;
        }
        stream = db.GetObject<StreamObject>(rec);
        return true;
    }

    private static bool TryParseStrictId(CommandContext ctx, int arg, out StreamId id)
    {
        if (StreamIdParser.TryParseStrict(ctx.Arg(arg), out id)) return true;
        ctx.Error(StreamIdParser.InvalidId);
        return false;
    }

    private static bool TryParseInterval(CommandContext ctx, int arg, ulong missingSeq, out StreamId id, out bool exclusive)
    {
        if (StreamIdParser.TryParseInterval(ctx.Arg(arg), missingSeq, out id, out exclusive)) return true;
        ctx.Error(StreamIdParser.InvalidId);
        return false;
    }

    /// <summary>Parses a range's start bound: an exclusive start moves to the next ID.</summary>
    private static bool TryParseRangeStart(CommandContext ctx, int arg, out StreamId start)
    {
        if (!TryParseInterval(ctx, arg, 0, out start, out bool ex)) return false;
        if (ex && !start.TryIncrement(out start))
        {
            ctx.Error(InvalidStartId);
            return false;
        }
        return true;
    }

    private static bool TryParseRangeEnd(CommandContext ctx, int arg, out StreamId end)
    {
        if (!TryParseInterval(ctx, arg, ulong.MaxValue, out end, out bool ex)) return false;
        if (ex && !end.TryDecrement(out end))
        {
            ctx.Error(InvalidEndId);
            return false;
        }
        return true;
    }

    /// <summary>A stream keyspace event (class t) for the key at <paramref name="keyArg"/>; also invalidates tracking.</summary>
    private static void NotifyStream(CommandContext ctx, string eventName, int keyArg) =>
        ctx.Notify(NotifyClass.Stream, eventName, ctx.Arg(keyArg));

    /// <summary>
    /// The named consumer of a group, created when missing (XREADGROUP, XCLAIM and XAUTOCLAIM create consumers
    /// implicitly; Redis 7.0 sends "xgroup-createconsumer" for XREADGROUP's only).
    /// </summary>
    private static Consumer GetConsumer(CommandContext ctx, ConsumerGroup g, ReadOnlySpan<byte> name, int keyArg, bool notify)
    {
        if (g.FindConsumer(name) is { } found) return found;
        var created = g.CreateConsumer(name, ctx.Now)!;
        if (notify) NotifyStream(ctx, "xgroup-createconsumer", keyArg);
        PropagateConsumer(ctx, ctx.Arg(keyArg), g, name);
        return created;
    }

    private static void WriteHelp(CommandContext ctx, string command, string[] lines)
    {
        var w = ctx.Reply;
        w.ArrayHeader(lines.Length + 3);
        w.SimpleString($"{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var l in lines) w.SimpleString(l);
        w.SimpleString("HELP");
        w.SimpleString("    Prints this help.");
    }

    /// <summary>Redis's addReplySubcommandSyntaxError.</summary>
    private static void SubcommandSyntaxError(CommandContext ctx)
    {
        var sub = StreamIdParser.CString(ctx.Arg(1));
        if (sub.Length > 128) sub = sub[..128];
        ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{System.Text.Encoding.Latin1.GetString(sub)}'. " +
                  $"Try {System.Text.Encoding.Latin1.GetString(StreamIdParser.CString(ctx.Arg(0))).ToUpperInvariant()} HELP.");
    }

    /// <summary>Writes entries of a range as [[id, [f, v...]], ...]; returns how many (count 0 = all).</summary>
    private static long WriteRange(RespWriter w, StreamObject s, StreamId start, StreamId end, long count, bool reverse)
    {
        int at = w.BeginDeferred();
        long n = 0;
        var cur = new StreamCursor(s, start, end, reverse);
        while ((count == 0 || n < count) && cur.MoveNext())
        {
            cur.WriteEntry(w);
            n++;
        }
        cur.Dispose();
        w.EndDeferredArray(at, (int)n);
        return n;
    }

    /// <summary>Writes the single entry <paramref name="id"/> as [id, [f, v...]]; false when it does not exist.</summary>
    private static bool WriteEntry(RespWriter w, StreamObject s, StreamId id)
    {
        var cur = new StreamCursor(s, id, id, false);
        bool found = cur.MoveNext();
        if (found) cur.WriteEntry(w);
        cur.Dispose();
        return found;
    }

    // ---- XADD / XTRIM ----

    private struct AddTrimArgs
    {
        public TrimSpec Trim;
        public bool NoMkStream;
        public bool IdGiven;
        public bool SeqGiven;
        public StreamId Id;
    }

    /// <summary>
    /// Redis's streamParseAddOrTrimArgsOrReply: trimming options (and for XADD NOMKSTREAM and the ID).
    /// Returns the ID's argument index (XADD), or -1 after an error reply.
    /// </summary>
    private static int ParseAddOrTrim(CommandContext ctx, bool xadd, out AddTrimArgs args)
    {
        args = default;
        args.SeqGiven = true;
        var strategy = TrimStrategy.None;
        long maxLen = 0, limit = 0;
        StreamId minId = default;
        bool approx = false, limitGiven = false;
        int argc = ctx.ArgCount;
        int i = 2;
        for (; i < argc; i++)
        {
            int more = argc - 1 - i;
            var opt = ctx.Arg(i);
            if (xadd && StreamIdParser.CStringIs(opt, "*"u8)) break;
            if ((ctx.ArgIs(i, "MAXLEN"u8) || ctx.ArgIs(i, "MINID"u8)) && more > 0)
            {
                bool isMaxLen = ctx.ArgIs(i, "MAXLEN"u8);
                if (strategy != TrimStrategy.None)
                {
                    ctx.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                    return -1;
                }
                approx = false;
                var next = StreamIdParser.CString(ctx.Arg(i + 1));
                if (more >= 2 && next.Length == 1 && next[0] == '~')
                {
                    approx = true;
                    i++;
                }
                else if (more >= 2 && next.Length == 1 && next[0] == '=') i++;
                if (isMaxLen)
                {
                    if (!ctx.TryGetLong(i + 1, out maxLen)) return -1;
                    if (maxLen < 0)
                    {
                        ctx.Error("ERR The MAXLEN argument must be >= 0.");
                        return -1;
                    }
                    strategy = TrimStrategy.MaxLen;
                }
                else
                {
                    if (!TryParseStrictId(ctx, i + 1, out minId)) return -1;
                    strategy = TrimStrategy.MinId;
                }
                i++;
            }
            else if (ctx.ArgIs(i, "LIMIT"u8) && more > 0)
            {
                if (!ctx.TryGetLong(i + 1, out limit)) return -1;
                if (limit < 0)
                {
                    ctx.Error("ERR The LIMIT argument must be >= 0.");
                    return -1;
                }
                limitGiven = true;
                i++;
            }
            else if (xadd && ctx.ArgIs(i, "NOMKSTREAM"u8)) args.NoMkStream = true;
            else if (xadd)
            {
                if (!StreamIdParser.TryParse(opt, 0, true, out args.Id, true, out args.SeqGiven))
                {
                    ctx.Error(StreamIdParser.InvalidId);
                    return -1;
                }
                args.IdGiven = true;
                break;
            }
            else
            {
                ctx.SyntaxError();
                return -1;
            }
        }
        if (limit != 0 && strategy == TrimStrategy.None)
        {
            ctx.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
            return -1;
        }
        if (!xadd && strategy == TrimStrategy.None)
        {
            ctx.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
            return -1;
        }
        if (limitGiven)
        {
            if (!approx)
            {
                ctx.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
                return -1;
            }
        }
        else limit = approx ? 100 * ctx.Engine.Config.StreamNodeMaxEntries : 0;
        args.Trim = new TrimSpec(strategy, maxLen, minId, approx, limit);
        return i;
    }

    private static void XAdd(CommandContext ctx)
    {
        int idPos = ParseAddOrTrim(ctx, xadd: true, out var args);
        if (idPos < 0) return;
        int fieldPos = idPos + 1;
        int fieldArgs = ctx.ArgCount - fieldPos;
        if (fieldArgs < 2 || fieldArgs % 2 == 1)
        {
            ctx.Error(Errors.WrongArity(ctx.Command.FullName));
            return;
        }
        if (args.IdGiven && args.SeqGiven && args.Id.IsZero)
        {
            ctx.Error("ERR The ID specified in XADD must be greater than 0-0");
            return;
        }

        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        StreamObject s;
        if (rec != 0)
        {
            if (Record.Type(rec) != KeyType.Stream)
            {
                ctx.WrongType();
                return;
            }
            s = db.GetObject<StreamObject>(rec);
        }
        else if (args.NoMkStream)
        {
            ctx.Reply.NullBulk();
            return;
        }
        else s = new StreamObject();

        var last = s.LastId;
        if (last == StreamId.Max)
        {
            ctx.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
            return;
        }
        StreamId id;
        if (!args.IdGiven)
        {
            ulong ms = (ulong)ctx.Now;
            if (ms > last.Ms) id = new StreamId(ms, 0);
            else last.TryIncrement(out id);
        }
        else if (!args.SeqGiven)
        {
            if (args.Id.Ms == last.Ms)
            {
                if (last.Seq == ulong.MaxValue)
                {
                    ctx.Error("ERR Elements are too large to be stored");
                    return;
                }
                id = new StreamId(last.Ms, last.Seq + 1);
            }
            else id = args.Id;
        }
        else id = args.Id;
        if (id <= last)
        {
            ctx.Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
            return;
        }

        long before = rec != 0 ? s.MemoryBytes : 0;
        var config = ctx.Engine.Config;
        s.Append(new ArgPairs(ctx, fieldPos, fieldArgs / 2), id, config.StreamNodeMaxBytes, config.StreamNodeMaxEntries);
        id.WriteBulk(ctx.Reply);
        if (rec == 0)
        {
            // Creating the key (its "new" event, and waking readers) comes first, as Redis's dbAdd.
            db.CreateObject(key, KeyType.Stream, s, 0, ctx.Now);
            before = s.MemoryBytes;
        }
        NotifyStream(ctx, "xadd", 1);
        if (args.Trim.Strategy != TrimStrategy.None && s.Trim(args.Trim) > 0) NotifyStream(ctx, "xtrim", 1);
        db.ObjectResized(before, s);
        if (rec != 0) db.SignalKeyReady(key);
    }

    private static void XTrim(CommandContext ctx)
    {
        if (ParseAddOrTrim(ctx, xadd: false, out var args) < 0) return;
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetStream(ctx, 1, write: true, out var s)) return;
        if (s is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long before = s.MemoryBytes;
        long deleted = s.Trim(args.Trim);
        db.ObjectResized(before, s);
        if (deleted > 0) NotifyStream(ctx, "xtrim", 1);
        ctx.Reply.Integer(deleted);
    }

    // ---- XLEN / XRANGE / XREVRANGE ----

    private static void XLen(CommandContext ctx)
    {
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        ctx.Reply.Integer(s?.Length ?? 0);
    }

    private static void XRange(CommandContext ctx) => RangeGeneric(ctx, reverse: false);

    private static void XRevRange(CommandContext ctx) => RangeGeneric(ctx, reverse: true);

    private static void RangeGeneric(CommandContext ctx, bool reverse)
    {
        int startArg = reverse ? 3 : 2, endArg = reverse ? 2 : 3;
        if (!TryParseRangeStart(ctx, startArg, out var start)) return;
        if (!TryParseRangeEnd(ctx, endArg, out var end)) return;
        long count = -1;
        for (int j = 4; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "COUNT"u8) && ctx.ArgCount - j - 1 >= 1)
            {
                if (!ctx.TryGetLong(j + 1, out count)) return;
                if (count < 0) count = 0;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        if (s is null)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        if (count == 0)
        {
            ctx.Reply.NullArray();
            return;
        }
        WriteRange(ctx.Reply, s, start, end, count == -1 ? 0 : count, reverse);
    }

    // ---- XDEL / XSETID ----

    private static void XDel(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        if (!TryGetStream(ctx, 1, write: true, out var s)) return;
        if (s is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        int n = ctx.ArgCount - 2;
        Span<StreamId> ids = n <= 16 ? stackalloc StreamId[n] : new StreamId[n];
        for (int j = 0; j < n; j++)
        {
            if (!TryParseStrictId(ctx, j + 2, out ids[j])) return;
        }
        long before = s.MemoryBytes;
        long deleted = 0;
        bool firstEntry = false;
        foreach (var id in ids)
        {
            if (!s.Delete(id)) continue;
            if (id == s.FirstId) firstEntry = true;
            if (id > s.MaxDeletedId) s.MaxDeletedId = id;
            deleted++;
        }
        if (deleted != 0)
        {
            if (s.Length == 0) s.FirstId = StreamId.Zero;
            else if (firstEntry) s.FirstId = s.FirstValidId(StreamId.Max);
            db.ObjectResized(before, s);
            NotifyStream(ctx, "xdel", 1);
        }
        ctx.Reply.Integer(deleted);
    }

    private static void XSetId(CommandContext ctx)
    {
        if (!TryParseStrictId(ctx, 2, out var id)) return;
        long entriesAdded = -1;
        var maxDeleted = StreamId.Zero;
        for (int i = 3; i < ctx.ArgCount; i += 2)
        {
            int more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "ENTRIESADDED"u8) && more > 0)
            {
                if (!ctx.TryGetLong(i + 1, out entriesAdded)) return;
                if (entriesAdded < 0)
                {
                    ctx.Error("ERR entries_added must be positive");
                    return;
                }
            }
            else if (ctx.ArgIs(i, "MAXDELETEDID"u8) && more > 0)
            {
                if (!TryParseStrictId(ctx, i + 1, out maxDeleted)) return;
                if (id < maxDeleted)
                {
                    ctx.Error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                    return;
                }
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!TryGetStream(ctx, 1, write: true, out var s)) return;
        if (s is null)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        if (s.Length > 0)
        {
            if (id < s.LastValidId())
            {
                ctx.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
                return;
            }
            if (entriesAdded != -1 && s.Length > entriesAdded)
            {
                ctx.Error("ERR The entries_added specified in XSETID is smaller than the target stream length");
                return;
            }
        }
        s.LastId = id;
        if (entriesAdded != -1) s.EntriesAdded = entriesAdded;
        if (!maxDeleted.IsZero) s.MaxDeletedId = maxDeleted;
        ctx.Reply.Ok();
        NotifyStream(ctx, "xsetid", 1);
    }
}
