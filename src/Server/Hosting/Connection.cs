using System.Net;
using System.Net.Sockets;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Server.Transport;

namespace TdbPlus.Server.Hosting;

/// <summary>
/// One client over the portable socket transport: reads into its own buffer, parses every complete command
/// in place, runs the batch, and writes all replies with one send.
/// </summary>
public sealed class Connection : ClientSession
{
    private const int InitialBufferSize = 16 * 1024;
    private readonly IConnectionIo _io;
    private readonly ServerHost _host;
    private readonly RespParser _parser = new();
    private readonly CommandBatch _batch = new();
    private readonly RespWriter _out = new();
    private readonly BatchExecutor _executor;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _filled;
    private bool _skipNext;
    private bool _skipThis;
    private volatile bool _killed;
    private volatile bool _monitor;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    // Out-of-band output (MONITOR lines, Pub/Sub messages, tracking invalidations), queued from any thread.
    private readonly object _pushLock = new();
    private readonly List<byte[]> _pushQueue = [];
    private volatile bool _pushCapable;
    private bool _inBatch;
    private int _pushCut;
    private bool _drainScheduled;
    private long _pendingPushBytes;
    private long _softLimitSince;
    private readonly IShardWork? _drainWork;
    private readonly Shard? _home;
    // Thread-per-core: sends are chained on the home shard thread, so the connection never leaves it.
    private Task _sendTail = Task.CompletedTask;
    private bool _startMonitor;
    private bool _watchingClose;

    /// <param name="home">The shard whose thread runs this connection (thread-per-core transport), or null.</param>
    public Connection(ServerHost host, Socket socket, IConnectionIo io, Shard? home)
    {
        _host = host;
        _io = io;
        _home = home;
        socket.NoDelay = true;
        RemoteAddress = Describe(socket.RemoteEndPoint);
        LocalAddress = Describe(socket.LocalEndPoint);
        CreatedTicks = LastInteractionTicks = Environment.TickCount64;
        Authenticated = host.Config.RequirePass.Length == 0;
        _executor = new BatchExecutor(host.Engine, host.Commands, this, _out, home)
        {
            AuthRequired = () => !Authenticated && _host.Config.RequirePass.Length > 0,
            SerialReplies = () => ReplyOff || _skipNext || _skipThis,
            AfterReply = AfterReply,
            Hooks = host.Hooks,
        };
        // A blocked client reads nothing: watch for it going away, so no element is served to a closed socket.
        _executor.Blocked = () =>
        {
            _watchingClose = true;
            _io.WatchClose(Kill);
        };
        Fd = io.Fd;
        if (home is not null) _drainWork = new DrainWork(this);
    }

    /// <summary>Channels, patterns and shard channels this client is subscribed to; guarded by the hub's lock.</summary>
    public PubSub.Subscriptions Subscriptions { get; } = new();

    /// <summary>CLIENT TRACKING state.</summary>
    public PubSub.TrackingState Tracking { get; } = new();

    public ServerHost Host => _host;

    public string RemoteAddress { get; }

    public string LocalAddress { get; }

    public long CreatedTicks { get; }

    public long LastInteractionTicks { get; private set; }

    /// <summary>CLIENT REPLY OFF is in force.</summary>
    public bool ReplyOff { get; set; }

    /// <summary>Bytes waiting in the query buffer (CLIENT LIST qbuf).</summary>
    public int QueryBufferLength => _filled;

    public int QueryBufferCapacity => _buffer.Length;

    public int OutputLength => _out.Length;

    public int OutputCapacity => _out.Capacity;

    /// <summary>The socket's file descriptor (CLIENT LIST fd=).</summary>
    public long Fd { get; }

    /// <summary>In MONITOR mode: receives a line per command run by any client.</summary>
    public bool IsMonitor => _monitor;

    /// <summary>Out-of-band bytes queued or being sent (CLIENT LIST omem, output buffer limits).</summary>
    public long PendingPushBytes => Interlocked.Read(ref _pendingPushBytes);

    /// <summary>The reply writer, for handlers that must know the connection's protocol.</summary>
    internal RespWriter Output => _out;

    /// <summary>Bytes of the receive buffer not yet parsed.</summary>
    public int QueryBufferFree => _buffer.Length - _filled;

    public bool Killed => _killed;

    /// <summary>MONITOR: starts the feed once this command's reply (+OK) has been sent.</summary>
    public void StartMonitorAfterReply() => _startMonitor = true;

    /// <summary>Leaves MONITOR mode (RESET).</summary>
    public void StopMonitor()
    {
        _startMonitor = false;
        if (!_monitor) return;
        _monitor = false;
        _host.Observer.RemoveMonitor(this);
    }

