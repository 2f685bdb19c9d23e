using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>
/// One server process (redis-server or TDB+) listening on 127.0.0.1. Its output is captured
/// for failure messages, and it is killed on Dispose, at process exit, and by a small shell
/// watchdog if the test host dies without running either.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private static readonly object LiveLock = new();
    private static readonly HashSet<ServerProcess> Live = [];
    private static bool _exitHookInstalled;

    private readonly Process _process;
    private readonly Process? _watchdog;
    private readonly StringBuilder _output = new();
    private readonly string? _tempDir;
    private int _disposed;

    private ServerProcess(string name, int port, Process process, Process? watchdog, string? tempDir)
    {
        Name = name;
        Port = port;
        _process = process;
        _watchdog = watchdog;
        _tempDir = tempDir;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Last part of what the process printed (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Picks a free loopback port by binding port 0 and releasing it.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        try
        {
            return ((IPEndPoint)l.LocalEndpoint).Port;
        }
        finally
        {
            l.Stop();
        }
    }

    /// <summary>Finds redis-server (env REDIS_SERVER, then PATH, then /usr/bin) or fails with install advice.</summary>
    public static string FindRedisServer()
    {
        var env = Environment.GetEnvironmentVariable("REDIS_SERVER");
        if (!string.IsNullOrEmpty(env))
        {
            if (File.Exists(env))
            {
                return env;
            }

            throw new InvalidOperationException($"REDIS_SERVER is set to '{env}', which does not exist.");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server was not found on PATH. The differential tests compare TDB+ against a real " +
            "redis-server 7: install it (Debian/Ubuntu: `apt-get install -y redis-server`) or set REDIS_SERVER to its path.");
    }

    /// <summary>
    /// Starts a redis-server with persistence off and the defaults the case scripts rely on pinned;
    /// <paramref name="extraArgs"/> come last, so they override (e.g. --dir and --dbfilename to load a file).
    /// </summary>
    public static ServerProcess StartRedis(string name, int port, params string[] extraArgs)
    {
        var exe = FindRedisServer();
        var dir = Directory.CreateTempSubdirectory("tdbplus-compat-").FullName;
        string[] args =
        [
            "--port", port.ToString(), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no",
            "--dir", dir, "--logfile", "", "--daemonize", "no",
            "--databases", "16", "--maxmemory", "0", "--maxmemory-policy", "noeviction",
            "--enable-debug-command", "local",
            .. extraArgs,
        ];
        return Start(name, port, exe, args, dir);
    }

    /// <summary>Starts TDB+ as <c>dotnet tdbplus.dll --port P --bind 127.0.0.1</c>; <paramref name="extraArgs"/> come last.</summary>
    public static ServerProcess StartTdbPlus(string name, int port, params string[] extraArgs)
    {
        var dll = Environment.GetEnvironmentVariable("TDBPLUS_SERVER_DLL");
        if (string.IsNullOrEmpty(dll))
        {
            dll = Path.Combine(AppContext.BaseDirectory, "tdbplus.dll");
        }

        if (!File.Exists(dll))
        {
            throw new InvalidOperationException(
                $"TDB+ server not found at '{dll}'. Build the test project (it references src/Server) or set " +
                "TDBPLUS_SERVER_DLL; set TDBPLUS_COMPAT_TARGET=redis to check the harness against a second redis-server.");
        }

        // The SDK tells test hosts which dotnet it runs on; fall back to the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            host = "dotnet";
        }

        var dir = Directory.CreateTempSubdirectory("tdbplus-compat-").FullName;
        // Two shards unless the test picks: the differential rows then cross shards whatever the machine's default
        // is (one shard on 2 cores).
        string[] shards = extraArgs.Contains("--shards") ? [] : ["--shards", "2"];
        return Start(name, port, host, [dll, "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--dir", dir, .. shards, .. extraArgs], dir);
    }

    private static ServerProcess Start(string name, int port, string exe, string[] args, string? tempDir)
    {
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = tempDir ?? AppContext.BaseDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{name}: failed to start '{exe} {string.Join(' ', args)}': {e.Message}", e);
        }

        var server = new ServerProcess(name, port, process, StartWatchdog(process.Id), tempDir);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Register(server);
        return server;
    }

    /// <summary>
    /// A shell loop that kills the server once this test host is gone (covers a host killed with
    /// SIGKILL, where neither Dispose nor ProcessExit runs).
    /// </summary>
    private static Process? StartWatchdog(int childPid)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return null;
        }

        try
        {
            var psi = new ProcessStartInfo("/bin/sh")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(
                $"while kill -0 {Environment.ProcessId} 2>/dev/null && kill -0 {childPid} 2>/dev/null; do sleep 1; done; kill -9 {childPid} 2>/dev/null; exit 0");
            return Process.Start(psi);
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static void Register(ServerProcess server)
    {
        lock (LiveLock)
        {
            Live.Add(server);
            if (!_exitHookInstalled)
            {
                _exitHookInstalled = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
                Console.CancelKeyPress += (_, _) => KillAll();
            }
        }
    }

    private static void KillAll()
    {
        ServerProcess[] all;
        lock (LiveLock)
        {
            all = [.. Live];
        }

        foreach (var s in all)
        {
            s.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 32 * 1024)
            {
                _output.Remove(0, _output.Length - (16 * 1024));
            }
        }
    }

    /// <summary>Waits until the server answers PING with +PONG, or throws with its output.</summary>
    public void WaitUntilReady(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string last = "no attempt";
        while (sw.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // lets the output readers drain
                if (Output.Contains("Address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    throw new PortInUseException($"{Name}: port {Port} was taken meanwhile.\n{Output}");
                }

                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before answering PING on port {Port}.\n--- output ---\n{Output}");
            }

            try
            {
                using var c = RespConnection.Open(Port, TimeSpan.FromSeconds(1));
                var r = c.Command([Encoding.ASCII.GetBytes("PING")], TimeSpan.FromSeconds(2));
                if (r.End == ReplyEnd.Frames && r.Bytes.AsSpan().SequenceEqual("+PONG\r\n"u8))
                {
                    return;
                }

                last = "PING answered " + r.Render();
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                last = e.Message;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException(
            $"{Name} did not answer PING on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} s (last attempt: {last}).\n--- output ---\n{Output}");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (LiveLock)
        {
            Live.Remove(this);
        }

        Kill(_process);
        if (_watchdog != null)
        {
            Kill(_watchdog);
            _watchdog.Dispose();
        }

        _process.Dispose();
        if (_tempDir != null)
        {
            try
            {
                Directory.Delete(_tempDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}

/// <summary>The server exited because another process took its port between picking and binding.</summary>
public sealed class PortInUseException(string message) : InvalidOperationException(message);
