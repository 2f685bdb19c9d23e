using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace TdbPlus.Server.Transport;

/// <summary>
/// Thread-per-core transport for one socket: non-blocking recv/send on the shard thread that owns the
/// connection, edge-triggered epoll readiness completing the pending operation inline on that thread, so the
/// connection's code runs start to finish on its shard with no thread-pool hop.
/// </summary>
internal sealed unsafe class EpollIo : IConnectionIo, IEpollClient
{
    private readonly Socket _socket;
    private readonly EpollPoller _poller;
    private readonly int _fd;
    private readonly int _slot;
    private readonly Source<int> _receive = new();
    private readonly Source<bool> _send = new();
    private Memory<byte> _receiveBuffer;
    private bool _receiveWaiting;
    private ReadOnlyMemory<byte> _sendRemaining;
    private bool _sendWaiting;
    private bool _disposed;
    // Edge-triggered readiness: after a short read the socket is drained, and any byte arriving later raises
    // a new edge, so the next receive waits for that event instead of spending a recv() on EAGAIN.
    private bool _mayHaveData = true;

    public EpollIo(Socket socket, EpollPoller poller)
    {
        _socket = socket;
        _poller = poller;
        socket.Blocking = false;
        _fd = (int)socket.Handle;
        Fd = _fd;
        _slot = poller.Register(_fd, this);
        if (_slot < 0) throw new SocketException(Marshal.GetLastPInvokeError());
    }

    public long Fd { get; }

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        int n = _mayHaveData ? TryReceive(buffer) : -1;
        if (n != -1) return new ValueTask<int>(n);
        _receiveBuffer = buffer;
        _receiveWaiting = true;
        _receive.Core.Reset();
        return new ValueTask<int>(_receive, _receive.Core.Version);
    }

    /// <summary>Bytes read, 0 at end of stream or on error, -1 when nothing is there yet.</summary>
    private int TryReceive(Memory<byte> buffer)
    {
        if (_disposed) return 0;
        fixed (byte* p = buffer.Span)
        while (true)
        {
            nint n = Libc.recv(_fd, p, buffer.Length, 0);
            if (n > 0)
            {
                _mayHaveData = n == buffer.Length;
                return (int)n;
            }
            if (n == 0) return 0;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EIntr) continue;
            if (errno != Libc.EAgain) return 0;
            _mayHaveData = false;
            return -1;
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        var rest = TrySend(data, out int error);
        if (error != 0) return ValueTask.FromException(new SocketException(error));
        if (rest.IsEmpty) return ValueTask.CompletedTask;
        _sendRemaining = rest;
        _sendWaiting = true;
        _send.Core.Reset();
        return new ValueTask(_send, _send.Core.Version);
    }

    private ReadOnlyMemory<byte> TrySend(ReadOnlyMemory<byte> data, out int error)
    {
        error = 0;
        if (_disposed)
        {
            error = (int)SocketError.Shutdown;
            return data;
        }
        int offset = 0;
        fixed (byte* p = data.Span)
        while (offset < data.Length)
        {
            nint n = Libc.send(_fd, p + offset, data.Length - offset, Libc.MsgNoSignal);
            if (n > 0)
            {
                offset += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EIntr) continue;
            if (errno != Libc.EAgain) error = errno == 0 ? (int)SocketError.ConnectionReset : errno;
            break;
        }
        return data[offset..];
    }

    private Action? _onClosed;

    public void WatchClose(Action onClosed)
    {
        _onClosed = onClosed;
        if (PeerClosed()) FireClosed();
    }

    public void StopWatchingClose() => _onClosed = null;

    /// <summary>A one-byte peek reads end of stream (or fails): the peer is gone.</summary>
    private bool PeerClosed()
    {
        if (_disposed) return false;
        byte b;
        nint n = Libc.recv(_fd, &b, 1, Libc.MsgPeek);
        if (n == 0) return true;
        return n < 0 && Marshal.GetLastPInvokeError() is not (Libc.EAgain or Libc.EIntr);
    }

    private void FireClosed()
    {
        var onClosed = _onClosed;
        _onClosed = null;
        onClosed?.Invoke();
    }

    public void OnEvents(uint events)
    {
        if ((events & (Libc.EpollIn | Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0) _mayHaveData = true;
        if (_onClosed is not null && !_receiveWaiting &&
            ((events & (Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0 || PeerClosed()))
        {
            FireClosed();
        }
        if (_receiveWaiting && _mayHaveData)
        {
            int n = TryReceive(_receiveBuffer);
            if (n != -1)
            {
                _receiveWaiting = false;
                _receiveBuffer = default;
                _receive.Core.SetResult(n);
            }
        }
        if (_sendWaiting && (events & (Libc.EpollOut | Libc.EpollErr | Libc.EpollHup)) != 0)
        {
            var rest = TrySend(_sendRemaining, out int error);
            if (error != 0)
            {
                _sendWaiting = false;
                _sendRemaining = default;
                _send.Core.SetException(new SocketException(error));
            }
            else if (rest.IsEmpty)
            {
                _sendWaiting = false;
                _sendRemaining = default;
                _send.Core.SetResult(true);
            }
            else _sendRemaining = rest;
        }
    }

    public void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to stop.
        }
    }

    /// <summary>Must run on the owning shard thread, after the connection stopped using it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _poller.Unregister(_fd, _slot);
        _socket.Dispose();
    }

    // Completed on the shard thread; continuations run inline there, keeping the connection on its shard.
    private sealed class Source<T> : IValueTaskSource<T>, IValueTaskSource
    {
        public ManualResetValueTaskSourceCore<T> Core = new() { RunContinuationsAsynchronously = false };

        public T GetResult(short token) => Core.GetResult(token);

        void IValueTaskSource.GetResult(short token) => Core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => Core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
