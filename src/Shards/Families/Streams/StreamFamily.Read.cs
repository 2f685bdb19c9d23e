using System.Runtime.CompilerServices;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Families;

/// <summary>XREAD and XREADGROUP, with blocking.</summary>
public static partial class StreamFamily
{
    /// <summary>What a served-after-blocking XREAD without COUNT returns at most (XREAD_BLOCKED_DEFAULT_COUNT).</summary>
    private const long BlockedDefaultCount = 1000;

    /// <summary>
    /// The IDs an XREAD resolved when it blocked: '$' means the stream's last ID at that moment, not when the
    /// command is re-run to serve the client (Redis rewrites the argument; here the session remembers them).
    /// </summary>
    private sealed class BlockedIds
    {
        public StreamId[] Ids = [];
    }

    private static readonly ConditionalWeakTable<Commands.ClientSession, BlockedIds> s_blockedIds = new();

    // ---- key finders (routing) ----

    private static void FindXReadKeys(CommandArgs args, List<int> keys) => FindStreamKeys(args, keys, group: false);

    private static void FindXReadGroupKeys(CommandArgs args, List<int> keys) => FindStreamKeys(args, keys, group: true);

    /// <summary>The keys after STREAMS, found with the handler's own option walk (the first half of the rest).</summary>
    private static void FindStreamKeys(CommandArgs args, List<int> keys, bool group)
    {
        int argc = args.Count;
        for (int i = 1; i < argc; i++)
        {
            int more = argc - i - 1;
            var a = args[i];
            if ((CommandTable.EqualsIgnoreCase("BLOCK"u8, a) || CommandTable.EqualsIgnoreCase("COUNT"u8, a)) && more > 0) i++;
            else if (CommandTable.EqualsIgnoreCase("STREAMS"u8, a) && more > 0)
            {
                int first = i + 1;
                int n = argc - first;
                if (n % 2 != 0) return;
                for (int k = 0; k < n / 2; k++) keys.Add(first + k);
                return;
            }
            else if (group && CommandTable.EqualsIgnoreCase("GROUP"u8, a) && more >= 2) i += 2;
            else if (group && CommandTable.EqualsIgnoreCase("NOACK"u8, a)) { }
            else return;
        }
    }

    /// <summary>XREAD/XREADGROUP without BLOCK never block: they then run like other reads, not through a hold.</summary>
    private static CommandDef BlocksOnlyWith(BlockingPredicate mayBlock, CommandDef def) =>
        new(def.Spec with { MayBlock = mayBlock }, def.Route, def.Handler);

    /// <summary>True when a BLOCK option comes before STREAMS (walking the options as the handler does).</summary>
    private static bool XReadMayBlock(CommandArgs args)
    {
        int argc = args.Count;
        for (int i = 1; i < argc; i++)
        {
            int more = argc - i - 1;
            var a = args[i];
            if (CommandTable.EqualsIgnoreCase("BLOCK"u8, a) && more > 0) return true;
            if (CommandTable.EqualsIgnoreCase("COUNT"u8, a) && more > 0) i++;
            else if (CommandTable.EqualsIgnoreCase("GROUP"u8, a) && more >= 2) i += 2;
            else if (!CommandTable.EqualsIgnoreCase("NOACK"u8, a)) return false;
        }
        return false;
    }

    // ---- XREAD / XREADGROUP ----

    private static void XRead(CommandContext ctx) => ReadGeneric(ctx, xreadgroup: false);

    private static void XReadGroup(CommandContext ctx) => ReadGeneric(ctx, xreadgroup: true);

