using System.Net.Sockets;
using System.Text;

namespace TdbPlus.Shards.Persistence;

/// <summary>
/// The blocking connection MIGRATE talks to its target over (Redis's connSyncWrite/connSyncReadLine): every
/// operation is bounded by the command's timeout; a failure is an <see cref="IOException"/> or
/// <see cref="SocketException"/>.
/// </summary>
internal sealed class MigrateConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _in = new byte[4096];
    private int _inPos;
    private int _inEnd;
    private bool _refused;

    private MigrateConnection(Socket socket) => _socket = socket;

    /// <summary>
    /// Connects within <paramref name="timeoutMs"/> as Redis's blocking connect does: null when the host does
    /// not resolve or the connection does not complete in time ("connecting" error); a refused connection
    /// still yields a connection whose first write fails, which Redis reports as a writing error.
    /// </summary>
    public static MigrateConnection? Connect(string host, int port, int timeoutMs)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var connect = socket.ConnectAsync(host, port);
            if (!connect.Wait(timeoutMs))
            {
                socket.Dispose();
                return null;
            }
        }
        catch (AggregateException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return new MigrateConnection(socket) { _refused = true };
        }
        catch (Exception e) when (e is SocketException or AggregateException or ArgumentException)
        {
            socket.Dispose();
            return null;
        }
        socket.SendTimeout = timeoutMs;
        socket.ReceiveTimeout = timeoutMs;
        return new MigrateConnection(socket);
    }

    /// <summary>Sends the whole buffer in chunks of at most 64 KB, as Redis does.</summary>
    public void Send(ReadOnlySpan<byte> data)
    {
        if (_refused) throw new IOException("connection refused");
        while (data.Length > 0)
        {
            int n = _socket.Send(data[..Math.Min(data.Length, 64 * 1024)]);
            if (n <= 0) throw new IOException("connection closed while writing");
            data = data[n..];
        }
    }

    /// <summary>One reply line without its CRLF (connSyncReadLine).</summary>
    public string ReadLine()
    {
        var line = new List<byte>(64);
        while (true)
        {
            if (_inPos == _inEnd)
            {
                _inEnd = _socket.Receive(_in);
                _inPos = 0;
                if (_inEnd <= 0) throw new IOException("connection closed while reading");
            }
            byte b = _in[_inPos++];
            if (b == '\n') break;
            if (line.Count < 1024) line.Add(b);
        }
        if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
        return Encoding.UTF8.GetString(line.ToArray());
    }

    public void Dispose() => _socket.Dispose();
}