    /// <summary>MONITOR lines: see <see cref="Push"/>.</summary>
    public void SendAsync(byte[] data) => Push(data);

    /// <summary>
    /// Queues bytes to send outside the request/reply cycle (MONITOR lines, Pub/Sub messages, invalidations);
    /// thread-safe, in call order. While the connection runs a batch they wait and go out right after its
    /// replies; otherwise the home shard (or the thread pool) sends them. A client whose queued bytes pass its
    /// class's client-output-buffer-limit is disconnected, as Redis does.
    /// </summary>
    public void Push(byte[] data)
    {
        if (_killed) return;
        bool schedule = false, overLimit;
        lock (_pushLock)
        {
            _pushCapable = true;
            _pushQueue.Add(data);
            _pendingPushBytes += data.Length;
            overLimit = OverOutputLimit();
            if (!_inBatch && !_drainScheduled)
            {
                _drainScheduled = true;
                schedule = true;
            }
        }
        if (overLimit)
        {
            CloseForOutputLimit();
            return;
        }
        if (schedule) ScheduleDrain();
    }

    /// <summary>checkClientOutputBufferLimits over the queued bytes; under <see cref="_pushLock"/>.</summary>
    private bool OverOutputLimit()
    {
        var limits = _host.OutputLimits;
        int cls = PubSubMode ? Shards.Config.OutputBufferLimits.PubSub : Shards.Config.OutputBufferLimits.Normal;
        long used = _pendingPushBytes;
        long hard = limits.Hard[cls], soft = limits.Soft[cls];
        if (hard > 0 && used >= hard) return true;
        if (soft > 0 && used >= soft)
        {
            long now = Environment.TickCount64;
            if (_softLimitSince == 0)
            {
                _softLimitSince = now;
                return false;
            }
            return (now - _softLimitSince) / 1000 > limits.SoftSeconds[cls];
        }
        _softLimitSince = 0;
        return false;
    }

    private int _closingForLimit;

    private void CloseForOutputLimit()
    {
        if (Interlocked.Exchange(ref _closingForLimit, 1) != 0) return;
        lock (_pushLock)
        {
            _pushQueue.Clear();
        }
        _host.Log.Warning($"Client id={Id} addr={RemoteAddress} laddr={LocalAddress} fd={Fd} name={Name ?? ""} scheduled to be closed ASAP for overcoming of output buffer limits.");
        // Not inline: the caller may be delivering under the hub's lock.
        ThreadPool.UnsafeQueueUserWorkItem(static c => c.Kill(), this, preferLocal: false);
    }

