using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Server.Transport;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Persistence;
using TdbPlus.Shards.Persistence.Aof;
using TdbPlus.Shards.Persistence.Snapshot;

namespace TdbPlus.Server.Hosting;

/// <summary>
/// The running server: engine, command table, listeners and clients; starts them, and stops them cleanly on
/// SIGINT, SIGTERM or SHUTDOWN.
/// </summary>
public sealed class ServerHost : IDisposable
{
    private readonly List<Listener> _listeners = [];
    private readonly ManualResetEventSlim _stopped = new(false);
    private readonly List<PosixSignalRegistration> _signals = [];

    public ServerHost(ServerConfig config, string? configFile = null)
    {
        Config = config;
        ConfigFile = configFile;
        Log = new ServerLog(config["logfile"].Value);
        Engine = new ShardSet(config) { Log = m => Log.Warning(m) };
        Commands = new CommandTable();
        Observer = new ServerObserver(this);
        Hooks = new ExecutionHooks(Observer);
        PubSub = new PubSub.PubSubHub(this);
        Tracker = new PubSub.ClientTracker(this);
        Engine.Events.Sink = PubSub;
        Hooks.AfterCommand = Tracker.AfterCommand;
        OutputLimits = config.OutputLimits;
        config["client-output-buffer-limit"].Changed += _ => OutputLimits = config.OutputLimits;
        CommandRegistry.RegisterAll(Commands, this);
        Hooks.SlowLogSlowerThanUs = config["slowlog-log-slower-than"].NumericValue;
        config["slowlog-log-slower-than"].Changed += d => Hooks.SlowLogSlowerThanUs = d.NumericValue;
        SlowLog.MaxLength = config["slowlog-max-len"].NumericValue;
        config["slowlog-max-len"].Changed += d =>
        {
            SlowLog.MaxLength = d.NumericValue;
            SlowLog.Trim();
        };
        Metrics = new InstantMetrics(Stats);
        // Redis clamps hz to 1..500 and CONFIG GET shows the clamped value.
        config["hz"].Changed += d =>
        {
            long clamped = Math.Clamp(d.NumericValue, 1, 500);
            if (clamped != d.NumericValue) d.TrySet(clamped.ToString(System.Globalization.CultureInfo.InvariantCulture), out _);
        };
        Aof = new AppendOnlyLog(Engine, Hooks, m => Log.Notice(m), m => Log.Warning(m));
        Snapshots = new SnapshotService(Engine, config, m => Log.Notice(m), m => Log.Warning(m))
        {
            ServerVersion = Families.InfoSections.RedisVersion,
            UsedMemory = () => Engine.UsedBytes,
        };
        Engine.FlushAllObserver = Snapshots;
        Aof.Snapshots = Snapshots;
        RunId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        ReplId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
    }

    /// <summary>Absolute path of the config file the server was started with (CONFIG REWRITE), or null.</summary>
    public string? ConfigFile { get; }

    /// <summary>Random 40-hex-digit id of this run (INFO run_id).</summary>
    public string RunId { get; }

    /// <summary>Replication id (INFO master_replid).</summary>
    public string ReplId { get; }

    public ServerObserver Observer { get; }

    /// <summary>The append-only log (appendonly, appendfsync; INFO persistence aof_* fields).</summary>
    public AppendOnlyLog Aof { get; }

    /// <summary>Channels, patterns and shard channels with their subscribers; keyspace notifications.</summary>
    public PubSub.PubSubHub PubSub { get; }

    /// <summary>CLIENT TRACKING: tracked keys, BCAST prefixes, invalidations.</summary>
    public PubSub.ClientTracker Tracker { get; }

    /// <summary>client-output-buffer-limit as parsed.</summary>
    public OutputBufferLimits OutputLimits { get; private set; }

    public ExecutionHooks Hooks { get; }

    public SlowLog SlowLog { get; } = new();

    /// <summary>Sampled rates for INFO (instantaneous_ops_per_sec...).</summary>
    public InstantMetrics Metrics { get; private set; } = null!;

    /// <summary>Highest used_memory seen by INFO/MEMORY STATS (used_memory_peak).</summary>
    public long PeakMemory;

    /// <summary>Memory the server reports as used: shard data plus the managed heap; tracks the peak.</summary>
    public long UsedMemory()
    {
        long used = Engine.UsedBytes + GC.GetTotalMemory(false);
        long peak;
        while (used > (peak = Interlocked.Read(ref PeakMemory)) && Interlocked.CompareExchange(ref PeakMemory, used, peak) != peak)
        {
        }
        return used;
    }

