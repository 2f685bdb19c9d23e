using TdbPlus.Resp;
using TdbPlus.Server.Hosting;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.PubSub;

/// <summary>
/// Server-assisted client-side caching (CLIENT TRACKING), as Redis's tracking.c: in default mode the keys each
/// tracking client read (key name only, whatever the db) with the ids of the clients that read them; a write
/// to a key sends each of them one invalidation and forgets the key. In BCAST mode clients register prefixes
/// and receive, once per batch of the writer, the sorted keys changed under each prefix.
/// Invalidations are RESP3 pushes (&gt;2 invalidate [keys]) or, redirected to a RESP2 client in Pub/Sub mode,
/// messages on __redis__:invalidate.
/// </summary>
public sealed class ClientTracker
{
    private static readonly byte[] InvalidateChannel = "__redis__:invalidate"u8.ToArray();

    private readonly ServerHost _host;
    private readonly object _lock = new();
    private readonly Dictionary<byte[], HashSet<long>> _table = new(ByteKeyComparer.Instance);
    private readonly SortedDictionary<byte[], BcastPrefix> _prefixes = new(ByteKeyComparer.Instance);
    private long _items;
    private int _clients;
    private volatile bool _broadcastPending;

    public ClientTracker(ServerHost host)
    {
        _host = host;
    }

    private sealed class BcastPrefix
    {
        public HashSet<Connection> Clients { get; } = [];

        /// <summary>Keys changed since the last broadcast, with the client that changed each last (NOLOOP).</summary>
        public SortedDictionary<byte[], Connection?> Keys { get; } = new(ByteKeyComparer.Instance);
    }

    /// <summary>True while at least one client tracks keys.</summary>
    public bool Active => Volatile.Read(ref _clients) > 0;

    /// <summary>Keys changed under some BCAST prefix and not yet broadcast.</summary>
    public bool BroadcastPending => _broadcastPending;

    public int TrackingClients => Volatile.Read(ref _clients);

    public long TotalKeys
    {
        get
        {
            lock (_lock) return _table.Count;
        }
    }

    public long TotalItems
    {
        get
        {
            lock (_lock) return _items;
        }
    }

    public long TotalPrefixes
    {
        get
        {
            lock (_lock) return _prefixes.Count;
        }
    }

    /// <summary>enableTracking: turns tracking on (again) with these options; prefixes add to existing ones.</summary>
    public void Enable(Connection c, long redirect, bool bcast, bool optIn, bool optOut, bool noLoop, List<byte[]> prefixes)
    {
        lock (_lock)
        {
            var t = c.Tracking;
            if (!t.On) _clients++;
            t.On = true;
            t.BrokenRedirect = false;
            t.Redirect = redirect;
            t.Bcast = bcast;
            t.OptIn = optIn;
            t.OptOut = optOut;
            t.NoLoop = noLoop;
            if (bcast)
            {
                if (prefixes.Count == 0) prefixes = [[]];
                foreach (var p in prefixes)
                {
                    if (!_prefixes.TryGetValue(p, out var bp)) _prefixes[p] = bp = new BcastPrefix();
                    bp.Clients.Add(c);
                    t.Prefixes.Add(p);
                }
            }
            c.AfterCommandHook = true;
            _host.Engine.Events.TrackingActive = _clients > 0;
        }
    }

    /// <summary>disableTracking (also when the client goes away or RESETs).</summary>
    public void Disable(Connection c)
    {
        lock (_lock)
        {
            var t = c.Tracking;
            if (!t.On) return;
            foreach (var p in t.Prefixes)
            {
                if (!_prefixes.TryGetValue(p, out var bp)) continue;
                bp.Clients.Remove(c);
                if (bp.Clients.Count == 0) _prefixes.Remove(p);
            }
            t.Prefixes.Clear();
            t.On = t.Bcast = t.OptIn = t.OptOut = t.NoLoop = t.Caching = t.BrokenRedirect = false;
            t.PendingSelf.Clear();
            c.AfterCommandHook = false;
            _clients--;
            _host.Engine.Events.TrackingActive = _clients > 0;
        }
    }

