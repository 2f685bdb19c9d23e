namespace TdbPlus.Shards.Commands;

/// <summary>Per-connection state that commands read and change (selected db, protocol, name, flags).</summary>
public class ClientSession
{
    private static long s_nextId;

    public long Id { get; } = Interlocked.Increment(ref s_nextId);

    public int DbIndex { get; set; }

    /// <summary>2 or 3 (HELLO).</summary>
    public int Protocol { get; set; } = 2;

    public bool Authenticated { get; set; }

    public string? Name { get; set; }

    public bool NoTouch { get; set; }

    public bool NoEvict { get; set; }

    /// <summary>Set by QUIT (and protocol errors): reply, then close; later commands in the batch are dropped.</summary>
    public bool CloseAfterReply { get; set; }

    /// <summary>REPLCONF rdb-only 1 was sent: a SYNC is answered with the RDB image alone (redis-cli --rdb).</summary>
    public bool RdbOnly { get; set; }

    /// <summary>MULTI/EXEC and WATCH state.</summary>
    public TransactionState Transaction { get; } = new();

    /// <summary>False inside MULTI/EXEC and scripts: blocking commands then time out at once, as in Redis.</summary>
    public bool BlockingAllowed { get; set; } = true;

    /// <summary>Subscribed to channels, patterns or shard channels (Redis's CLIENT_PUBSUB): in RESP2 only
    /// (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET may run.</summary>
    public bool PubSubMode { get; set; }

    /// <summary>The server wants <c>ExecutionHooks.AfterCommand</c> after each command (CLIENT TRACKING).</summary>
    public bool AfterCommandHook { get; set; }

    /// <summary>The last command's full name (CLIENT LIST cmd=).</summary>
    public string LastCommand { get; set; } = "NULL";
}
