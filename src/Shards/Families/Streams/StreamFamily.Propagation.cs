using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Streams;

namespace TdbPlus.Shards.Families;

/// <summary>
/// What consumer-group reads and claims are logged as (Redis's streamPropagateXCLAIM, streamPropagateGroupID,
/// streamPropagateConsumerCreation): idempotent XCLAIM ... FORCE JUSTID per delivered or claimed entry with its
/// delivery time and count, XGROUP SETID for the group's new last ID, XGROUP CREATECONSUMER; so replay does not
/// depend on when it runs.
/// </summary>
public static partial class StreamFamily
{
    /// <summary>XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID group-last-id.</summary>
    private static void PropagateClaim(CommandContext ctx, ReadOnlySpan<byte> key, ConsumerGroup g, ReadOnlySpan<byte> consumer,
        StreamId id, long deliveryTime, long deliveryCount)
    {
        ctx.Dirtied(key);
        if (ctx.Effects is not { } e) return;
        e.Begin(14);
        e.Arg("XCLAIM"u8);
        e.Arg(key);
        e.Arg(g.Name);
        e.Arg(consumer);
        e.Arg("0"u8);
        IdArg(e, id);
        e.Arg("TIME"u8);
        e.Arg(deliveryTime);
        e.Arg("RETRYCOUNT"u8);
        e.Arg(deliveryCount);
        e.Arg("FORCE"u8);
        e.Arg("JUSTID"u8);
        e.Arg("LASTID"u8);
        IdArg(e, g.LastId);
    }

    /// <summary>XGROUP SETID key group last-id ENTRIESREAD n.</summary>
    private static void PropagateGroupId(CommandContext ctx, ReadOnlySpan<byte> key, ConsumerGroup g)
    {
        ctx.Dirtied(key);
        if (ctx.Effects is not { } e) return;
        e.Begin(7);
        e.Arg("XGROUP"u8);
        e.Arg("SETID"u8);
        e.Arg(key);
        e.Arg(g.Name);
        IdArg(e, g.LastId);
        e.Arg("ENTRIESREAD"u8);
        e.Arg(g.EntriesRead);
    }

    /// <summary>XGROUP CREATECONSUMER key group consumer.</summary>
    private static void PropagateConsumer(CommandContext ctx, ReadOnlySpan<byte> key, ConsumerGroup g, ReadOnlySpan<byte> consumer)
    {
        ctx.Dirtied(key);
        if (ctx.Effects is not { } e) return;
        e.Begin(5);
        e.Arg("XGROUP"u8);
        e.Arg("CREATECONSUMER"u8);
        e.Arg(key);
        e.Arg(g.Name);
        e.Arg(consumer);
    }

    private static void IdArg(EffectLog e, StreamId id)
    {
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        e.Arg(text[..id.Format(text)]);
    }
}
