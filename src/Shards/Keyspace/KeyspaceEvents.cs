using System.Runtime.CompilerServices;
using System.Text;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Keyspace;

/// <summary>Redis's keyspace event classes (notify-keyspace-events letters).</summary>
[Flags]
public enum NotifyClass
{
    None = 0,
    /// <summary>K: publish on __keyspace@db__:key.</summary>
    Keyspace = 1 << 0,
    /// <summary>E: publish on __keyevent@db__:event.</summary>
    Keyevent = 1 << 1,
    /// <summary>g: DEL, EXPIRE, RENAME... (type-independent commands).</summary>
    Generic = 1 << 2,
    /// <summary>$: string commands.</summary>
    String = 1 << 3,
    /// <summary>l: list commands.</summary>
    List = 1 << 4,
    /// <summary>s: set commands.</summary>
    Set = 1 << 5,
    /// <summary>h: hash commands.</summary>
    Hash = 1 << 6,
    /// <summary>z: sorted set commands.</summary>
    ZSet = 1 << 7,
    /// <summary>x: a key expired.</summary>
    Expired = 1 << 8,
    /// <summary>e: a key was evicted by maxmemory.</summary>
    Evicted = 1 << 9,
    /// <summary>t: stream commands.</summary>
    Stream = 1 << 10,
    /// <summary>m: a read found no key (not part of A).</summary>
    KeyMiss = 1 << 11,
    /// <summary>d: module key types.</summary>
    Module = 1 << 12,
    /// <summary>n: a key was created (not part of A).</summary>
    New = 1 << 13,
    /// <summary>A: g$lshzxetd.</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

/// <summary>
/// Where key events go: the server publishes keyspace notifications and invalidates client-side caches
/// (CLIENT TRACKING). Called on the thread that changed the key.
/// </summary>
public interface IKeyspaceEventSink
{
    /// <param name="origin">The session whose command changed the key (a ClientSession), or null (expiry, eviction).</param>
    /// <param name="originReply">That command's reply writer: pushes to the origin itself go there, in line.</param>
    void KeyEvent(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbIndex, object? origin, RespWriter? originReply);

    /// <summary>FLUSHDB / FLUSHALL (dbIndex -1): every tracked key of every client is invalid.</summary>
    void Flushed(int dbIndex, object? origin);
}

/// <summary>
/// The engine's single switch for key events: the notify-keyspace-events classes and whether any client
/// tracks keys. <see cref="Mask"/> is one field read, zero when nobody listens, so the hooks cost nothing then.
/// </summary>
public sealed class KeyspaceEvents
{
    /// <summary>Bit of <see cref="Mask"/> set while at least one client has CLIENT TRACKING on.</summary>
    public const int TrackingBit = 1 << 30;

    private volatile int _mask;
    private int _notifyFlags;
    private bool _tracking;

    /// <summary>Non-zero when some event must be reported: notification classes plus <see cref="TrackingBit"/>.</summary>
    public int Mask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _mask;
    }

    public IKeyspaceEventSink? Sink { get; set; }

    /// <summary>The notify-keyspace-events flags.</summary>
    public int NotifyFlags
    {
        get => _notifyFlags;
        set
        {
            _notifyFlags = value;
            Recompute();
        }
    }

    public bool TrackingActive
    {
        get => _tracking;
        set
        {
            _tracking = value;
            Recompute();
        }
    }

    private void Recompute()
    {
        int notify = _notifyFlags;
        // Without K or E nothing is published, whatever the classes.
        if ((notify & (int)(NotifyClass.Keyspace | NotifyClass.Keyevent)) == 0) notify = 0;
        _mask = notify | (_tracking ? TrackingBit : 0);
    }

    [ThreadStatic] private static object? t_origin;
    [ThreadStatic] private static RespWriter? t_originReply;

    /// <summary>
    /// The command running on this thread (its session and reply writer), for events raised below the command
    /// layer (a key expiring during a lookup, "new" from Database.Create); null when the command ends.
    /// </summary>
    public static void SetCurrentCommand(object? origin, RespWriter? reply)
    {
        t_origin = origin;
        t_originReply = reply;
    }

    /// <summary>Reports a key event when notifications of its class are on or keys are tracked.</summary>
    public void Emit(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbIndex, object? origin = null, RespWriter? originReply = null)
    {
        int mask = _mask;
        if (mask == 0) return;
        bool tracked = (mask & TrackingBit) != 0 && type is not (NotifyClass.KeyMiss or NotifyClass.New);
        if (!tracked && (mask & (int)type) == 0) return;
        if (origin is null)
        {
            origin = t_origin;
            originReply = t_originReply;
        }
        Sink?.KeyEvent(type, eventName, key, dbIndex, origin, originReply);
    }

    /// <summary>notify-keyspace-events text to flags (keyspaceEventsStringToFlags); false on an unknown letter.</summary>
    public static bool TryParse(string text, out int flags)
    {
        flags = 0;
        foreach (char c in text)
        {
            NotifyClass f = c switch
            {
                'A' => NotifyClass.All,
                'g' => NotifyClass.Generic,
                '$' => NotifyClass.String,
                'l' => NotifyClass.List,
                's' => NotifyClass.Set,
                'h' => NotifyClass.Hash,
                'z' => NotifyClass.ZSet,
                'x' => NotifyClass.Expired,
                'e' => NotifyClass.Evicted,
                'K' => NotifyClass.Keyspace,
                'E' => NotifyClass.Keyevent,
                't' => NotifyClass.Stream,
                'm' => NotifyClass.KeyMiss,
                'd' => NotifyClass.Module,
                'n' => NotifyClass.New,
                _ => (NotifyClass)(-1),
            };
            if ((int)f == -1) return false;
            flags |= (int)f;
        }
        return true;
    }

    /// <summary>Flags to text as CONFIG GET shows them (keyspaceEventsFlagsToString).</summary>
    public static string Format(int flags)
    {
        var f = (NotifyClass)flags;
        var sb = new StringBuilder();
        if ((f & NotifyClass.All) == NotifyClass.All) sb.Append('A');
        else
        {
            if ((f & NotifyClass.Generic) != 0) sb.Append('g');
            if ((f & NotifyClass.String) != 0) sb.Append('$');
            if ((f & NotifyClass.List) != 0) sb.Append('l');
            if ((f & NotifyClass.Set) != 0) sb.Append('s');
            if ((f & NotifyClass.Hash) != 0) sb.Append('h');
            if ((f & NotifyClass.ZSet) != 0) sb.Append('z');
            if ((f & NotifyClass.Expired) != 0) sb.Append('x');
            if ((f & NotifyClass.Evicted) != 0) sb.Append('e');
            if ((f & NotifyClass.Stream) != 0) sb.Append('t');
            if ((f & NotifyClass.Module) != 0) sb.Append('d');
            if ((f & NotifyClass.New) != 0) sb.Append('n');
        }
        if ((f & NotifyClass.Keyspace) != 0) sb.Append('K');
        if ((f & NotifyClass.Keyevent) != 0) sb.Append('E');
        if ((f & NotifyClass.KeyMiss) != 0) sb.Append('m');
        return sb.ToString();
    }
}
