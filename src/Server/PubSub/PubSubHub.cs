using System.Buffers.Text;
using System.Text;
using TdbPlus.Shards.Families;
using TdbPlus.Resp;
using TdbPlus.Server.Families;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Server.PubSub;

/// <summary>The kind of a subscription: SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE.</summary>
public enum SubscriptionKind
{
    Channel,
    Pattern,
    Shard,
}

/// <summary>
/// The server's one Pub/Sub registry (channels, patterns, shard channels), global rather than per shard. One
/// lock guards the registry and every delivery, so a publish enqueues its messages on each subscriber
/// atomically with respect to (un)subscriptions: a subscriber sees its confirmation before any message of the
/// channel, and messages of one publisher in publish order, whatever threads the two run on. Delivery only
/// queues bytes on the subscriber (<see cref="Connection.Push"/>); the subscriber's home shard sends them.
/// It also turns key events into keyspace notifications and tracking invalidations.
/// </summary>
public sealed class PubSubHub(ServerHost host) : IKeyspaceEventSink
{
    private readonly object _lock = new();
    private readonly Dictionary<byte[], List<Connection>> _channels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], List<Connection>> _shardChannels = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], PatternEntry> _patterns = new(ByteKeyComparer.Instance);

    private sealed class PatternEntry(byte[] pattern)
    {
        public byte[] Pattern { get; } = pattern;
        public List<Connection> Clients { get; } = [];
    }

    /// <summary>Channels with at least one subscriber (INFO pubsub_channels).</summary>
    public int ChannelCount
    {
        get
        {
            lock (_lock) return _channels.Count;
        }
    }

    /// <summary>Distinct patterns subscribed (PUBSUB NUMPAT, INFO pubsub_patterns).</summary>
    public int PatternCount
    {
        get
        {
            lock (_lock) return _patterns.Count;
        }
    }

    public int ShardChannelCount
    {
        get
        {
            lock (_lock) return _shardChannels.Count;
        }
    }

    private static string Kind(SubscriptionKind kind, bool subscribe) => (kind, subscribe) switch
    {
        (SubscriptionKind.Channel, true) => "subscribe",
        (SubscriptionKind.Pattern, true) => "psubscribe",
        (SubscriptionKind.Shard, true) => "ssubscribe",
        (SubscriptionKind.Channel, false) => "unsubscribe",
        (SubscriptionKind.Pattern, false) => "punsubscribe",
        _ => "sunsubscribe",
    };

    private static OrderedByteSet SetOf(Subscriptions s, SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Channel => s.Channels,
        SubscriptionKind.Pattern => s.Patterns,
        _ => s.ShardChannels,
    };

    private static int CountFor(Subscriptions s, SubscriptionKind kind) =>
        kind == SubscriptionKind.Shard ? s.ShardChannels.Count : s.Count;

    /// <summary>(P|S)SUBSCRIBE: arguments 1.. are the channels; one confirmation per argument.</summary>
    public void Subscribe(CommandContext ctx, SubscriptionKind kind)
    {
        var c = ctx.Conn();
        var w = ctx.Reply;
        lock (_lock)
        {
            var mine = SetOf(c.Subscriptions, kind);
            for (int j = 1; j < ctx.ArgCount; j++)
            {
                var name = ctx.Arg(j);
                if (!mine.Contains(name))
                {
                    var stored = name.ToArray();
                    mine.Add(stored);
                    Register(kind, stored, c);
                }
                c.PubSubMode = true;
                w.PushHeader(3);
                w.Bulk(Kind(kind, true));
                w.Bulk(name);
                w.Integer(CountFor(c.Subscriptions, kind));
            }
        }
    }

    /// <summary>(P|S)UNSUBSCRIBE: the channels given, or all of that kind (one reply with a null name if none).</summary>
    public void Unsubscribe(CommandContext ctx, SubscriptionKind kind)
    {
        var c = ctx.Conn();
        var w = ctx.Reply;
        lock (_lock)
        {
            var mine = SetOf(c.Subscriptions, kind);
            if (ctx.ArgCount == 1)
            {
                if (mine.Count == 0)
                {
                    w.PushHeader(3);
                    w.Bulk(Kind(kind, false));
                    w.NullBulk();
                    w.Integer(CountFor(c.Subscriptions, kind));
                }
                foreach (var name in mine.Items.ToArray())
                {
                    mine.Remove(name);
                    Unregister(kind, name, c);
                    UnsubscribeReply(w, c, kind, name);
                }
            }
            else
            {
                for (int j = 1; j < ctx.ArgCount; j++)
                {
                    var name = ctx.Arg(j);
                    if (mine.Remove(name)) Unregister(kind, name, c);
                    UnsubscribeReply(w, c, kind, name);
                }
            }
            c.PubSubMode = c.Subscriptions.Total > 0;
        }
    }

    private static void UnsubscribeReply(RespWriter w, Connection c, SubscriptionKind kind, ReadOnlySpan<byte> name)
    {
        w.PushHeader(3);
        w.Bulk(Kind(kind, false));
        w.Bulk(name);
        w.Integer(CountFor(c.Subscriptions, kind));
    }

    /// <summary>Drops every subscription of a client that goes away or RESETs (no replies).</summary>
    public void UnsubscribeAll(Connection c)
    {
        lock (_lock)
        {
            foreach (var kind in new[] { SubscriptionKind.Channel, SubscriptionKind.Pattern, SubscriptionKind.Shard })
            {
                var mine = SetOf(c.Subscriptions, kind);
                foreach (var name in mine.Items) Unregister(kind, name, c);
                mine.Clear();
            }
            c.PubSubMode = false;
        }
    }

    private void Register(SubscriptionKind kind, byte[] name, Connection c)
    {
        if (kind == SubscriptionKind.Pattern)
        {
            if (!_patterns.TryGetValue(name, out var entry)) _patterns[name] = entry = new PatternEntry(name);
            entry.Clients.Add(c);
            return;
        }
        var dict = kind == SubscriptionKind.Channel ? _channels : _shardChannels;
        if (!dict.TryGetValue(name, out var list)) dict[name] = list = [];
        list.Add(c);
    }

    private void Unregister(SubscriptionKind kind, ReadOnlySpan<byte> name, Connection c)
    {
        if (kind == SubscriptionKind.Pattern)
        {
            var patterns = _patterns.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (patterns.TryGetValue(name, out var entry))
            {
                entry.Clients.Remove(c);
                if (entry.Clients.Count == 0) patterns.Remove(name);
            }
            return;
        }
        var dict = (kind == SubscriptionKind.Channel ? _channels : _shardChannels).GetAlternateLookup<ReadOnlySpan<byte>>();
        if (dict.TryGetValue(name, out var list))
        {
            list.Remove(c);
            if (list.Count == 0) dict.Remove(name);
        }
    }

    /// <summary>
    /// PUBLISH: queues the message on every subscriber of the channel and of each matching pattern; returns how
    /// many received it. A subscriber that is <paramref name="origin"/> itself gets it in line in
    /// <paramref name="originReply"/>, before the command's reply, as in Redis.
    /// </summary>
    public int Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, object? origin, RespWriter? originReply)
    {
        int receivers = 0;
        lock (_lock)
        {
            var lookup = _channels.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(channel, out var list))
            {
                var msg = new Message("message"u8, default, channel, message);
                foreach (var c in list)
                {
                    Deliver(c, ref msg, origin, originReply);
                    receivers++;
                }
            }
            if (_patterns.Count > 0)
            {
                foreach (var entry in _patterns.Values)
                {
                    if (!Glob.IsMatch(entry.Pattern, channel)) continue;
                    var msg = new Message("pmessage"u8, entry.Pattern, channel, message);
                    foreach (var c in entry.Clients)
                    {
                        Deliver(c, ref msg, origin, originReply);
                        receivers++;
                    }
                }
            }
        }
        return receivers;
    }

    /// <summary>SPUBLISH: subscribers of the shard channel only.</summary>
    public int ShardPublish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, object? origin, RespWriter? originReply)
    {
        int receivers = 0;
        lock (_lock)
        {
            if (_shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var list))
            {
                var msg = new Message("smessage"u8, default, channel, message);
                foreach (var c in list)
                {
                    Deliver(c, ref msg, origin, originReply);
                    receivers++;
                }
            }
        }
        return receivers;
    }

    /// <summary>A message being delivered; its RESP2 and RESP3 encodings are built once, on first use.</summary>
    private ref struct Message(ReadOnlySpan<byte> kind, ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload)
    {
        private readonly ReadOnlySpan<byte> _kind = kind;
        private readonly ReadOnlySpan<byte> _pattern = pattern;
        private readonly ReadOnlySpan<byte> _channel = channel;
        private readonly ReadOnlySpan<byte> _payload = payload;
        private byte[]? _resp2;
        private byte[]? _resp3;

        public byte[] For(int protocol) => protocol == 3 ? _resp3 ??= Build(3) : _resp2 ??= Build(2);

        private readonly byte[] Build(int protocol)
        {
            bool hasPattern = !_pattern.IsEmpty || _kind.SequenceEqual("pmessage"u8);
            var w = new RespWriter(64 + _kind.Length + _pattern.Length + _channel.Length + _payload.Length) { Protocol = protocol };
            w.PushHeader(hasPattern ? 4 : 3);
            w.Bulk(_kind);
            if (hasPattern) w.Bulk(_pattern);
            w.Bulk(_channel);
            w.Bulk(_payload);
            return w.Written.ToArray();
        }
    }

    private static void Deliver(Connection c, ref Message msg, object? origin, RespWriter? originReply)
    {
        var bytes = msg.For(c.Protocol);
        if (originReply is not null && ReferenceEquals(c, origin)) originReply.Raw(bytes);
        else c.Push(bytes);
    }

    /// <summary>PUBSUB CHANNELS / SHARDCHANNELS: active channels matching the pattern (all without one).</summary>
    public List<byte[]> ActiveChannels(bool shard, string? pattern)
    {
        lock (_lock)
        {
            var result = new List<byte[]>();
            foreach (var name in (shard ? _shardChannels : _channels).Keys)
                if (pattern is null || Glob.IsMatch(Encoding.Latin1.GetBytes(pattern), name)) result.Add(name);
            return result;
        }
    }

    /// <summary>PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel (patterns not counted).</summary>
    public int Subscribers(bool shard, ReadOnlySpan<byte> channel)
    {
        lock (_lock)
            return (shard ? _shardChannels : _channels).GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var list) ? list.Count : 0;
    }

    // ---- key events ----

    public void KeyEvent(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbIndex, object? origin, RespWriter? originReply)
    {
        int flags = host.Engine.Events.NotifyFlags;
        if ((flags & (int)type) != 0)
        {
            if ((flags & (int)NotifyClass.Keyspace) != 0)
            {
                var channel = Channel("__keyspace@", dbIndex, key);
                Publish(channel, Encoding.ASCII.GetBytes(eventName), origin, originReply);
            }
            if ((flags & (int)NotifyClass.Keyevent) != 0)
            {
                var channel = Channel("__keyevent@", dbIndex, Encoding.ASCII.GetBytes(eventName));
                Publish(channel, key, origin, originReply);
            }
        }
        if (host.Tracker.Active && type is not (NotifyClass.KeyMiss or NotifyClass.New))
            host.Tracker.Invalidate(key, origin);
    }

    public void Flushed(int dbIndex, object? origin) => host.Tracker.InvalidateAll(origin);

    /// <summary>"__keyspace@0__:" + key (or __keyevent@0__: + event).</summary>
    private static byte[] Channel(string prefix, int db, ReadOnlySpan<byte> suffix)
    {
        Span<byte> digits = stackalloc byte[12];
        Utf8Formatter.TryFormat(db, digits, out int n);
        var result = new byte[prefix.Length + n + 3 + suffix.Length];
        int at = Encoding.ASCII.GetBytes(prefix, result);
        digits[..n].CopyTo(result.AsSpan(at));
        at += n;
        "__:"u8.CopyTo(result.AsSpan(at));
        at += 3;
        suffix.CopyTo(result.AsSpan(at));
        return result;
    }
}
