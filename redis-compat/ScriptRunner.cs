using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>A compared case whose replies differ.</summary>
public sealed record Mismatch(CaseStep Case, Reply Tdb, Reply Redis);

/// <summary>Outcome of running one script file against both servers.</summary>
public sealed class ScriptResult(string name)
{
    public string Name { get; } = name;

    public int Compared { get; set; }

    public int Passed { get; set; }

    public int Differs { get; set; }

    public List<Mismatch> Mismatches { get; } = [];

    /// <summary>Human-readable notes about <c>@differs</c> cases (reason plus both replies).</summary>
    public List<string> DiffersNotes { get; } = [];

    /// <summary>Every case with the reference reply (filled when TDBPLUS_COMPAT_VERBOSE=1).</summary>
    public List<string> Transcript { get; } = [];

    /// <summary>Problems with the per-file setup (the initial FLUSHALL); any of them fails the file.</summary>
    public List<string> SetupErrors { get; } = [];

    public bool Ok => Mismatches.Count == 0 && Aborted == null && SetupErrors.Count == 0;

    /// <summary>Set when the run stopped early because a server stopped answering.</summary>
    public string? Aborted { get; set; }

    public string Summary =>
        $"{Name}: compared {Compared}, passed {Passed}, failed {Mismatches.Count}, differs-on-purpose {Differs}" +
        (Aborted != null ? $" (ABORTED: {Aborted})" : string.Empty);

    public string DescribeMismatches()
    {
        var sb = new StringBuilder();
        foreach (var e in SetupErrors)
        {
            sb.AppendLine("setup error: " + e);
        }

        if (Aborted != null)
        {
            sb.AppendLine("run aborted: " + Aborted);
        }

        sb.AppendLine($"{Mismatches.Count} mismatching case(s) in {Name}:");
        foreach (var m in Mismatches)
        {
            var c = m.Case;
            var how = c.Mode == CompareMode.Shape ? " (@type: shapes compared)" : string.Empty;
            sb.AppendLine($"  {Name}:{c.Line} [conn {c.Conn}] {c.Source}{how}");
            if (c.Mode == CompareMode.Shape)
            {
                sb.AppendLine($"      TDB+  shape: {m.Tdb.ShapeKey}   reply: {m.Tdb.Render()}");
                sb.AppendLine($"      redis shape: {m.Redis.ShapeKey}   reply: {m.Redis.Render()}");
            }
            else
            {
                sb.AppendLine($"      TDB+ : {m.Tdb.Render()}");
                sb.AppendLine($"      redis: {m.Redis.Render()}");
            }
        }

        return sb.ToString();
    }
}

