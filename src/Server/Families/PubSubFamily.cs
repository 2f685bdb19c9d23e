using TdbPlus.Resp;
using TdbPlus.Server.PubSub;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Families;

/// <summary>Pub/Sub: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB, over the server's hub.</summary>
public static class PubSubFamily
{
    private const CommandFlags SubFlags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
    private const CommandFlags PubFlags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast;
    private const CommandFlags InfoFlags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale;
    private const AclCategories SlowCats = AclCategories.PubSub | AclCategories.Slow;
    private const AclCategories FastCats = AclCategories.PubSub | AclCategories.Fast;
    private const string Group = "pubsub";

    /// <summary>A connection command whose channels Redis declares as key positions (shard channels).</summary>
    private static CommandDef Channels(string name, int arity, CommandFlags flags, int last, AclCategories cats,
        CommandHandler handler, string summary) =>
        new(new CommandSpec(name, arity, flags, 1, last, 1, cats, summary, "7.0.0", Group), CommandRoute.Connection, handler);

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Local("SUBSCRIBE", -2, SubFlags, SlowCats, ctx => Hub(ctx).Subscribe(ctx, SubscriptionKind.Channel),
            "Listens for messages published to channels.", "2.0.0", Group),
        Declare.Local("PSUBSCRIBE", -2, SubFlags, SlowCats, ctx => Hub(ctx).Subscribe(ctx, SubscriptionKind.Pattern),
            "Listens for messages published to channels that match one or more patterns.", "2.0.0", Group),
        Channels("SSUBSCRIBE", -2, SubFlags, -1, SlowCats, ctx => Hub(ctx).Subscribe(ctx, SubscriptionKind.Shard),
            "Listens for messages published to shard channels."),
        Declare.Local("UNSUBSCRIBE", -1, SubFlags, SlowCats, ctx => Hub(ctx).Unsubscribe(ctx, SubscriptionKind.Channel),
            "Stops listening to messages posted to channels.", "2.0.0", Group),
        Declare.Local("PUNSUBSCRIBE", -1, SubFlags, SlowCats, ctx => Hub(ctx).Unsubscribe(ctx, SubscriptionKind.Pattern),
            "Stops listening to messages published to channels that match one or more patterns.", "2.0.0", Group),
        Channels("SUNSUBSCRIBE", -1, SubFlags, -1, SlowCats, ctx => Hub(ctx).Unsubscribe(ctx, SubscriptionKind.Shard),
            "Stops listening to messages posted to shard channels."),
        Declare.Local("PUBLISH", 3, PubFlags, FastCats, Publish, "Posts a message to a channel.", "2.0.0", Group),
        Channels("SPUBLISH", 3, PubFlags, 1, FastCats, SPublish, "Post a message to a shard channel"),
        Declare.Container("PUBSUB", -2, CommandFlags.None, AclCategories.Slow, "A container for Pub/Sub commands.",
        [
            Declare.Local("CHANNELS", -2, InfoFlags, SlowCats, ctx => ListChannels(ctx, shard: false),
                "Returns the active channels.", "2.8.0", Group),
            Declare.Local("NUMPAT", 2, InfoFlags, SlowCats, ctx => ctx.Reply.Integer(Hub(ctx).PatternCount),
                "Returns a count of unique pattern subscriptions.", "2.8.0", Group),
            Declare.Local("NUMSUB", -2, InfoFlags, SlowCats, ctx => NumSub(ctx, shard: false),
                "Returns a count of subscribers to channels.", "2.8.0", Group),
            Declare.Local("SHARDCHANNELS", -2, InfoFlags, SlowCats, ctx => ListChannels(ctx, shard: true),
                "Returns the active shard channels.", "7.0.0", Group),
            Declare.Local("SHARDNUMSUB", -2, InfoFlags, SlowCats, ctx => NumSub(ctx, shard: true),
                "Returns the count of subscribers of shard channels.", "7.0.0", Group),
            Declare.Local("HELP", 2, CommandFlags.Loading | CommandFlags.Stale, AclCategories.Slow, Help,
                "Returns helpful text about the different subcommands.", "6.2.0", Group),
        ], since: "2.8.0", group: Group),
    ];

    private static PubSubHub Hub(CommandContext ctx) => ctx.Host().PubSub;

    private static void Publish(CommandContext ctx) =>
        ctx.Reply.Integer(Hub(ctx).Publish(ctx.Arg(1), ctx.Arg(2), ctx.Session, ctx.Reply));

    private static void SPublish(CommandContext ctx) =>
        ctx.Reply.Integer(Hub(ctx).ShardPublish(ctx.Arg(1), ctx.Arg(2), ctx.Session, ctx.Reply));

    private static void ListChannels(CommandContext ctx, bool shard)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{ClientFamily.CString(ctx.Arg(1))}'. Try PUBSUB HELP.");
            return;
        }
        string? pattern = ctx.ArgCount > 2 ? ctx.ArgRaw(2) : null;
        var names = Hub(ctx).ActiveChannels(shard, pattern);
        ctx.Reply.ArrayHeader(names.Count);
        foreach (var n in names) ctx.Reply.Bulk(n);
    }

    private static void NumSub(CommandContext ctx, bool shard)
    {
        var w = ctx.Reply;
        // A flat array of channel, count pairs, in RESP3 too.
        w.ArrayHeader((ctx.ArgCount - 2) * 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            w.Bulk(ctx.Arg(j));
            w.Integer(Hub(ctx).Subscribers(shard, ctx.Arg(j)));
        }
    }

    private static void Help(CommandContext ctx) => ctx.Help("PUBSUB",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)");
}
