using System.Net;
using System.Net.Sockets;

namespace TdbPlus.Server.Hosting;

/// <summary>Accepts TCP connections on one address and hands each to a new <see cref="Connection"/>.</summary>
public sealed class Listener(ServerHost host, IPEndPoint endpoint) : IDisposable
{
    private readonly Socket _socket = new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Start(int backlog)
    {
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6) _socket.DualMode = false;
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
        _socket.Listen(backlog);
        _ = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (host.Stopping)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            host.Accept(client);
        }
    }

    public void Dispose() => _socket.Dispose();
}
