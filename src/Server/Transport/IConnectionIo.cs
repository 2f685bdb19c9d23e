namespace TdbPlus.Server.Transport;

/// <summary>The byte stream under a client connection; the transport decides which thread completes it.</summary>
public interface IConnectionIo : IDisposable
{
    /// <summary>Reads what is available (at least one byte), or 0 when the peer closed.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/>; throws SocketException when the peer is gone.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>Ends both directions so a pending receive returns 0 (CLIENT KILL, shutdown); thread-safe.</summary>
    void Shutdown();

    /// <summary>
    /// While the connection reads nothing (a command blocked on keys): calls <paramref name="onClosed"/> once if
    /// the peer closes meanwhile, as Redis notices a blocked client going away. Ends with <see cref="StopWatchingClose"/>.
    /// </summary>
    void WatchClose(Action onClosed);

    /// <summary>Stops <see cref="WatchClose"/> before the connection reads again.</summary>
    void StopWatchingClose();

    /// <summary>The socket's file descriptor (CLIENT LIST fd=).</summary>
    long Fd { get; }
}