/// <summary>
/// Runs a <see cref="CaseScript"/> against two servers: the server under test ("TDB+") and the
/// reference redis-server. Each side has its own set of numbered connections, opened lazily;
/// a connection the server closed is reopened on its next use.
/// </summary>
public sealed class ScriptRunner : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>After this many replies that never came, a file's run is abandoned.</summary>
    private const int MaxTimeoutsPerFile = 3;

    private readonly Side _tdb;
    private readonly Side _redis;

    /// <summary>Set TDBPLUS_COMPAT_VERBOSE=1 to print every case with its reference reply.</summary>
    public static bool Verbose { get; } = Environment.GetEnvironmentVariable("TDBPLUS_COMPAT_VERBOSE") == "1";

    public ScriptRunner(int tdbPort, int redisPort)
    {
        _tdb = new Side(tdbPort);
        _redis = new Side(redisPort);
    }

    public ScriptResult Run(CaseScript script)
    {
        var result = new ScriptResult(script.Name);

        // Every file starts on fresh connections with an empty keyspace (not counted).
        _tdb.CloseAll();
        _redis.CloseAll();
        var flush = new[] { "FLUSHALL"u8.ToArray() };
        foreach (var (side, label) in new[] { (_tdb, "TDB+"), (_redis, "redis") })
        {
            var r = side.Execute(1, flush, null, collect: false);
            if (r.End != ReplyEnd.Frames || !r.Bytes.AsSpan().SequenceEqual("+OK\r\n"u8))
            {
                // Keep going (the cases still say a lot), but the file fails.
                result.SetupErrors.Add($"initial FLUSHALL on {label} answered {r.Render()}; cases may see leftover keys");
            }
        }

        var conn = 1;
        var timeouts = 0;
        foreach (var step in script.Steps)
        {
            if (timeouts >= MaxTimeoutsPerFile)
            {
                result.Aborted = $"{timeouts} commands got no complete reply within {ReplyTimeout.TotalSeconds:0} s; " +
                    $"remaining cases from line {step.Line} on were not run";
                result.Compared += script.Cases.Count(x => x.Line >= step.Line && x.Mode != CompareMode.Differs);
                break;
            }

            switch (step)
            {
                case SleepStep s:
                    Thread.Sleep(s.Milliseconds);
                    break;

                case ConnStep c:
                    conn = c.Conn;
                    break;

                case CaseStep c:
                {
                    Reply tdb, redis;
                    if (c.Collect)
                    {
                        // Collected reads wait for silence; wait on both servers at once.
                        var t = Task.Run(() => _tdb.Execute(conn, c.Args, c.Raw, c.Collect));
                        redis = _redis.Execute(conn, c.Args, c.Raw, c.Collect);
                        tdb = t.GetAwaiter().GetResult();
                    }
                    else
                    {
                        tdb = _tdb.Execute(conn, c.Args, c.Raw, c.Collect);
                        redis = _redis.Execute(conn, c.Args, c.Raw, c.Collect);
                        if (tdb.End is ReplyEnd.NoReply or ReplyEnd.Timeout || redis.End is ReplyEnd.NoReply or ReplyEnd.Timeout)
                        {
                            timeouts++;
                        }
                    }

                    if (Verbose)
                    {
                        var tag = c.Mode switch { CompareMode.Shape => " @type", CompareMode.Differs => " @differs", _ => string.Empty };
                        result.Transcript.Add($"{script.Name}:{c.Line} [conn {conn}]{tag} {c.Source}\n    -> {redis.Render()}");
                    }

                    switch (c.Mode)
                    {
                        case CompareMode.Differs:
                            result.Differs++;
                            result.DiffersNotes.Add(
                                $"{script.Name}:{c.Line} {c.Source}\n    reason: {c.DiffersReason}\n    TDB+ : {tdb.Render()}\n    redis: {redis.Render()}");
                            break;

                        case CompareMode.Shape:
                            result.Compared++;
                            if (tdb.ShapeKey == redis.ShapeKey)
                            {
                                result.Passed++;
                            }
                            else
                            {
                                result.Mismatches.Add(new Mismatch(c, tdb, redis));
                            }

                            break;

                        default:
                            result.Compared++;
                            if (tdb.Exact == redis.Exact)
                            {
                                result.Passed++;
                            }
                            else
                            {
                                result.Mismatches.Add(new Mismatch(c, tdb, redis));
                            }

                            break;
                    }

                    break;
                }
            }
        }

        _tdb.CloseAll();
        _redis.CloseAll();
        return result;
    }

    public void Dispose()
    {
        _tdb.CloseAll();
        _redis.CloseAll();
    }

    private sealed class Side(int port)
    {
        private readonly Dictionary<int, RespConnection> _conns = [];

        public Reply Execute(int conn, byte[][]? args, byte[]? raw, bool collect)
        {
            if (_conns.TryGetValue(conn, out var c) && c.IsBroken)
            {
                c.Dispose();
                _conns.Remove(conn);
            }

            if (!_conns.TryGetValue(conn, out c))
            {
                try
                {
                    c = RespConnection.Open(port, ConnectTimeout);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
                {
                    return new Reply(Encoding.UTF8.GetBytes(e.Message), ReplyEnd.ConnectFailed);
                }

                _conns[conn] = c;
            }

            if (raw != null)
            {
                return c.SendAndCollect(raw, CollectTiming.Default);
            }

            args = SubstituteClientIds(args!);

            return collect
                ? c.SendAndCollect(RespConnection.Encode(args!), CollectTiming.Default)
                : c.Command(args!, ReplyTimeout);
        }

        /// <summary>
        /// An argument "@id:N" becomes this side's client id of connection N (found in CLIENT LIST, asked on a
        /// helper connection, by its local port, so it works whatever state connection N is in), so scripts
        /// can name clients (CLIENT TRACKING REDIRECT, CLIENT KILL ID).
        /// </summary>
        private byte[][] SubstituteClientIds(byte[][] args)
        {
            byte[][]? result = null;
            for (var i = 0; i < args.Length; i++)
            {
                var text = Encoding.ASCII.GetString(args[i]);
                if (!text.StartsWith("@id:", StringComparison.Ordinal) || !int.TryParse(text[4..], out var n))
                {
                    continue;
                }

                result ??= (byte[][])args.Clone();
                result[i] = Encoding.ASCII.GetBytes(ClientIdOf(n));
            }

            return result ?? args;
        }

        private string ClientIdOf(int conn)
        {
            if (!_conns.TryGetValue(conn, out var target) || target.IsBroken)
            {
                Execute(conn, ["PING"u8.ToArray()], null, collect: false);
                target = _conns[conn];
            }

            var reply = Execute(0, ["CLIENT"u8.ToArray(), "LIST"u8.ToArray()], null, collect: false);
            var needle = $" addr=127.0.0.1:{target.LocalPort} ";
            foreach (var line in Encoding.ASCII.GetString(reply.Bytes).Split('\n'))
            {
                if (line.Contains(needle, StringComparison.Ordinal) && line.IndexOf("id=", StringComparison.Ordinal) is var at and >= 0)
                {
                    return line[(at + 3)..].Split(' ')[0];
                }
            }

            return "0";
        }

        public void CloseAll()
        {
            foreach (var c in _conns.Values)
            {
                c.Dispose();
            }

            _conns.Clear();
        }
    }
}
