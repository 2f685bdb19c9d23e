using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Streams;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>Consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.</summary>
public static partial class StreamFamily
{
    private static string NoGroupError(CommandContext ctx, int keyArg, int groupArg) =>
        $"NOGROUP No such key '{CText(ctx, keyArg)}' or consumer group '{CText(ctx, groupArg)}'";

    private static string NoSuchGroupError(CommandContext ctx, int groupArg, int keyArg) =>
        $"NOGROUP No such consumer group '{CText(ctx, groupArg)}' for key name '{CText(ctx, keyArg)}'";

    // ---- XGROUP ----

    private enum GroupSub { Create, SetId, Destroy, CreateConsumer, DelConsumer }

    /// <summary>
    /// The common part of xgroupCommand: options of CREATE/SETID, the key (which must exist unless MKSTREAM)
    /// and, for SETID/CREATECONSUMER/DELCONSUMER, the group. False when the reply is written.
    /// </summary>
    private static bool PrepareXGroup(CommandContext ctx, GroupSub sub, out StreamObject? s, out ConsumerGroup? g,
        out bool mkStream, out long entriesRead)
    {
        s = null;
        g = null;
        mkStream = false;
        entriesRead = ConsumerGroup.InvalidEntriesRead;
        int argc = ctx.ArgCount;
        for (int i = 5; i < argc;)
        {
            if (sub == GroupSub.Create && ctx.ArgIs(i, "MKSTREAM"u8))
            {
                mkStream = true;
                i++;
            }
            else if (sub is GroupSub.Create or GroupSub.SetId && ctx.ArgIs(i, "ENTRIESREAD"u8) && i + 1 < argc)
            {
                if (!ctx.TryGetLong(i + 1, out entriesRead)) return false;
                if (entriesRead < 0 && entriesRead != ConsumerGroup.InvalidEntriesRead)
                {
                    ctx.Error("ERR value for ENTRIESREAD must be positive or -1");
                    return false;
                }
                i += 2;
            }
            else
            {
                SubcommandSyntaxError(ctx);
                return false;
            }
        }
        if (!TryGetStream(ctx, 2, write: true, out s)) return false;
        if (!mkStream)
        {
            if (s is null)
            {
                ctx.Error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
                return false;
            }
            g = s.FindGroup(ctx.Arg(3));
            if (g is null && sub is GroupSub.SetId or GroupSub.CreateConsumer or GroupSub.DelConsumer)
            {
                ctx.Error(NoSuchGroupError(ctx, 3, 2));
                return false;
            }
        }
        return true;
    }

    private static void XGroupCreate(CommandContext ctx)
    {
        if (!PrepareXGroup(ctx, GroupSub.Create, out var s, out _, out _, out long entriesRead)) return;
        if (ctx.ArgCount > 8)
        {
            SubcommandSyntaxError(ctx);
            return;
        }
        StreamId id;
        if (StreamIdParser.CStringIs(ctx.Arg(4), "$"u8)) id = s?.LastId ?? StreamId.Zero;
        else if (!TryParseStrictId(ctx, 4, out id)) return;
        var key = ctx.Arg(2);
        var db = ctx.Db(key);
        bool created = false;
        if (s is null)
        {
            s = new StreamObject();
            created = true;
        }
        long before = s.MemoryBytes;
        if (s.CreateGroup(ctx.Arg(3), id, entriesRead) is null)
        {
            ctx.Error("BUSYGROUP Consumer Group name already exists");
            return;
        }
        if (created) db.CreateObject(key, KeyType.Stream, s, 0, ctx.Now);
        else db.ObjectResized(before, s);
        ctx.Reply.Ok();
        NotifyStream(ctx, "xgroup-create", 2);
    }