    /// <summary>Prefixes that overlap one already registered, or each other (checkPrefixCollisionsOrReply).</summary>
    public static string? PrefixCollision(Connection c, List<byte[]> prefixes)
    {
        static bool Overlap(byte[] a, byte[] b)
        {
            int n = Math.Min(a.Length, b.Length);
            return a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, n));
        }
        static string S(byte[] b) => ClientFamilyText(b);
        for (int i = 0; i < prefixes.Count; i++)
        {
            foreach (var existing in c.Tracking.Prefixes)
            {
                if (Overlap(existing, prefixes[i]))
                    return $"ERR Prefix '{S(prefixes[i])}' overlaps with an existing prefix '{S(existing)}'. Prefixes for a single client must not overlap.";
            }
            for (int j = i + 1; j < prefixes.Count; j++)
            {
                if (Overlap(prefixes[i], prefixes[j]))
                    return $"ERR Prefix '{S(prefixes[i])}' overlaps with another provided prefix '{S(prefixes[j])}'. Prefixes for a single client must not overlap.";
            }
        }
        return null;
    }

    private static string ClientFamilyText(byte[] b) => Families.ClientFamily.CString(b);

    [ThreadStatic]
    private static List<int>? t_keys;

    /// <summary>
    /// After each command of a tracking client (on the thread that ran it): remembers the keys a read-only
    /// command read, sends the invalidations the command caused for the client itself after its reply, and
    /// ends a CLIENT CACHING yes/no that applied to this command.
    /// </summary>
    public void AfterCommand(CommandContext ctx)
    {
        if (ctx.Session is not Connection c) return;
        var t = c.Tracking;
        var def = ctx.Command;
        if (t.On && !t.Bcast && (def.Spec.Flags & CommandFlags.ReadOnly) != 0 &&
            !((t.OptIn && !t.Caching) || (t.OptOut && t.Caching)))
        {
            var keys = t_keys ??= [];
            keys.Clear();
            def.Spec.CollectKeys(ctx.ArgsFrom(0), keys);
            if (keys.Count > 0)
            {
                lock (_lock)
                {
                    foreach (int k in keys)
                    {
                        var lookup = _table.GetAlternateLookup<ReadOnlySpan<byte>>();
                        var key = ctx.Arg(k);
                        if (!lookup.TryGetValue(key, out var ids)) lookup[key] = ids = [];
                        if (ids.Add(c.Id)) _items++;
                    }
                }
            }
        }
        if (t.PendingSelf.Count > 0)
        {
            lock (_lock)
            {
                foreach (var key in t.PendingSelf) Send(c, key, c, ctx.Reply);
            }
            t.PendingSelf.Clear();
        }
        if ((def.Parent ?? def).Spec.Name != "CLIENT") t.Caching = false;
    }

    /// <summary>trackingInvalidateKey: a key changed (written, expired, evicted).</summary>
    public void Invalidate(ReadOnlySpan<byte> key, object? origin)
    {
        var writer = origin as Connection;
        bool broadcastNow = false;
        lock (_lock)
        {
            if (_prefixes.Count > 0)
            {
                byte[]? stored = null;
                foreach (var (prefix, bp) in _prefixes)
                {
                    if (!key.StartsWith(prefix)) continue;
                    stored ??= key.ToArray();
                    bp.Keys[stored] = writer;
                    _broadcastPending = true;
                    // Without a client command behind it (expiry by the cron), broadcast at once.
                    if (writer is null) broadcastNow = true;
                }
            }
            if (_table.Count > 0 && _table.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key, out _, out var ids))
            {
                _items -= ids.Count;
                foreach (long id in ids)
                {
                    var target = _host.Clients.Find(id);
                    if (target is null || !target.Tracking.On || target.Tracking.Bcast) continue;
                    if (target.Tracking.NoLoop && ReferenceEquals(target, writer)) continue;
                    // The writer's own invalidation goes after its reply (Redis's tracking_pending_keys).
                    if (ReferenceEquals(target, writer)) target.Tracking.PendingSelf.Add(key.ToArray());
                    else Send(target, key.ToArray(), null, null);
                }
            }
        }
        if (broadcastNow) FlushBroadcast();
    }

    /// <summary>trackingInvalidateKeysOnFlush: every tracking client gets a null invalidation; the table empties.</summary>
    public void InvalidateAll(object? origin)
    {
        lock (_lock)
        {
            foreach (var c in _host.Clients.All)
            {
                if (!c.Tracking.On) continue;
                if (ReferenceEquals(c, origin)) c.Tracking.PendingSelf.Add(null);
                else Send(c, null, null, null);
            }
            _table.Clear();
            _items = 0;
        }
    }

    /// <summary>trackingBroadcastInvalidationMessages: the keys changed under each prefix, to its clients.</summary>
    public void FlushBroadcast()
    {
        lock (_lock)
        {
            _broadcastPending = false;
            foreach (var bp in _prefixes.Values)
            {
                if (bp.Keys.Count == 0) continue;
                foreach (var c in bp.Clients)
                {
                    List<byte[]> keys = [];
                    foreach (var (key, writer) in bp.Keys)
                        if (!(c.Tracking.NoLoop && ReferenceEquals(writer, c))) keys.Add(key);
                    if (keys.Count > 0) SendMany(c, keys);
                }
                bp.Keys.Clear();
            }
        }
    }

    /// <summary>sendTrackingMessage for one key (null: the flush invalidation).</summary>
    private void Send(Connection c, byte[]? key, Connection? self, RespWriter? selfReply)
    {
        int originalProtocol = c.Protocol;
        var dest = Destination(c, out bool redirected);
        if (dest is null) return;
        var w = new RespWriter(64 + (key?.Length ?? 0)) { Protocol = dest.Protocol };
        if (!Header(w, dest, redirected)) return;
        if (key is null)
        {
            w.Protocol = originalProtocol;
            w.NullBulk();
        }
        else
        {
            w.ArrayHeader(1);
            w.Bulk(key);
        }
        if (selfReply is not null && ReferenceEquals(dest, self)) selfReply.Raw(w.Written);
        else dest.Push(w.Written.ToArray());
    }

    private void SendMany(Connection c, List<byte[]> keys)
    {
        var dest = Destination(c, out bool redirected);
        if (dest is null) return;
        var w = new RespWriter(64) { Protocol = dest.Protocol };
        if (!Header(w, dest, redirected)) return;
        w.ArrayHeader(keys.Count);
        foreach (var k in keys) w.Bulk(k);
        dest.Push(w.Written.ToArray());
    }

    /// <summary>The client invalidations for <paramref name="c"/> go to; null (and the broken-redirect notice) when it is gone.</summary>
    private Connection? Destination(Connection c, out bool redirected)
    {
        redirected = false;
        long redirect = c.Tracking.Redirect;
        if (redirect == 0) return c;
        var dest = _host.Clients.Find(redirect);
        if (dest is null)
        {
            c.Tracking.BrokenRedirect = true;
            if (c.Protocol == 3)
            {
                var w = new RespWriter(64) { Protocol = 3 };
                w.PushHeader(2);
                w.Bulk("tracking-redir-broken"u8);
                w.Integer(redirect);
                c.Push(w.Written.ToArray());
            }
            return null;
        }
        redirected = true;
        return dest;
    }

    private static bool Header(RespWriter w, Connection dest, bool redirected)
    {
        if (dest.Protocol == 3)
        {
            w.PushHeader(2);
            w.Bulk("invalidate"u8);
            return true;
        }
        if (redirected && dest.PubSubMode)
        {
            w.ArrayHeader(3);
            w.Bulk("message"u8);
            w.Bulk(InvalidateChannel);
            return true;
        }
        return false;
    }
}
