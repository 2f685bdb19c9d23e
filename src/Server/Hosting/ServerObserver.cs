using System.Collections.Concurrent;
using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Server.Hosting;

/// <summary>
/// What the server does with executed commands and error replies: the slow log, the MONITOR feed and the
/// per-error-code counters of INFO errorstats.
/// </summary>
public sealed class ServerObserver(ServerHost host) : ICommandObserver
{
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<Connection> _monitors = [];
    private readonly object _monitorLock = new();

    /// <summary>Error replies by code ("ERR", "WRONGTYPE"...), for INFO errorstats.</summary>
    public IEnumerable<KeyValuePair<string, long>> ErrorCounts => _errors.OrderBy(e => e.Key, StringComparer.Ordinal);

    public void ResetErrors() => _errors.Clear();

    public void CommandExecuted(CommandContext ctx, long microseconds)
    {
        var flags = ctx.Command.Spec.Flags;
        var conn = ctx.Session as Connection;
        long threshold = host.Hooks.SlowLogSlowerThanUs;
        if (threshold >= 0 && microseconds >= threshold && (flags & CommandFlags.SkipSlowlog) == 0)
            host.SlowLog.Add(ctx, microseconds, conn?.RemoteAddress ?? "", conn?.Name ?? "");
        if (host.Hooks.MonitorsAttached && (flags & (CommandFlags.SkipMonitor | CommandFlags.Admin)) == 0)
            FeedMonitors(ctx, ctx.InScript ? null : conn);
    }

    public void ErrorReplied(ReadOnlySpan<byte> line)
    {
        Interlocked.Increment(ref host.Stats.TotalErrorReplies);
        int space = line.IndexOf((byte)' ');
        var code = space >= 0 ? line[..space] : line;
        if (code.Length > 64) code = code[..64];
        _errors.AddOrUpdate(Encoding.Latin1.GetString(code), 1, static (_, n) => n + 1);
    }

    public void AddMonitor(Connection c)
    {
        lock (_monitorLock)
        {
            if (!_monitors.Contains(c)) _monitors.Add(c);
            host.Hooks.MonitorsAttached = true;
        }
    }

    public void RemoveMonitor(Connection c)
    {
        lock (_monitorLock)
        {
            _monitors.Remove(c);
            host.Hooks.MonitorsAttached = _monitors.Count > 0;
        }
    }

    private void FeedMonitors(CommandContext ctx, Connection? source)
    {
        long us = host.Engine.Clock.NowUs;
        var sb = new StringBuilder(64);
        sb.Append('+').Append(us / 1_000_000).Append('.').Append((us % 1_000_000).ToString("D6"));
        sb.Append(" [").Append(ctx.DbIndex).Append(' ').Append(source?.RemoteAddress ?? "lua").Append("] ");
        bool redactAuth = ctx.Command.FullName is "auth";
        bool helloAuth = ctx.Command.FullName is "hello";
        for (int j = 0; j < ctx.ArgCount; j++)
        {
            if (j > 0) sb.Append(' ');
            bool redacted = (redactAuth && j > 0) || (helloAuth && j >= 3 && IsHelloAuthValue(ctx, j));
            if (redacted) sb.Append("\"(redacted)\"");
            else AppendRepr(sb, ctx.Arg(j));
        }
        sb.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(sb.ToString());
        Connection[] targets;
        lock (_monitorLock) targets = [.. _monitors];
        foreach (var m in targets) m.SendAsync(bytes);
    }

    private static bool IsHelloAuthValue(CommandContext ctx, int j)
    {
        for (int k = 2; k < ctx.ArgCount; k++)
        {
            if (ctx.ArgIs(k, "AUTH"u8) && k + 2 < ctx.ArgCount)
            {
                if (j == k + 1 || j == k + 2) return true;
                k += 2;
            }
            else if (ctx.ArgIs(k, "SETNAME"u8)) k++;
        }
        return false;
    }

    /// <summary>sdscatrepr: the argument in double quotes with C escapes, non-printable bytes as \xHH.</summary>
    public static void AppendRepr(StringBuilder sb, ReadOnlySpan<byte> s)
    {
        sb.Append('"');
        foreach (byte b in s)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                default:
                    if (b >= 32 && b < 127) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2"));
                    break;
            }
        }
        sb.Append('"');
    }
}