    /// <summary>Redis's xreadCommand, both forms; blocks through the engine when nothing can be served.</summary>
    private static void ReadGeneric(CommandContext ctx, bool xreadgroup)
    {
        long timeout = -1, count = 0;
        int streamsArg = 0, streamCount = 0, groupArg = 0;
        bool noAck = false;
        int argc = ctx.ArgCount;
        for (int i = 1; i < argc; i++)
        {
            int more = argc - i - 1;
            if (ctx.ArgIs(i, "BLOCK"u8) && more > 0)
            {
                i++;
                if (!NumberParser.TryParseInt64(ctx.Arg(i), out timeout))
                {
                    ctx.Error("ERR timeout is not an integer or out of range");
                    return;
                }
                if (timeout < 0)
                {
                    ctx.Error("ERR timeout is negative");
                    return;
                }
            }
            else if (ctx.ArgIs(i, "COUNT"u8) && more > 0)
            {
                i++;
                if (!ctx.TryGetLong(i, out count)) return;
                if (count < 0) count = 0;
            }
            else if (ctx.ArgIs(i, "STREAMS"u8) && more > 0)
            {
                streamsArg = i + 1;
                streamCount = argc - streamsArg;
                if (streamCount % 2 != 0)
                {
                    // Redis 7.0 words it this way for XREADGROUP too.
                    ctx.Error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                    return;
                }
                streamCount /= 2;
                break;
            }
            else if (ctx.ArgIs(i, "GROUP"u8) && more >= 2)
            {
                if (!xreadgroup)
                {
                    ctx.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                    return;
                }
                groupArg = i + 1;
                i += 2;
            }
            else if (ctx.ArgIs(i, "NOACK"u8))
            {
                if (!xreadgroup)
                {
                    ctx.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                    return;
                }
                noAck = true;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (streamsArg == 0)
        {
            ctx.SyntaxError();
            return;
        }
        if (xreadgroup && groupArg == 0)
        {
            ctx.Error("ERR Missing GROUP option for XREADGROUP");
            return;
        }

        // Resolve IDs (and groups), failing before anything is written.
        Span<StreamId> ids = streamCount <= 8 ? stackalloc StreamId[streamCount] : new StreamId[streamCount];
        var streams = new StreamObject?[streamCount];
        var groups = xreadgroup ? new ConsumerGroup[streamCount] : null;
        BlockedIds? remembered = null;
        if (ctx.Serving && !xreadgroup && s_blockedIds.TryGetValue(ctx.Session, out var b) && b.Ids.Length == streamCount)
            remembered = b;
        for (int k = 0; k < streamCount; k++)
        {
            int keyArg = streamsArg + k, idArg = streamsArg + streamCount + k;
            StreamObject? s;
            if (ctx.Serving)
            {
                // Re-run for a blocked client (Redis's serveClientsBlockedOnKey): a key that is gone or no
                // longer a stream ends XREADGROUP with UNBLOCKED, and is just not ready for XREAD.
                s = LookupServedStream(ctx, keyArg);
                if (s is null && xreadgroup)
                {
                    ctx.Error("UNBLOCKED the stream key no longer exists");
                    return;
                }
            }
            else if (!TryGetStream(ctx, keyArg, write: false, out s)) return;
            streams[k] = s;
            if (xreadgroup)
            {
                var g = s?.FindGroup(ctx.Arg(groupArg));
                if (g is null)
                {
                    ctx.Error(ctx.Serving
                        ? "NOGROUP the consumer group this client was blocked on no longer exists"
                        : $"NOGROUP No such key '{CText(ctx, keyArg)}' or consumer group '{CText(ctx, groupArg)}' in XREADGROUP with GROUP option");
                    return;
                }
                groups![k] = g;
            }
            var idText = ctx.Arg(idArg);
            if (StreamIdParser.CStringIs(idText, "$"u8))
            {
                if (xreadgroup)
                {
                    ctx.Error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                    return;
                }
                ids[k] = remembered is not null ? remembered.Ids[k] : s?.LastId ?? StreamId.Zero;
            }
            else if (StreamIdParser.CStringIs(idText, ">"u8))
            {
                if (!xreadgroup)
                {
                    ctx.Error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                    return;
                }
                ids[k] = StreamId.Max;
            }
            else if (!StreamIdParser.TryParseStrict(idText, out ids[k]))
            {
                ctx.Error(StreamIdParser.InvalidId);
                return;
            }
        }

        // Serve what is there now.
        if (ctx.Serving && count == 0) count = BlockedDefaultCount;
        var w = ctx.Reply;
        int replyStart = w.BeginDeferred();
        int served = 0;
        var consumerName = xreadgroup ? ctx.Arg(groupArg + 1) : default;
        for (int k = 0; k < streamCount; k++)
        {
            var s = streams[k];
            if (s is null) continue;
            var gt = ids[k];
            bool serve = false, history = false;
            Consumer? consumer = null;
            var g = groups?[k];
            if (g is not null)
            {
                if (gt != StreamId.Max)
                {
                    serve = true;
                    history = true;
                }
                else if (s.Length > 0 && s.LastValidId() > g.LastId)
                {
                    serve = true;
                    gt = g.LastId;
                }
                consumer = GetConsumer(ctx, g, consumerName, streamsArg + k, notify: true);
                consumer.SeenTime = ctx.Now;
            }
            else if (s.Length > 0 && s.LastValidId() > gt) serve = true;
            if (!serve) continue;

            served++;
            if (!w.Resp3) w.ArrayHeader(2);
            w.Bulk(ctx.Arg(streamsArg + k));
            gt.TryIncrement(out var start);
            if (g is null) WriteRange(w, s, start, StreamId.Max, count, reverse: false);
            else if (history) WriteHistory(w, s, g, consumer!, start, count, ctx.Now);
            else
            {
                long before = s.MemoryBytes;
                DeliverNew(ctx, streamsArg + k, s, g, consumer!, start, count, noAck);
                ctx.Db(ctx.Arg(streamsArg + k)).ObjectResized(before, s);
            }
        }
        if (served > 0)
        {
            if (w.Resp3) w.EndDeferredMap(replyStart, served);
            else w.EndDeferredArray(replyStart, served);
            return;
        }
        if (timeout != -1)
        {
            if (!xreadgroup)
            {
                var state = s_blockedIds.GetValue(ctx.Session, static _ => new BlockedIds());
                if (state.Ids.Length != streamCount) state.Ids = new StreamId[streamCount];
                ids.CopyTo(state.Ids);
            }
            for (int k = 0; k < streamCount; k++) ctx.AddBlockingKey(streamsArg + k);
            ctx.Block(timeout, timeoutReplyIsNullArray: true);
            return;
        }
        w.NullArray();
    }

    /// <summary>The stream at a key, or null when the key is missing or holds another type.</summary>
    private static StreamObject? LookupServedStream(CommandContext ctx, int keyArg)
    {
        var key = ctx.Arg(keyArg);
        var db = ctx.Db(key);
        nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        return rec != 0 && Storage.Record.Type(rec) == Keyspace.KeyType.Stream ? db.GetObject<StreamObject>(rec) : null;
    }

    private static string CText(CommandContext ctx, int arg) =>
        System.Text.Encoding.Latin1.GetString(StreamIdParser.CString(ctx.Arg(arg)));

    /// <summary>
    /// Delivers entries after <paramref name="start"/> to a consumer (streamReplyWithRange with a group): the
    /// group advances, and unless NOACK each entry goes to the group's and the consumer's pending lists
    /// (taken over from another consumer when it was pending there).
    /// </summary>
    private static void DeliverNew(CommandContext ctx, int keyArg, StreamObject s, ConsumerGroup g, Consumer consumer,
        StreamId start, long count, bool noAck)
    {
        var w = ctx.Reply;
        int at = w.BeginDeferred();
        long n = 0;
        var cur = new StreamCursor(s, start, StreamId.Max, false);
        while ((count == 0 || n < count) && cur.MoveNext())
        {
            var id = cur.Id;
            s.AdvanceGroup(g, id);
            cur.WriteEntry(w);
            if (!noAck)
            {
                ref var nack = ref g.Pending.Find(id, out bool exists);
                if (exists)
                {
                    nack.Owner?.Pending.Remove(id);
                    nack.Owner = consumer;
                    nack.DeliveryTime = ctx.Now;
                    nack.DeliveryCount = 1;
                }
                else g.Pending.TryAdd(id, new PendingEntry { DeliveryTime = ctx.Now, DeliveryCount = 1, Owner = consumer });
                consumer.Pending.TryAdd(id, default);
                PropagateClaim(ctx, ctx.Arg(keyArg), g, consumer.Name, id, ctx.Now, 1);
            }
            n++;
        }
        cur.Dispose();
        if (n > 0) PropagateGroupId(ctx, ctx.Arg(keyArg), g);
        w.EndDeferredArray(at, (int)n);
    }

    /// <summary>
    /// A consumer's own history (streamReplyWithRangeFromConsumerPEL): its pending IDs from
    /// <paramref name="start"/>, each with its fields, or a null array when the entry was deleted.
    /// </summary>
    private static void WriteHistory(RespWriter w, StreamObject s, ConsumerGroup g, Consumer consumer, StreamId start,
        long count, long now)
    {
        int at = w.BeginDeferred();
        long n = 0;
        var cur = consumer.Pending.From(start);
        while ((count == 0 || n < count) && cur.MoveNext())
        {
            var id = cur.Key;
            if (!WriteEntry(w, s, id))
            {
                w.ArrayHeader(2);
                id.WriteBulk(w);
                w.NullArray();
            }
            else
            {
                ref var nack = ref g.Pending.Find(id, out bool found);
                if (found)
                {
                    nack.DeliveryTime = now;
                    nack.DeliveryCount++;
                }
            }
            n++;
        }
        w.EndDeferredArray(at, (int)n);
    }
}
