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

    public void Dispose() => socket.Dispose();
}
