using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Families;

/// <summary>XINFO STREAM / GROUPS / CONSUMERS / HELP, with Redis 7.0's fields and order.</summary>
public static partial class StreamFamily
{
    /// <summary>XINFO's lookup: "no such key" for a missing key; false when the reply is written.</summary>
    private static bool TryGetInfoStream(CommandContext ctx, out StreamObject s)
    {
        s = null!;
        if (!TryGetStream(ctx, 2, write: false, out var found)) return false;
        if (found is null)
        {
            ctx.Error(Errors.NoSuchKey);
            return false;
        }
        s = found;
        return true;
    }

    private static void XInfoStream(CommandContext ctx)
    {
        if (!TryGetInfoStream(ctx, out var s)) return;
        int optc = ctx.ArgCount - 3;
        bool full = optc > 0;
        long count = 10;
        if (full)
        {
            if ((optc != 1 && optc != 3) || !ctx.ArgIs(3, "FULL"u8) || (optc == 3 && !ctx.ArgIs(4, "COUNT"u8)))
            {
                SubcommandSyntaxError(ctx);
                return;
            }
            if (optc == 3)
            {
                if (!ctx.TryGetLong(5, out count)) return;
                if (count < 0) count = 10;
            }
        }
        var w = ctx.Reply;
        w.MapHeader(full ? 9 : 10);
        w.Bulk("length"u8);
        w.Integer(s.Length);
        w.Bulk("radix-tree-keys"u8);
        w.Integer(s.NodeCount);
        w.Bulk("radix-tree-nodes"u8);
        w.Integer(s.RadixTreeNodes());
        w.Bulk("last-generated-id"u8);
        s.LastId.WriteBulk(w);
        w.Bulk("max-deleted-entry-id"u8);
        s.MaxDeletedId.WriteBulk(w);
        w.Bulk("entries-added"u8);
        w.Integer(s.EntriesAdded);
        w.Bulk("recorded-first-entry-id"u8);
        s.FirstId.WriteBulk(w);
        if (!full)
        {
            w.Bulk("groups"u8);
            w.Integer(s.Groups.Count);
            w.Bulk("first-entry"u8);
            WriteEdgeEntry(w, s, reverse: false);
            w.Bulk("last-entry"u8);
            WriteEdgeEntry(w, s, reverse: true);
            return;
        }

        w.Bulk("entries"u8);
        WriteRange(w, s, StreamId.Zero, StreamId.Max, count, reverse: false);
        w.Bulk("groups"u8);
        w.ArrayHeader(s.Groups.Count);
        foreach (var g in s.Groups)
        {
            w.MapHeader(7);
            w.Bulk("name"u8);
            w.Bulk(g.Name);
            w.Bulk("last-delivered-id"u8);
            g.LastId.WriteBulk(w);
            w.Bulk("entries-read"u8);
            WriteEntriesRead(w, g);
            w.Bulk("lag"u8);
            WriteLag(w, s, g);
            w.Bulk("pel-count"u8);
            w.Integer(g.Pending.Count);
            w.Bulk("pending"u8);
            int at = w.BeginDeferred();
            int n = 0;
            var cur = g.Pending.From(StreamId.Zero);
            while ((count == 0 || n < count) && cur.MoveNext())
            {
                ref var nack = ref cur.Value;
                w.ArrayHeader(4);
                cur.Key.WriteBulk(w);
                w.Bulk(nack.Owner!.Name);
                w.Integer(nack.DeliveryTime);
                w.Integer(nack.DeliveryCount);
                n++;
            }
            w.EndDeferredArray(at, n);
            w.Bulk("consumers"u8);
            w.ArrayHeader(g.Consumers.Count);
            foreach (var c in g.Consumers)
            {
                w.MapHeader(4);
                w.Bulk("name"u8);
                w.Bulk(c.Name);
                w.Bulk("seen-time"u8);
                w.Integer(c.SeenTime);
                w.Bulk("pel-count"u8);
                w.Integer(c.Pending.Count);
                w.Bulk("pending"u8);
                int cat = w.BeginDeferred();
                int cn = 0;
                var cc = c.Pending.From(StreamId.Zero);
                while ((count == 0 || cn < count) && cc.MoveNext())
                {
                    ref var nack = ref g.Pending.Find(cc.Key, out bool found);
                    w.ArrayHeader(3);
                    cc.Key.WriteBulk(w);
                    w.Integer(found ? nack.DeliveryTime : 0);
                    w.Integer(found ? nack.DeliveryCount : 0);
                    cn++;
                }
                w.EndDeferredArray(cat, cn);
            }
        }
    }

    private static void WriteEdgeEntry(RespWriter w, StreamObject s, bool reverse)
    {
        var cur = new StreamCursor(s, StreamId.Zero, StreamId.Max, reverse);
        if (cur.MoveNext()) cur.WriteEntry(w);
        else w.NullBulk();
        cur.Dispose();
    }

    private static void WriteEntriesRead(RespWriter w, ConsumerGroup g)
    {
        if (g.EntriesRead != ConsumerGroup.InvalidEntriesRead) w.Integer(g.EntriesRead);
        else w.NullBulk();
    }

    private static void WriteLag(RespWriter w, StreamObject s, ConsumerGroup g)
    {
        if (s.Lag(g) is { } lag) w.Integer(lag);
        else w.NullBulk();
    }

    private static void XInfoGroups(CommandContext ctx)
    {
        if (!TryGetInfoStream(ctx, out var s)) return;
        var w = ctx.Reply;
        w.ArrayHeader(s.Groups.Count);
        foreach (var g in s.Groups)
        {
            w.MapHeader(6);
            w.Bulk("name"u8);
            w.Bulk(g.Name);
            w.Bulk("consumers"u8);
            w.Integer(g.Consumers.Count);
            w.Bulk("pending"u8);
            w.Integer(g.Pending.Count);
            w.Bulk("last-delivered-id"u8);
            g.LastId.WriteBulk(w);
            w.Bulk("entries-read"u8);
            WriteEntriesRead(w, g);
            w.Bulk("lag"u8);
            WriteLag(w, s, g);
        }
    }

    private static void XInfoConsumers(CommandContext ctx)
    {
        if (!TryGetInfoStream(ctx, out var s)) return;
        var g = s.FindGroup(ctx.Arg(3));
        if (g is null)
        {
            ctx.Error(NoSuchGroupError(ctx, 3, 2));
            return;
        }
        var w = ctx.Reply;
        long now = ctx.Now;
        w.ArrayHeader(g.Consumers.Count);
        foreach (var c in g.Consumers)
        {
            w.MapHeader(3);
            w.Bulk("name"u8);
            w.Bulk(c.Name);
            w.Bulk("pending"u8);
            w.Integer(c.Pending.Count);
            w.Bulk("idle"u8);
            w.Integer(Math.Max(0, now - c.SeenTime));
        }
    }

    private static void XInfoHelp(CommandContext ctx) => WriteHelp(ctx, "XINFO",
    [
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    ]);
}
