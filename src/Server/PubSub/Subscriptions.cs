namespace TdbPlus.Server.PubSub;

/// <summary>One client's subscriptions, in subscription order; changed only under the hub's lock.</summary>
public sealed class Subscriptions
{
    public OrderedByteSet Channels { get; } = new();

    public OrderedByteSet Patterns { get; } = new();

    public OrderedByteSet ShardChannels { get; } = new();

    /// <summary>What SUBSCRIBE/PSUBSCRIBE replies report: channels plus patterns.</summary>
    public int Count => Channels.Count + Patterns.Count;

    public int Total => Channels.Count + Patterns.Count + ShardChannels.Count;
}

/// <summary>One client's CLIENT TRACKING settings (Redis's CLIENT_TRACKING_* flags and redirection).</summary>
public sealed class TrackingState
{
    public volatile bool On;
    public bool Bcast;
    public bool OptIn;
    public bool OptOut;
    public bool NoLoop;
    /// <summary>CLIENT CACHING yes/no given for the next command.</summary>
    public bool Caching;
    public bool BrokenRedirect;
    /// <summary>Client id invalidations go to; 0 for the client itself.</summary>
    public long Redirect;

    /// <summary>BCAST prefixes, in memcmp order.</summary>
    public SortedSet<byte[]> Prefixes { get; } = new(ByteKeyComparer.Instance);

    /// <summary>Keys this client invalidated for itself during the running command, sent after its reply.</summary>
    public List<byte[]?> PendingSelf { get; } = [];
}