    /// <summary>Memory the server used right after starting (used_memory_startup).</summary>
    public long StartupMemory { get; private set; }

    public ServerConfig Config { get; }
    public ShardSet Engine { get; }
    public CommandTable Commands { get; }
    public ServerLog Log { get; }
    public ServerStats Stats { get; } = new();
    public ClientRegistry Clients { get; } = new();
    public bool Stopping { get; private set; }
    public int ExitCode { get; private set; }

    /// <summary>RDB snapshots: BGSAVE, SAVE, the save rules, LASTSAVE.</summary>
    public SnapshotService Snapshots { get; }

    /// <summary>The dataset load in progress (INFO loading fields).</summary>
    public LoadProgress Loading { get; } = new();

    /// <summary>Ports actually bound, in bind order (useful with --port 0).</summary>
    public IReadOnlyList<int> BoundPorts => _listeners.Select(l => l.EndPoint.Port).ToList();

    /// <summary>Starts everything and blocks until the server is asked to stop; returns the exit code.</summary>
    public int Run()
    {
        if (!Start()) return 1;
        _stopped.Wait();
        Shutdown();
        // Never over data that failed to load: the final save would replace it with an empty dataset.
        if (!LoadFailed && (SaveOnExit ?? Config["save"].Value.Length > 0)) SaveBeforeExit();
        return ExitCode;
    }

    /// <summary>SHUTDOWN SAVE (true) or NOSAVE (false); null: save when save rules are configured, as Redis.</summary>
    public bool? SaveOnExit { get; set; }

    private void SaveBeforeExit()
    {
        Log.Notice("Saving the final RDB snapshot before exiting.");
        try
        {
            if (Snapshots.InProgress) Log.Warning("There is a child saving an .rdb. Killing it!");
            while (Snapshots.InProgress) Thread.Sleep(10);
            if (!Snapshots.StartAsync(Snapshots.DumpPath).GetAwaiter().GetResult())
            {
                Log.Warning("Error trying to save the DB, can't exit.");
                ExitCode = 1;
            }
        }
        catch (InvalidOperationException ex)
        {
            Log.Warning($"Error trying to save the DB: {ex.Message}");
            ExitCode = 1;
        }
    }

    /// <summary>
    /// Loads the data on disk with every shard parked for it: the append-only log when its manifest exists
    /// (whatever appendonly says), else dump.rdb; then starts logging when appendonly is yes. Clients connect
    /// meanwhile and get LOADING (INFO and the other loading-flagged commands work). Data that cannot be loaded
    /// stops the server, never an empty start.
    /// </summary>
    private void LoadDataAtStartup()
    {
        string path = Snapshots.DumpPath;
        Aof.LoadBase = basePath => RdbFileLoader.Load(basePath, Engine, Loading, m => Log.Notice(m));
        Engine.Loading = true;
        Task<bool>? logStart = null;
        using var done = new ManualResetEventSlim();
        Engine.Schedule(Engine.AllShardsMask, null, hold => Task.Run(() =>
        {
            try
            {
                if (!Aof.Load(Commands, Loading, path) && File.Exists(path)) RdbFileLoader.Load(path, Engine, Loading, m => Log.Notice(m));
                logStart = Aof.Start();
            }
            catch (AofLoadException ex)
            {
                Log.Warning(ex.Message);
                StopForLoadFailure();
            }
            catch (Exception ex) when (ex is Shards.Codecs.RdbFormatException or IOException or UnauthorizedAccessException)
            {
                Log.Warning($"Fatal error loading the DB ({path}): {ex.Message}. Exiting.");
                StopForLoadFailure();
            }
            finally
            {
                if (logStart is null) Engine.Loading = false;
                hold.Release();
                done.Set();
            }
        }));
        done.Wait();
        if (logStart is null) return;
        // appendonly yes over data the log does not hold yet: still loading until the log's base is on disk.
        Log.Notice("Creating AOF base file on server start");
        if (!logStart.GetAwaiter().GetResult())
        {
            Log.Warning("Could not create the AOF base file on server start. Exiting.");
            StopForLoadFailure();
        }
        Engine.Loading = false;
    }

    private void StopForLoadFailure()
    {
        RequestStop(1);
        LoadFailed = true;
    }

