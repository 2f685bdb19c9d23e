using System.Net.Sockets;

namespace TdbPlus.Server.Transport;

/// <summary>The portable transport: .NET sockets, completions on the thread pool.</summary>
public sealed class SocketIo(Socket socket) : IConnectionIo
{
    public long Fd { get; } = (long)socket.Handle;

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        while (data.Length > 0)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            if (sent <= 0) throw new SocketException((int)SocketError.ConnectionReset);
            data = data[sent..];
        }
    }

    public void Shutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to stop.
        }
    }

    private CancellationTokenSource? _watch;

    public void WatchClose(Action onClosed)
    {
        var cts = new CancellationTokenSource();
        _watch = cts;
        _ = WatchAsync(onClosed, cts.Token);
    }

    // A one-byte peek completes with 0 at end of stream; with data (pipelined commands) the watch ends.
    private async Task WatchAsync(Action onClosed, CancellationToken token)
    {
        try
        {
            int n = await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, token).ConfigureAwait(false);
            if (n == 0) onClosed();
        }
        catch (OperationCanceledException)
        {
            // The block ended first.
        }
        catch (SocketException)
        {
            onClosed();
        }
        catch (ObjectDisposedException)
        {
            // Closed by the connection itself.
        }
    }

    public void StopWatchingClose()
    {
        var cts = _watch;
        if (cts is null) return;
        _watch = null;
        cts.Cancel();
        cts.Dispose();
    }

    public void Dispose() => socket.Dispose();
}
