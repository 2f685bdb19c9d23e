using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>Timing knobs of a collected read (see <see cref="RespConnection.SendAndCollect"/>).</summary>
public sealed record CollectTiming(TimeSpan FirstByteWait, TimeSpan Grace, TimeSpan Cap)
{
    public static CollectTiming Default { get; } =
        new(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
}

/// <summary>
/// A raw RESP client over one TCP connection. It never interprets replies beyond finding
/// frame boundaries: every method returns the exact bytes the server sent.
/// </summary>
public sealed class RespConnection : IDisposable
{
    private const int MaxReplyBytes = 64 * 1024 * 1024;

    private readonly Socket _socket;
    private byte[] _buf = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RespConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>The local TCP port (how the server lists this client in CLIENT LIST addr=).</summary>
    public int LocalPort => (_socket.LocalEndPoint as IPEndPoint)?.Port ?? 0;

    /// <summary>True once the server closed the connection or the stream lost sync.</summary>
    public bool IsBroken { get; private set; }

    public static RespConnection Open(int port, TimeSpan timeout)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
        };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token).AsTask().GetAwaiter().GetResult();
            return new RespConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Encodes a command as a RESP array of bulk strings.</summary>
    public static byte[] Encode(IReadOnlyList<byte[]> args)
    {
        var ms = new MemoryStream();
        void Ascii(string s) => ms.Write(Encoding.ASCII.GetBytes(s));
        Ascii($"*{args.Count}\r\n");
        foreach (var a in args)
        {
            Ascii($"${a.Length}\r\n");
            ms.Write(a);
            Ascii("\r\n");
        }

        return ms.ToArray();
    }

    /// <summary>Sends a command and reads exactly one complete reply frame.</summary>
    public Reply Command(IReadOnlyList<byte[]> args, TimeSpan timeout)
    {
        if (!TrySend(Encode(args)))
        {
            return new Reply([], ReplyEnd.Closed);
        }

        return ReadFrame(timeout);
    }

    /// <summary>Reads exactly one complete reply frame (or reports close / timeout / garbage).</summary>
    public Reply ReadFrame(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var st = RespFrame.TryScan(_buf, _start, _end, out var frameEnd);
            if (st == FrameStatus.Complete)
            {
                var bytes = _buf.AsSpan(_start, frameEnd - _start).ToArray();
                _start = frameEnd;
                return new Reply(bytes, ReplyEnd.Frames);
            }

            if (st == FrameStatus.Invalid)
            {
                IsBroken = true;
                return new Reply(TakeAll(), ReplyEnd.Invalid);
            }

            switch (Fill(deadline))
            {
                case FillResult.Data:
                    continue;
                case FillResult.Closed:
                    IsBroken = true;
                    return new Reply(TakeAll(), ReplyEnd.Closed);
                default:
                    IsBroken = true;
                    var partial = TakeAll();
                    return new Reply(partial, partial.Length == 0 ? ReplyEnd.NoReply : ReplyEnd.Timeout);
            }
        }
    }

    /// <summary>
    /// Sends bytes verbatim and collects whatever comes back: waits up to
    /// <see cref="CollectTiming.FirstByteWait"/> for a first byte (else "no reply"), reads until
    /// the received bytes end on a frame boundary, then waits <see cref="CollectTiming.Grace"/>
    /// more to see further frames or the server closing the connection.
    /// </summary>
    public Reply SendAndCollect(byte[] bytes, CollectTiming timing)
    {
        if (!TrySend(bytes))
        {
            IsBroken = true;
            return new Reply(TakeAll(), ReplyEnd.Closed);
        }

        var now = Stopwatch.GetTimestamp();
        long After(TimeSpan t) => Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency);
        var capDeadline = now + (long)(timing.Cap.TotalSeconds * Stopwatch.Frequency);
        var firstDeadline = After(timing.FirstByteWait);

        while (true)
        {
            FillResult r;
            var state = ScanAll();
            if (_end == _start)
            {
                r = Fill(Math.Min(firstDeadline, capDeadline));
                if (r == FillResult.Timeout)
                {
                    return new Reply([], ReplyEnd.NoReply);
                }
            }
            else if (state == FrameStatus.Complete)
            {
                r = Fill(Math.Min(After(timing.Grace), capDeadline));
                if (r == FillResult.Timeout)
                {
                    return new Reply(TakeAll(), ReplyEnd.Frames);
                }
            }
            else
            {
                // Incomplete frame: keep waiting until the cap. Garbage: wait a grace period
                // for more bytes or a close, then report it.
                var limit = state == FrameStatus.Invalid ? After(timing.Grace) : capDeadline;
                r = Fill(Math.Min(limit, capDeadline));
                if (r == FillResult.Timeout)
                {
                    IsBroken = true;
                    return new Reply(TakeAll(), state == FrameStatus.Invalid ? ReplyEnd.Invalid : ReplyEnd.Timeout);
                }
            }

            if (r == FillResult.Closed)
            {
                IsBroken = true;
                return new Reply(TakeAll(), ReplyEnd.Closed);
            }

            if (_end - _start > MaxReplyBytes)
            {
                IsBroken = true;
                return new Reply(TakeAll(), ReplyEnd.Invalid);
            }
        }
    }

    /// <summary>Complete if the unread bytes are a whole number of frames.</summary>
    private FrameStatus ScanAll()
    {
        var pos = _start;
        while (pos < _end)
        {
            var st = RespFrame.TryScan(_buf, pos, _end, out var next);
            if (st != FrameStatus.Complete)
            {
                return st;
            }

            pos = next;
        }

        return FrameStatus.Complete;
    }

    private byte[] TakeAll()
    {
        var bytes = _buf.AsSpan(_start, _end - _start).ToArray();
        _start = _end = 0;
        return bytes;
    }

    private bool TrySend(byte[] bytes)
    {
        try
        {
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += _socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private enum FillResult
    {
        Data,
        Closed,
        Timeout,
    }

    private FillResult Fill(long deadline)
    {
        var remaining = deadline - Stopwatch.GetTimestamp();
        if (remaining <= 0)
        {
            return FillResult.Timeout;
        }

        var micros = (int)Math.Min(int.MaxValue, remaining * 1_000_000 / Stopwatch.Frequency);
        try
        {
            if (!_socket.Poll(Math.Max(1, micros), SelectMode.SelectRead))
            {
                return FillResult.Timeout;
            }

            if (_start > 0 && _start == _end)
            {
                _start = _end = 0;
            }

            if (_end == _buf.Length)
            {
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                else
                {
                    if (_buf.Length >= MaxReplyBytes)
                    {
                        return FillResult.Closed;
                    }

                    Array.Resize(ref _buf, _buf.Length * 2);
                }
            }

            var n = _socket.Receive(_buf, _end, _buf.Length - _end, SocketFlags.None);
            if (n == 0)
            {
                return FillResult.Closed;
            }

            _end += n;
            return FillResult.Data;
        }
        catch (SocketException)
        {
            return FillResult.Closed;
        }
        catch (ObjectDisposedException)
        {
            return FillResult.Closed;
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
    }
}
