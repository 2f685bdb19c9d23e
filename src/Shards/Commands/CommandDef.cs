using TdbPlus.Resp;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Commands;

/// <summary>Runs one command; arguments, reply writer and data access come from the context.</summary>
public delegate void CommandHandler(CommandContext ctx);

/// <summary>
/// A command declared once: its spec (name, arity, flags, keys), its handler and route, its subcommands, and
/// the counters INFO commandstats reports.
/// </summary>
public sealed class CommandDef
{
    private const int CallsCounter = 0;
    private const int MicrosecondsCounter = 1;
    private const int RejectedCounter = 2;
    private const int FailedCounter = 3;

    // Per shard thread: INFO commandstats sums them; counting stays off the shared cache lines.
    private readonly StripedCounters _stats = new(4);

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

    public long Calls => _stats.Sum(CallsCounter);
    public long Microseconds => _stats.Sum(MicrosecondsCounter);
    public long RejectedCalls => _stats.Sum(RejectedCounter);
    public long FailedCalls => _stats.Sum(FailedCounter);

    public void RecordCall(long microseconds, bool failed)
    {
        _stats.Add(CallsCounter, 1);
        _stats.Add(MicrosecondsCounter, microseconds);
        if (failed) _stats.Add(FailedCounter, 1);
    }

    public void RecordRejected() => _stats.Add(RejectedCounter, 1);

    public void ResetStats() => _stats.Reset();
}
