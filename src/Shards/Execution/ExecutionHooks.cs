using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// Receives executed commands the server wants to see (SLOWLOG, MONITOR) and error replies (errorstats).
/// Called on whichever thread ran the command, so implementations must be thread-safe.
/// </summary>
public interface ICommandObserver
{
    /// <summary>A command ran for <paramref name="microseconds"/>; its arguments are still bound to <paramref name="ctx"/>.</summary>
    void CommandExecuted(CommandContext ctx, long microseconds);

    /// <summary>An error reply line (without the leading '-' and CRLF) was produced.</summary>
    void ErrorReplied(ReadOnlySpan<byte> line);
}

/// <summary>
/// Server-wide switches every <see cref="BatchExecutor"/> consults: whether executed commands must be reported
/// (monitors attached, slowlog threshold), and the CLIENT PAUSE gate. The checks are plain field reads, so the
/// hot path allocates nothing when nothing is reported.
/// </summary>
public sealed class ExecutionHooks
{
    private volatile bool _monitors;
    private long _slowerThanUs = 10_000;

    public ExecutionHooks(ICommandObserver observer) => Observer = observer;

    public ICommandObserver Observer { get; }

    /// <summary>True while at least one client is in MONITOR mode.</summary>
    public bool MonitorsAttached
    {
        get => _monitors;
        set => _monitors = value;
    }

    /// <summary>slowlog-log-slower-than in microseconds; negative disables the slow log.</summary>
    public long SlowLogSlowerThanUs
    {
        get => Volatile.Read(ref _slowerThanUs);
        set => Volatile.Write(ref _slowerThanUs, value);
    }

    public PauseGate Pause { get; } = new();

    /// <summary>The append-only log while appendonly is on, else null: every write is logged there.</summary>
    public ICommandLog? CommandLog
    {
        get => _commandLog;
        set => _commandLog = value;
    }

    private volatile ICommandLog? _commandLog;

    /// <summary>
    /// Runs after each command of a session with <see cref="ClientSession.AfterCommandHook"/> set, on the thread
    /// that ran it, with the context still bound (CLIENT TRACKING remembers keys read, replies pending
    /// invalidations).
    /// </summary>
    public Action<CommandContext>? AfterCommand { get; set; }

    /// <summary>Whether a command that ran for <paramref name="us"/> must be reported.</summary>
    public bool Wants(long us)
    {
        if (_monitors) return true;
        long t = Volatile.Read(ref _slowerThanUs);
        return t >= 0 && us >= t;
    }
}

/// <summary>CLIENT PAUSE: while in force, commands of the paused kind wait before running.</summary>
public sealed class PauseGate
{
    public const int None = 0;
    public const int Write = 1;
    public const int All = 2;

    private readonly object _lock = new();
    private volatile int _mode;
    private long _endTicks;
    private TaskCompletionSource _released = NewSource();
    private Timer? _timer;

    /// <summary>None, Write or All.</summary>
    public int Mode => _mode;

    /// <summary>Environment.TickCount64 at which the pause ends.</summary>
    public long EndTicks => Interlocked.Read(ref _endTicks);

    /// <summary>True when <paramref name="def"/> must wait under the current pause.</summary>
    public bool Applies(CommandDef? def)
    {
        int mode = _mode;
        if (mode == None || def is null) return false;
        if (Environment.TickCount64 >= EndTicks)
        {
            Unpause();
            return false;
        }
        return mode == All || (def.Spec.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) != 0;
    }

    public void PauseFor(long milliseconds, int mode)
    {
        lock (_lock)
        {
            long end = Environment.TickCount64 + milliseconds;
            Interlocked.Exchange(ref _endTicks, end);
            _mode = mode;
            _timer?.Dispose();
            _timer = new Timer(_ => Unpause(), null, (long)Math.Min(milliseconds, uint.MaxValue - 1), Timeout.Infinite);
        }
    }

    public void Unpause()
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            if (_mode == None) return;
            _mode = None;
            _timer?.Dispose();
            _timer = null;
            released = _released;
            _released = NewSource();
        }
        released.TrySetResult();
    }

    /// <summary>Completes when the current pause ends.</summary>
    public Task WaitAsync()
    {
        lock (_lock) return _mode == None ? Task.CompletedTask : _released.Task;
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