    /// <summary>True when the data on disk could not be loaded: the server stops instead of starting empty.</summary>
    public bool LoadFailed { get; private set; }

    private EpollPoller[]? _pollers;
    private int _nextShard = -1;

    /// <summary>"epoll" (thread-per-core, Linux) or "sockets" (portable), as configured and available.</summary>
    public string Transport => _pollers is null ? "sockets" : "epoll";

    public bool Start()
    {
        if (Config["transport"].Value == "epoll" && OperatingSystem.IsLinux())
        {
            _pollers = new EpollPoller[Engine.Count];
            for (int i = 0; i < Engine.Count; i++)
            {
                _pollers[i] = new EpollPoller();
                Engine.Shards[i].Poller = _pollers[i];
            }
        }
        Log.Notice($"TDB+ starting, pid={Environment.ProcessId}, shards={Engine.Count}, databases={Config.Databases}, transport={Transport}");
        // LOADING from the first connection on: the listener opens before the data is loaded.
        Engine.Loading = true;
        Engine.Start();
        StartupMemory = UsedMemory();
        try
        {
            foreach (var address in Config.Bind.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                bool optional = address.StartsWith('-');
                var ip = ParseAddress(optional ? address[1..] : address);
                var listener = new Listener(this, new IPEndPoint(ip, Config.Port));
                try
                {
                    listener.Start((int)Config["tcp-backlog"].NumericValue);
                    _listeners.Add(listener);
                }
                catch (SocketException ex) when (optional)
                {
                    Log.Warning($"Could not bind optional address {address}: {ex.Message}");
                    listener.Dispose();
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or FormatException)
        {
            Log.Warning($"Failed listening on port {Config.Port} (tcp), aborting: {ex.Message}");
            Engine.Dispose();
            return false;
        }
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                Log.Warning($"Received {ctx.Signal}, scheduling shutdown...");
                RequestStop(0);
            }));
        }
        LoadDataAtStartup();
        if (LoadFailed) return true;
        Log.Notice($"Ready to accept connections tcp on port {string.Join(",", BoundPorts)}");
        return true;
    }

    private static IPAddress ParseAddress(string text) => text switch
    {
        "*" => IPAddress.Any,
        "::*" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.Parse(text),
    };

    internal void Accept(Socket socket)
    {
        Interlocked.Increment(ref Stats.ConnectionsReceived);
        if (Clients.Count >= Config.MaxClients)
        {
            Interlocked.Increment(ref Stats.RejectedConnections);
            try
            {
                socket.Send("-ERR max number of clients reached\r\n"u8);
            }
            catch (SocketException)
            {
            }
            socket.Dispose();
            return;
        }
        if (_pollers is null)
        {
            var connection = new Connection(this, socket, new SocketIo(socket), null);
            Clients.Add(connection);
            _ = connection.RunAsync();
            return;
        }
        // Thread-per-core: the connection lives on one shard thread, chosen round robin.
        int shard = (int)((uint)Interlocked.Increment(ref _nextShard) % (uint)Engine.Count);
        Engine.Shards[shard].PostConnection(new StartConnection(this, socket, _pollers[shard]));
    }

    /// <summary>Starts a connection on the shard thread that will own it.</summary>
    private sealed class StartConnection(ServerHost host, Socket socket, EpollPoller poller) : IShardWork
    {
        public void Execute(Shard shard)
        {
            EpollIo io;
            try
            {
                io = new EpollIo(socket, poller);
            }
            catch (SocketException)
            {
                socket.Dispose();
                return;
            }
            var connection = new Connection(host, socket, io, shard);
            host.Clients.Add(connection);
            _ = connection.RunAsync();
        }
    }

    /// <summary>Asks <see cref="Run"/> to return; safe from any thread, including a command handler.</summary>
    public void RequestStop(int exitCode)
    {
        ExitCode = exitCode;
        _stopped.Set();
    }

    public void Shutdown()
    {
        if (Stopping) return;
        Stopping = true;
        Log.Warning("User requested shutdown...");
        foreach (var l in _listeners) l.Dispose();
        foreach (var c in Clients.All) c.Kill();
        Log.Warning("TDB+ is now ready to exit, bye bye...");
    }

    public void Dispose()
    {
        Shutdown();
        foreach (var s in _signals) s.Dispose();
        Metrics.Dispose();
        Engine.Dispose();
        Aof.Dispose();
        _stopped.Dispose();
    }
}
