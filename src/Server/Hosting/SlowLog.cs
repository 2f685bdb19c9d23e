using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Server.Hosting;

/// <summary>One SLOWLOG entry, as Redis's slowlogEntry: arguments trimmed the same way.</summary>
public sealed record SlowLogEntry(long Id, long UnixSeconds, long Microseconds, byte[][] Args, string Address, string Name);

/// <summary>The slow log: commands slower than slowlog-log-slower-than, newest first, at most slowlog-max-len.</summary>
public sealed class SlowLog
{
    private const int MaxArgs = 32;
    private const int MaxArgLength = 128;

    private readonly LinkedList<SlowLogEntry> _entries = new();
    private readonly object _lock = new();
    private long _nextId;

    public long MaxLength { get; set; } = 128;

    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    public void Add(CommandContext ctx, long microseconds, string address, string name)
    {
        int argc = Math.Min(ctx.ArgCount, MaxArgs);
        var args = new byte[argc][];
        for (int j = 0; j < argc; j++)
        {
            if (argc != ctx.ArgCount && j == argc - 1)
            {
                args[j] = Encoding.ASCII.GetBytes($"... ({ctx.ArgCount - argc + 1} more arguments)");
                continue;
            }
            var a = ctx.Arg(j);
            if (a.Length > MaxArgLength)
            {
                var trimmed = new byte[MaxArgLength];
                a[..MaxArgLength].CopyTo(trimmed);
                args[j] = [.. trimmed, .. Encoding.ASCII.GetBytes($"... ({a.Length - MaxArgLength} more bytes)")];
            }
            else args[j] = a.ToArray();
        }
        lock (_lock)
        {
            var entry = new SlowLogEntry(_nextId++, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), microseconds, args, address, name);
            _entries.AddFirst(entry);
            while (_entries.Count > MaxLength) _entries.RemoveLast();
        }
    }

    public void Trim()
    {
        lock (_lock)
            while (_entries.Count > MaxLength) _entries.RemoveLast();
    }

    public void Reset()
    {
        lock (_lock) _entries.Clear();
    }

    /// <summary>Newest first; <paramref name="count"/> -1 for all.</summary>
    public List<SlowLogEntry> Get(long count)
    {
        lock (_lock) return (count < 0 ? _entries : _entries.Take((int)Math.Min(count, int.MaxValue))).ToList();
    }

    public static void Write(RespWriter w, List<SlowLogEntry> entries)
    {
        w.ArrayHeader(entries.Count);
        foreach (var e in entries)
        {
            w.ArrayHeader(6);
            w.Integer(e.Id);
            w.Integer(e.UnixSeconds);
            w.Integer(e.Microseconds);
            w.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) w.Bulk(a);
            w.Bulk(e.Address);
            w.Bulk(e.Name);
        }
    }
}
