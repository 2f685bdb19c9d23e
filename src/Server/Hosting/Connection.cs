using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
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
    private Channel<byte[]>? _pushes;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Shard? _home;
    // Thread-per-core: sends are chained on the home shard thread, so the connection never leaves it.
    private Task _sendTail = Task.CompletedTask;
    private bool _startMonitor;

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
        Fd = io.Fd;
    }

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
    public bool IsMonitor => _pushes is not null;

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
        if (_pushes is null) return;
        _host.Observer.RemoveMonitor(this);
        _pushes.Writer.TryComplete();
        _pushes = null;
    }

    /// <summary>Queues bytes to send outside the request/reply cycle (MONITOR lines); thread-safe.</summary>
    public void SendAsync(byte[] data) => _pushes?.Writer.TryWrite(data);

    /// <summary>CLIENT LIST flags= letters.</summary>
    public string FlagsText
    {
        get
        {
            var f = new System.Text.StringBuilder(4);
            if (IsMonitor) f.Append('O');
            if (IsBlocked) f.Append('b');
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
            _host.Clients.Remove(this);
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
            Interlocked.Add(ref _host.Stats.NetInputBytes, n);
            LastInteractionTicks = Environment.TickCount64;
            string? protocolError = ParseAvailable(ref pos);
            if (_batch.Count > 0)
            {
                _batch.Buffer = _buffer;
                Interlocked.Add(ref _host.Stats.CommandsProcessed, _batch.Count);
                await _executor.ExecuteAsync(_batch).ConfigureAwait(false);
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
                if (_pushes is null)
                {
                    _pushes = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
                    _ = PumpAsync(_pushes.Reader);
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

    private async ValueTask FlushAsync()
    {
        if (_out.Length == 0) return;
        // A MONITOR feed (or one just stopped by RESET, still sending) shares the socket: order the sends.
        bool shared = _pushes is not null || !_sendTail.IsCompleted || _sendLock.CurrentCount == 0;
        if (!shared)
        {
            await SendAllAsync(_out.WrittenMemory).ConfigureAwait(false);
        }
        else if (_home is not null)
        {
            // MONITOR lines are sent by the same chain on this thread: replies and lines never interleave.
            _sendTail = SendAfter(_sendTail, _out.WrittenMemory);
            await _sendTail.ConfigureAwait(false);
        }
        else
        {
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await SendAllAsync(_out.WrittenMemory).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        _out.Clear();
        _out.Trim(1024 * 1024);
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

    /// <summary>Queues a send on the home shard thread and completes when it is done.</summary>
    private sealed class HomeSend(Connection owner, ReadOnlyMemory<byte> data) : IShardWork
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute(Shard shard)
        {
            owner._sendTail = owner.SendAfter(owner._sendTail, data);
            owner._sendTail.ContinueWith(static (t, state) =>
            {
                var done = (TaskCompletionSource)state!;
                if (t.Exception is { } ex) done.TrySetException(ex.InnerExceptions);
                else done.TrySetResult();
            }, Done, TaskContinuationOptions.ExecuteSynchronously);
        }
    }
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data)
    {
        await _io.SendAsync(data).ConfigureAwait(false);
        Interlocked.Add(ref _host.Stats.NetOutputBytes, data.Length);
    }

    /// <summary>Sends queued MONITOR lines, many per send, until the feed stops or the client goes.</summary>
    private async Task PumpAsync(ChannelReader<byte[]> reader)
    {
        var buffer = new System.IO.MemoryStream();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                buffer.SetLength(0);
                while (buffer.Length < 256 * 1024 && reader.TryRead(out var item)) buffer.Write(item);
                if (buffer.Length == 0) continue;
                var chunk = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
                if (_home is { } home)
                {
                    var send = new HomeSend(this, chunk);
                    home.Post(send);
                    await send.Done.Task.ConfigureAwait(false);
                    continue;
                }
                await _sendLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await SendAllAsync(chunk).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Kill();
        }
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
