using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TdbPlus.Server.Tests;

/// <summary>
/// A real tdbplus server process on a free loopback port: started from the tdbplus.dll beside the tests,
/// ready once it answers PING, killed on dispose.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _tempDir;

    public ServerProcess(params string[] extraArgs)
        : this(true, extraArgs)
    {
    }

    private ServerProcess(bool waitReady, string[] extraArgs)
    {
        Port = FreePort();
        string dll = Path.Combine(AppContext.BaseDirectory, "tdbplus.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var args = new List<string>();
        // A config file, when given, must come first, as with redis-server.
        int i = 0;
        if (extraArgs.Length > 0 && !extraArgs[0].StartsWith("--", StringComparison.Ordinal)) args.Add(extraArgs[i++]);
        args.AddRange(["--port", Port.ToString(), "--bind", "127.0.0.1"]);
        args.AddRange(extraArgs.Skip(i));
        // Two shards unless the test picks: keys on two threads keep the cross-shard paths covered whatever the
        // machine's default is (one shard on 2 cores).
        if (!extraArgs.Contains("--shards")) args.AddRange(["--shards", "2"]);
        // Each server gets its own data directory (dump.rdb, appendonlydir) unless the test names one.
        if (!extraArgs.Contains("--dir"))
        {
            _tempDir = Directory.CreateTempSubdirectory("tdbplus-test-").FullName;
            args.AddRange(["--dir", _tempDir]);
        }
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (waitReady) WaitReady();
    }

    /// <summary>Starts a server without waiting for PING to succeed (it may be loading its data).</summary>
    public static ServerProcess StartWithoutWaiting(params string[] extraArgs) => new(false, extraArgs);

    /// <summary>Waits until the server answers PING (after loading its data).</summary>
    public void WaitUntilReady() => WaitReady();

    public int Pid => _process.Id;

    /// <summary>Sends a POSIX signal (TERM, INT, KILL...) to the server process.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()]);
        kill?.WaitForExit();
    }

    public int Port { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public bool WaitForExit(int ms) => _process.WaitForExit(ms);

    public int ExitCode => _process.ExitCode;

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private void WaitReady()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the redirected output
                throw new InvalidOperationException($"server exited early ({_process.ExitCode}):\n{Output}");
            }
            try
            {
                using var c = new RawClient(Port);
                string reply = c.Call("PING");
                if (reply == "+PONG\r\n" || reply.StartsWith("-NOAUTH", StringComparison.Ordinal)) return;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
            }
            Thread.Sleep(100);
        }
        Dispose();
        throw new TimeoutException($"server did not answer PING:\n{Output}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        if (_tempDir is not null)
        {
            try
            {
                Directory.Delete(_tempDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A minimal RESP client over a socket that returns raw reply bytes, for byte-exact checks.</summary>
public sealed class RawClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    public RawClient(int port)
    {
        _client = new TcpClient();
        _client.Connect(IPAddress.Loopback, port);
        _client.NoDelay = true;
        _stream = _client.GetStream();
        _stream.ReadTimeout = 5000;
    }

    public void Send(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args)
        {
            int len = Encoding.UTF8.GetByteCount(a);
            sb.Append('$').Append(len).Append("\r\n").Append(a).Append("\r\n");
        }
        SendRaw(sb.ToString());
    }

    public void SendRaw(string text) => _stream.Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends one command and reads exactly one reply frame, returned as raw text.</summary>
    public string Call(params string[] args)
    {
        Send(args);
        return ReadFrame();
    }

    public string ReadFrame()
    {
        var sb = new StringBuilder();
        ReadFrame(sb);
        return sb.ToString();
    }

    private void ReadFrame(StringBuilder sb)
    {
        string line = ReadLine();
        sb.Append(line).Append("\r\n");
        char type = line[0];
        switch (type)
        {
            case '$' or '=' or '!':
            {
                int n = int.Parse(line.AsSpan(1));
                if (n < 0) return;
                var buf = new byte[n + 2];
                ReadExactly(buf);
                sb.Append(Encoding.UTF8.GetString(buf));
                return;
            }
            case '*' or '~' or '>' or '%':
            {
                int n = int.Parse(line.AsSpan(1));
                if (type == '%') n *= 2;
                for (int i = 0; i < n; i++) ReadFrame(sb);
                return;
            }
            default:
                return;
        }
    }

    /// <summary>True when the server closed the connection (reads 0 bytes) within the timeout.</summary>
    public bool IsClosedByServer(int timeoutMs = 3000)
    {
        _stream.ReadTimeout = timeoutMs;
        try
        {
            return _stream.Read(new byte[1]) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private void ReadExactly(byte[] buf)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = _stream.Read(buf, got, buf.Length - got);
            if (n == 0) throw new IOException("connection closed");
            got += n;
        }
    }

    public string ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            int b = _stream.ReadByte();
            if (b < 0) throw new IOException("connection closed");
            if (b == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
            {
                bytes.RemoveAt(bytes.Count - 1);
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add((byte)b);
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}

/// <summary>One server shared by the tests of a class.</summary>
public sealed class ServerFixture : IDisposable
{
    public ServerProcess Server { get; } = new();

    public int Port => Server.Port;

    public void Dispose() => Server.Dispose();
}