    private static void XGroupSetId(CommandContext ctx)
    {
        if (!PrepareXGroup(ctx, GroupSub.SetId, out var s, out var g, out _, out long entriesRead)) return;
        if (ctx.ArgCount != 5 && ctx.ArgCount != 7)
        {
            SubcommandSyntaxError(ctx);
            return;
        }
        StreamId id;
        if (StreamIdParser.CStringIs(ctx.Arg(4), "$"u8)) id = s!.LastId;
        else if (!StreamIdParser.TryParse(ctx.Arg(4), 0, false, out id))
        {
            ctx.Error(StreamIdParser.InvalidId);
            return;
        }
        g!.LastId = id;
        g.EntriesRead = entriesRead;
        ctx.Reply.Ok();
        NotifyStream(ctx, "xgroup-setid", 2);
    }

    private static void XGroupDestroy(CommandContext ctx)
    {
        if (!PrepareXGroup(ctx, GroupSub.Destroy, out var s, out var g, out _, out _)) return;
        if (g is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var key = ctx.Arg(2);
        var db = ctx.Db(key);
        long before = s!.MemoryBytes;
        s.DestroyGroup(g.Name);
        db.ObjectResized(before, s);
        ctx.Reply.Integer(1);
        NotifyStream(ctx, "xgroup-destroy", 2);
        // Clients blocked in XREADGROUP on this group get their NOGROUP error.
        db.SignalKeyReady(key);
    }

    private static void XGroupCreateConsumer(CommandContext ctx)
    {
        if (!PrepareXGroup(ctx, GroupSub.CreateConsumer, out var s, out var g, out _, out _)) return;
        var db = ctx.Db(ctx.Arg(2));
        long before = s!.MemoryBytes;
        bool created = g!.CreateConsumer(ctx.Arg(4), ctx.Now) is not null;
        db.ObjectResized(before, s);
        ctx.Reply.Integer(created ? 1 : 0);
        if (created) NotifyStream(ctx, "xgroup-createconsumer", 2);
    }

    private static void XGroupDelConsumer(CommandContext ctx)
    {
        if (!PrepareXGroup(ctx, GroupSub.DelConsumer, out var s, out var g, out _, out _)) return;
        var consumer = g!.FindConsumer(ctx.Arg(4));
        long pending = 0;
        if (consumer is not null)
        {
            var db = ctx.Db(ctx.Arg(2));
            long before = s!.MemoryBytes;
            pending = g.DeleteConsumer(consumer);
            db.ObjectResized(before, s);
        }
        ctx.Reply.Integer(pending);
        if (consumer is not null) NotifyStream(ctx, "xgroup-delconsumer", 2);
    }

    private static void XGroupHelp(CommandContext ctx) => WriteHelp(ctx, "XGROUP",
    [
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
    ]);

    // ---- XACK ----

    private static void XAck(CommandContext ctx)
    {
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        var g = s?.FindGroup(ctx.Arg(2));
        if (g is null)
        {
            ctx.Reply.Integer(0);
            return;
        }
        int n = ctx.ArgCount - 3;
        Span<StreamId> ids = n <= 16 ? stackalloc StreamId[n] : new StreamId[n];
        for (int j = 0; j < n; j++)
        {
            if (!TryParseStrictId(ctx, j + 3, out ids[j])) return;
        }
        long before = s!.MemoryBytes;
        long acked = 0;
        foreach (var id in ids)
        {
            if (g.Acknowledge(id)) acked++;
        }
        if (acked != 0)
        {
            ctx.Db(ctx.Arg(1)).ObjectResized(before, s);
            ctx.Dirtied(ctx.Arg(1));
        }
        ctx.Reply.Integer(acked);
    }

    // ---- XPENDING ----

    private static void XPending(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        bool justInfo = argc == 3;
        if (argc != 3 && (argc < 6 || argc > 9))
        {
            ctx.SyntaxError();
            return;
        }
        StreamId start = default, end = default;
        long count = 0, minIdle = 0;
        int consumerArg = 0;
        if (argc >= 6)
        {
            int startIdx = 3;
            if (ctx.ArgIs(3, "IDLE"u8))
            {
                if (!ctx.TryGetLong(4, out minIdle)) return;
                if (argc < 8)
                {
                    ctx.SyntaxError();
                    return;
                }
                startIdx += 2;
            }
            if (!ctx.TryGetLong(startIdx + 2, out count)) return;
            if (count < 0) count = 0;
            if (!TryParseRangeStart(ctx, startIdx, out start)) return;
            if (!TryParseRangeEnd(ctx, startIdx + 1, out end)) return;
            if (startIdx + 3 < argc) consumerArg = startIdx + 3;
        }
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        var g = s?.FindGroup(ctx.Arg(2));
        if (g is null)
        {
            ctx.Error(NoGroupError(ctx, 1, 2));
            return;
        }
        var w = ctx.Reply;
        if (justInfo)
        {
            w.ArrayHeader(4);
            w.Integer(g.Pending.Count);
            if (g.Pending.Count == 0)
            {
                w.NullBulk();
                w.NullBulk();
                w.NullArray();
                return;
            }
            g.Pending.FirstKey.WriteBulk(w);
            g.Pending.LastKey.WriteBulk(w);
            int at = w.BeginDeferred();
            int n = 0;
            foreach (var c in g.Consumers)
            {
                if (c.Pending.Count == 0) continue;
                w.ArrayHeader(2);
                w.Bulk(c.Name);
                w.BulkInteger(c.Pending.Count);
                n++;
            }
            w.EndDeferredArray(at, n);
            return;
        }

        Consumer? consumer = null;
        if (consumerArg != 0)
        {
            consumer = g.FindConsumer(ctx.Arg(consumerArg));
            if (consumer is null)
            {
                w.EmptyArray();
                return;
            }
        }
        long now = ctx.Now;
        int start0 = w.BeginDeferred();
        int emitted = 0;
        if (consumer is null)
        {
            var cur = g.Pending.From(start);
            while (count > 0 && cur.MoveNext() && cur.Key <= end)
            {
                if (WritePendingLine(w, cur.Key, cur.Value, now, minIdle))
                {
                    emitted++;
                    count--;
                }
            }
        }
        else
        {
            var cur = consumer.Pending.From(start);
            while (count > 0 && cur.MoveNext() && cur.Key <= end)
            {
                ref var nack = ref g.Pending.Find(cur.Key, out bool found);
                if (found && WritePendingLine(w, cur.Key, nack, now, minIdle))
                {
                    emitted++;
                    count--;
                }
            }
        }
        w.EndDeferredArray(start0, emitted);
    }

    private static bool WritePendingLine(RespWriter w, StreamId id, in PendingEntry nack, long now, long minIdle)
    {
        if (minIdle != 0 && now - nack.DeliveryTime < minIdle) return false;
        w.ArrayHeader(4);
        id.WriteBulk(w);
        w.Bulk(nack.Owner!.Name);
        w.Integer(Math.Max(0, now - nack.DeliveryTime));
        w.Integer(nack.DeliveryCount);
        return true;
    }

    // ---- XCLAIM / XAUTOCLAIM ----

    private static void XClaim(CommandContext ctx)
    {
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        var g = s?.FindGroup(ctx.Arg(2));
        if (g is null)
        {
            ctx.Error(NoGroupError(ctx, 1, 2));
            return;
        }
        if (!ctx.TryGetLong(4, out long minIdle, "ERR Invalid min-idle-time argument for XCLAIM")) return;
        if (minIdle < 0) minIdle = 0;

        int argc = ctx.ArgCount;
        int j = 5;
        while (j < argc && StreamIdParser.TryParseStrict(ctx.Arg(j), out _)) j++;
        int lastIdArg = j - 1;

        long now = ctx.Now;
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        var lastId = StreamId.Zero;
        for (; j < argc; j++)
        {
            int more = argc - 1 - j;
            if (ctx.ArgIs(j, "FORCE"u8)) force = true;
            else if (ctx.ArgIs(j, "JUSTID"u8)) justId = true;
            else if (ctx.ArgIs(j, "IDLE"u8) && more > 0)
            {
                j++;
                if (!ctx.TryGetLong(j, out deliveryTime, "ERR Invalid IDLE option argument for XCLAIM")) return;
                deliveryTime = now - deliveryTime;
            }
            else if (ctx.ArgIs(j, "TIME"u8) && more > 0)
            {
                j++;
                if (!ctx.TryGetLong(j, out deliveryTime, "ERR Invalid TIME option argument for XCLAIM")) return;
            }
            else if (ctx.ArgIs(j, "RETRYCOUNT"u8) && more > 0)
            {
                j++;
                if (!ctx.TryGetLong(j, out retryCount, "ERR Invalid RETRYCOUNT option argument for XCLAIM")) return;
            }
            else if (ctx.ArgIs(j, "LASTID"u8) && more > 0)
            {
                j++;
                if (!TryParseStrictId(ctx, j, out lastId)) return;
            }
            else
            {
                ctx.Error($"ERR Unrecognized XCLAIM option '{CText(ctx, j)}'");
                return;
            }
        }
        bool lastIdMoved = lastId > g.LastId;
        if (lastIdMoved) g.LastId = lastId;
        if (deliveryTime != -1)
        {
            if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
        }
        else deliveryTime = now;

        long before = s!.MemoryBytes;
        Consumer? consumer = null;
        var w = ctx.Reply;
        int at = w.BeginDeferred();
        int n = 0;
        for (int k = 5; k <= lastIdArg; k++)
        {
            StreamIdParser.TryParseStrict(ctx.Arg(k), out var id);
            ref var nack = ref g.Pending.Find(id, out bool pending);
            if (!s.Exists(id))
            {
                if (pending)
                {
                    // Logged as the XCLAIM that drops it on replay too (a deleted entry leaves the pending list).
                    PropagateClaim(ctx, ctx.Arg(1), g, nack.Owner?.Name ?? ctx.Arg(3), id, nack.DeliveryTime, nack.DeliveryCount);
                    g.Acknowledge(id);
                }
                continue;
            }
            if (force && !pending)
            {
                g.Pending.TryAdd(id, new PendingEntry { DeliveryTime = now, DeliveryCount = 1 });
                nack = ref g.Pending.Find(id, out pending);
            }
            if (!pending) continue;
            if (nack.Owner is not null && minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= GetConsumer(ctx, g, ctx.Arg(3), 1, notify: false);
            consumer.SeenTime = now;
            if (nack.Owner != consumer)
            {
                nack.Owner?.Pending.Remove(id);
                consumer.Pending.TryAdd(id, default);
                nack.Owner = consumer;
            }
            nack.DeliveryTime = deliveryTime;
            if (retryCount >= 0) nack.DeliveryCount = retryCount;
            else if (!justId) nack.DeliveryCount++;
            PropagateClaim(ctx, ctx.Arg(1), g, consumer.Name, id, nack.DeliveryTime, nack.DeliveryCount);
            if (justId) id.WriteBulk(w);
            else WriteEntry(w, s, id);
            n++;
        }
        w.EndDeferredArray(at, n);
        ctx.Db(ctx.Arg(1)).ObjectResized(before, s);
        if (lastIdMoved) PropagateGroupId(ctx, ctx.Arg(1), g);
    }

    private static void XAutoClaim(CommandContext ctx)
    {
        if (!ctx.TryGetLong(4, out long minIdle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")) return;
        if (minIdle < 0) minIdle = 0;
        if (!TryParseRangeStart(ctx, 5, out var start)) return;
        long count = 100;
        bool justId = false;
        int argc = ctx.ArgCount;
        for (int j = 6; j < argc; j++)
        {
            int more = argc - 1 - j;
            if (ctx.ArgIs(j, "COUNT"u8) && more > 0)
            {
                const long maxCount = long.MaxValue / 16;
                if (!NumberParser.TryParseInt64(ctx.Arg(j + 1), out count) || count < 1 || count > maxCount)
                {
                    ctx.Error("ERR COUNT must be > 0");
                    return;
                }
                j++;
            }
            else if (ctx.ArgIs(j, "JUSTID"u8)) justId = true;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!TryGetStream(ctx, 1, write: false, out var s)) return;
        var g = s?.FindGroup(ctx.Arg(2));
        if (g is null)
        {
            ctx.Error(NoGroupError(ctx, 1, 2));
            return;
        }

        long before = s!.MemoryBytes;
        long now = ctx.Now;
        long attempts = count * 10;
        Consumer? consumer = null;
        List<StreamId>? deletedIds = null;
        var w = ctx.Reply;
        w.ArrayHeader(3);
        // The cursor comes first in the reply but is known last: write the claimed entries, then insert it.
        int cursorAt = w.BeginDeferred();
        int at = w.BeginDeferred();
        int n = 0;
        var from = start;
        bool more2 = true;
        StreamId key = default;
        while (attempts-- > 0 && count > 0)
        {
            ref var nack = ref g.Pending.Seek(from, out key, out bool found);
            if (!found)
            {
                more2 = false;
                break;
            }
            var id = key;
            if (!key.TryIncrement(out from)) more2 = false;
            if (!s.Exists(id))
            {
                PropagateClaim(ctx, ctx.Arg(1), g, nack.Owner?.Name ?? ctx.Arg(3), id, nack.DeliveryTime, nack.DeliveryCount);
                g.Acknowledge(id);
                (deletedIds ??= []).Add(id);
                count--;
                if (!more2) break;
                continue;
            }
            if (minIdle != 0 && now - nack.DeliveryTime < minIdle)
            {
                if (!more2) break;
                continue;
            }
            consumer ??= GetConsumer(ctx, g, ctx.Arg(3), 1, notify: false);
            consumer.SeenTime = now;
            if (nack.Owner != consumer)
            {
                nack.Owner?.Pending.Remove(id);
                consumer.Pending.TryAdd(id, default);
                nack.Owner = consumer;
            }
            nack.DeliveryTime = now;
            if (!justId) nack.DeliveryCount++;
            PropagateClaim(ctx, ctx.Arg(1), g, consumer.Name, id, nack.DeliveryTime, nack.DeliveryCount);
            if (justId) id.WriteBulk(w);
            else WriteEntry(w, s, id);
            n++;
            count--;
            if (!more2) break;
        }
        w.EndDeferredArray(at, n);
        // The next cursor: the first pending ID after the last one visited, 0-0 at the end.
        var next = StreamId.Zero;
        if (more2)
        {
            g.Pending.Seek(from, out var nextKey, out bool hasNext);
            if (hasNext) next = nextKey;
        }
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        int len = next.Format(text);
        var cursorBulk = new RespWriter(64);
        cursorBulk.Bulk(text[..len]);
        InsertRaw(w, cursorAt, cursorBulk.Written);
        w.ArrayHeader(deletedIds?.Count ?? 0);
        if (deletedIds is not null)
        {
            foreach (var id in deletedIds) id.WriteBulk(w);
        }
        ctx.Db(ctx.Arg(1)).ObjectResized(before, s);
    }

    /// <summary>Inserts bytes at <paramref name="at"/> in the writer (after a deferred region).</summary>
    private static void InsertRaw(RespWriter w, int at, ReadOnlySpan<byte> bytes)
    {
        var tail = w.Written[at..].ToArray();
        w.Truncate(at);
        w.Raw(bytes);
        w.Raw(tail);
    }
}