    private void ScheduleDrain()
    {
        if (_drainWork is not null) _home!.Post(_drainWork);
        else ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.DrainOnPoolAsync(), this, preferLocal: false);
    }

    /// <summary>Takes every queued push (from <paramref name="from"/>) into one buffer; under <see cref="_pushLock"/>.</summary>
    private byte[]? TakePushes(int from)
    {
        int count = _pushQueue.Count - from;
        if (count <= 0) return null;
        byte[] chunk;
        if (count == 1) chunk = _pushQueue[from];
        else
        {
            int total = 0;
            for (int i = from; i < _pushQueue.Count; i++) total += _pushQueue[i].Length;
            chunk = new byte[total];
            int at = 0;
            for (int i = from; i < _pushQueue.Count; i++)
            {
                _pushQueue[i].CopyTo(chunk, at);
                at += _pushQueue[i].Length;
            }
        }
        _pushQueue.RemoveRange(from, count);
        return chunk;
    }

    private void PushesSent(int bytes)
    {
        lock (_pushLock)
        {
            _pendingPushBytes -= bytes;
            OverOutputLimit();
        }
    }

    /// <summary>Sends queued pushes on the home shard thread, chained after every earlier send.</summary>
    private sealed class DrainWork(Connection owner) : IShardWork
    {
        public void Execute(Shard shard)
        {
            byte[]? chunk;
            lock (owner._pushLock)
            {
                owner._drainScheduled = false;
                if (owner._inBatch) return;
                chunk = owner.TakePushes(0);
            }
            if (chunk is null) return;
            owner._sendTail = owner.SendPushesAfter(owner._sendTail, chunk);
        }
    }

    private async Task SendPushesAfter(Task previous, byte[] chunk)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The earlier send reported the failure.
        }
        try
        {
            await SendAllAsync(chunk).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Kill();
            return;
        }
        PushesSent(chunk.Length);
    }

    /// <summary>The portable transport: sends queued pushes under the send lock.</summary>
    private async Task DrainOnPoolAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            byte[]? chunk;
            lock (_pushLock)
            {
                _drainScheduled = false;
                if (_inBatch) return;
                chunk = TakePushes(0);
            }
            if (chunk is null) return;
            await SendAllAsync(chunk).ConfigureAwait(false);
            PushesSent(chunk.Length);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Kill();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>CLIENT LIST flags= letters.</summary>
    public string FlagsText
    {
        get
        {
            var f = new System.Text.StringBuilder(4);
            if (IsMonitor) f.Append('O');
            if (PubSubMode) f.Append('P');
            if (IsBlocked) f.Append('b');
            if (Tracking.On) f.Append('t');
            if (Tracking.On && Tracking.BrokenRedirect) f.Append('R');
            if (Tracking.On && Tracking.Bcast) f.Append('B');
            if (CloseAfterReply) f.Append('c');
            if (NoEvict) f.Append('e');
            if (NoTouch) f.Append('T');
            return f.Length == 0 ? "N" : f.ToString();
        }
    }

    /// <summary>CLIENT REPLY ON: replies again, including this command's (it also cancels a pending SKIP).</summary>
    public void ReplyOn()
    {
        ReplyOff = false;
        _skipNext = false;
        _skipThis = false;
    }

    /// <summary>CLIENT REPLY SKIP: drop the reply of the next command only.</summary>
    public void SkipNextReply() => _skipNext = true;

    public void Kill()
    {
        _killed = true;
        _host.Clients.Remove(this);
        // Redis frees a killed client at once: its subscriptions are gone before CLIENT KILL replies.
        _host.PubSub.UnsubscribeAll(this);
        CloseAfterReply = true;
        _io.Shutdown();
        // A blocked client is not reading: end the block so its loop wakes up and sees the closed socket.
        _executor.Unblock(withError: false);
    }

    /// <summary>CLIENT UNBLOCK: true when the client was blocked on keys.</summary>
    public bool Unblock(bool withError) => _executor.Unblock(withError);

    /// <summary>Blocked on keys (CLIENT LIST flags=b).</summary>
    public bool IsBlocked => _executor.IsBlocked;

    public async Task RunAsync()
    {
        try
        {
            await LoopAsync().ConfigureAwait(false);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            _host.Log.Warning($"client {Id} closed after an internal error: {ex}");
        }
        finally
        {
            StopMonitor();
            _host.PubSub.UnsubscribeAll(this);
            _host.Tracker.Disable(this);
            _host.Clients.Remove(this);
            lock (_pushLock) _pushQueue.Clear();
            _io.Dispose();
        }
    }

    private async Task LoopAsync()
    {
        int pos = 0;
        while (!_killed)
        {
            EnsureRoom();
            int n = await _io.ReceiveAsync(_buffer.AsMemory(_filled)).ConfigureAwait(false);
            if (n <= 0) return;
            _filled += n;
            _host.Stats.AddInput(n);
            LastInteractionTicks = Environment.TickCount64;
            string? protocolError = ParseAvailable(ref pos);
            // Pushes that arrive from here on wait for this batch's replies (see Push).
            lock (_pushLock)
            {
                _inBatch = true;
                _pushCut = _pushQueue.Count;
            }
            if (_batch.Count > 0)
            {
                _batch.Buffer = _buffer;
                _host.Stats.AddCommands(_batch.Count);
                await _executor.ExecuteAsync(_batch).ConfigureAwait(false);
                if (_watchingClose)
                {
                    _watchingClose = false;
                    _io.StopWatchingClose();
                }
                _parser.ArgsRemoved(_batch.Clear());
            }
            if (protocolError is not null && !CloseAfterReply)
            {
                int at = _out.Length;
                _out.Error("ERR " + protocolError);
                _host.Observer.ErrorReplied(_out.Written[(at + 1)..^2]);
                CloseAfterReply = true;
                _host.Log.Notice($"Protocol error ({protocolError}) from client: id={Id} addr={RemoteAddress}");
            }
            await FlushAsync().ConfigureAwait(false);
            if (CloseAfterReply) return;
            if (_startMonitor)
            {
                _startMonitor = false;
                if (!_monitor)
                {
                    _monitor = true;
                    _host.Observer.AddMonitor(this);
                }
            }
            Compact(ref pos);
        }
    }

    /// <summary>Parses every complete command in the buffer into the batch; returns a protocol error, if any.</summary>
    private string? ParseAvailable(ref int pos)
    {
        _parser.AuthRequired = !Authenticated && _host.Config.RequirePass.Length > 0;
        _parser.MaxBulkLength = _host.Config.ProtoMaxBulkLen;
        var span = _buffer.AsSpan(0, _filled);
        while (true)
        {
            int argStart = _batch.CommittedArgs;
            var status = _parser.TryParse(span, ref pos, _batch.Args);
            switch (status)
            {
                case ParseStatus.Complete:
                    _batch.Add(argStart, _batch.Args.Count - argStart);
                    // A command after AUTH may be parsed under the old limits; Redis re-checks per command too.
                    break;
                case ParseStatus.Empty:
                    break;
                case ParseStatus.Incomplete:
                    return null;
                default:
                    return _parser.Error;
            }
        }
    }

    /// <summary>
    /// Sends the batch's replies, with the pushes queued before the batch started ahead of them and those
    /// queued while it ran after them; then lets the drain send later pushes on its own.
    /// </summary>
    private async ValueTask FlushAsync()
    {
        if (_host.Tracker.BroadcastPending) _host.Tracker.FlushBroadcast();
        byte[]? before = null, after = null;
        if (_pushCapable)
        {
            lock (_pushLock)
            {
                after = TakePushes(Math.Min(_pushCut, _pushQueue.Count));
                before = TakePushes(0);
            }
        }
        try
        {
            if (_out.Length > 0 || before is not null || after is not null) await SendOrderedAsync(before, after).ConfigureAwait(false);
        }
        finally
        {
            bool schedule = false;
            lock (_pushLock)
            {
                _inBatch = false;
                if (_pushQueue.Count > 0 && !_drainScheduled)
                {
                    _drainScheduled = true;
                    schedule = true;
                }
            }
            if (schedule) ScheduleDrain();
        }
        _out.Clear();
        _out.Trim(1024 * 1024);
        if (before is not null) PushesSent(before.Length);
        if (after is not null) PushesSent(after.Length);
    }

    private async ValueTask SendOrderedAsync(byte[]? before, byte[]? after)
    {
        // Out-of-band output (or a drain still sending) shares the socket: order the sends.
        bool shared = _pushCapable || !_sendTail.IsCompleted || _sendLock.CurrentCount == 0;
        if (!shared)
        {
            await SendAllAsync(_out.WrittenMemory).ConfigureAwait(false);
        }
        else if (_home is not null)
        {
            // Drained pushes are sent by the same chain on this thread: replies and pushes never interleave.
            if (before is not null) _sendTail = SendAfter(_sendTail, before);
            if (_out.Length > 0) _sendTail = SendAfter(_sendTail, _out.WrittenMemory);
            if (after is not null) _sendTail = SendAfter(_sendTail, after);
            await _sendTail.ConfigureAwait(false);
        }
        else
        {
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (before is not null) await SendAllAsync(before).ConfigureAwait(false);
                if (_out.Length > 0) await SendAllAsync(_out.WrittenMemory).ConfigureAwait(false);
                if (after is not null) await SendAllAsync(after).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
    }

    /// <summary>Sends <paramref name="data"/> once <paramref name="previous"/> is sent; home-thread only.</summary>
    private async Task SendAfter(Task previous, ReadOnlyMemory<byte> data)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The earlier send reported the failure; this one fails on its own below.
        }
        await SendAllAsync(data).ConfigureAwait(false);
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data)
    {
        await _io.SendAsync(data).ConfigureAwait(false);
        _host.Stats.AddOutput(data.Length);
    }

    private void Compact(ref int pos)
    {
        if (pos == 0) return;
        int remaining = _filled - pos;
        if (remaining > 0) Buffer.BlockCopy(_buffer, pos, _buffer, 0, remaining);
        _parser.Rebase(pos, _batch.Args);
        _filled = remaining;
        pos = 0;
        if (_filled == 0 && _buffer.Length > 1024 * 1024) _buffer = new byte[InitialBufferSize];
    }

    private void EnsureRoom()
    {
        long needed = Math.Max(_filled + 1024L, _parser.NeededBytes);
        if (_filled < _buffer.Length && needed <= _buffer.Length) return;
        long size = Math.Max((long)_buffer.Length * 2, needed + 1024);
        if (size > Array.MaxLength) size = Array.MaxLength;
        Array.Resize(ref _buffer, (int)size);
    }

    private void AfterReply(int replyStart)
    {
        if (ReplyOff || _skipThis) _out.Truncate(replyStart);
        _skipThis = false;
        if (_skipNext)
        {
            _skipNext = false;
            _skipThis = true;
        }
    }

    /// <summary>RESET: the connection state a fresh connection has.</summary>
    public void ResetState()
    {
        StopMonitor();
        Transaction.Reset();
        _host.PubSub.UnsubscribeAll(this);
        _host.Tracker.Disable(this);
        DbIndex = 0;
        Protocol = 2;
        _out.Protocol = 2;
        Name = null;
        ReplyOff = false;
        _skipNext = false;
        _skipThis = false;
        NoEvict = false;
        NoTouch = false;
        Authenticated = _host.Config.RequirePass.Length == 0;
    }

    private static string Describe(EndPoint? ep) => ep switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => "?",
    };
}
