using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>Runs one command; arguments, reply writer and data access come from the context.</summary>
public delegate void CommandHandler(CommandContext ctx);

/// <summary>
/// A command declared once: its spec (name, arity, flags, keys), its handler and route, its subcommands, and
/// the counters INFO commandstats reports.
/// </summary>
public sealed class CommandDef
{
    private long _calls;
    private long _microseconds;
    private long _rejected;
    private long _failed;

    public CommandDef(CommandSpec spec, CommandRoute route, CommandHandler? handler, IEnumerable<CommandDef>? subcommands = null)
    {
        Spec = spec;
        Route = route;
        Handler = handler;
        if (subcommands is not null)
        {
            Subcommands = new Dictionary<string, CommandDef>(StringComparer.OrdinalIgnoreCase);
            foreach (var sub in subcommands)
            {
                sub.Parent = this;
                Subcommands[sub.Spec.Name] = sub;
            }
        }
    }

    public CommandSpec Spec { get; }
    public CommandRoute Route { get; }
    public CommandHandler? Handler { get; }
    public Dictionary<string, CommandDef>? Subcommands { get; }
    public CommandDef? Parent { get; private set; }

    /// <summary>"get", or "config|get" for a subcommand, as Redis names it in errors and stats.</summary>
    public string FullName => _fullName ??= Parent is null ? Spec.Name.ToLowerInvariant() : $"{Parent.FullName}|{Spec.Name.ToLowerInvariant()}";

    private string? _fullName;

    public bool IsContainer => Subcommands is not null;

    public long Calls => Interlocked.Read(ref _calls);
    public long Microseconds => Interlocked.Read(ref _microseconds);
    public long RejectedCalls => Interlocked.Read(ref _rejected);
    public long FailedCalls => Interlocked.Read(ref _failed);

    public void RecordCall(long microseconds, bool failed)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _microseconds, microseconds);
        if (failed) Interlocked.Increment(ref _failed);
    }

    public void RecordRejected() => Interlocked.Increment(ref _rejected);

    public void ResetStats()
    {
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _microseconds, 0);
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _failed, 0);
    }
}
