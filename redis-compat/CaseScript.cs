using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>How the replies of one case are compared.</summary>
public enum CompareMode
{
    /// <summary>Raw reply bytes must be identical (the default).</summary>
    Exact,

    /// <summary><c>@type</c>: only the RESP frame types and element counts must match.</summary>
    Shape,

    /// <summary><c>@differs</c>: sent to both servers, never compared.</summary>
    Differs,
}

public abstract record Step(int Line);

/// <summary>One command (or raw byte string) = one case.</summary>
/// <param name="Args">Arguments of a command sent as a RESP array; null for <c>@raw</c>.</param>
/// <param name="Raw">Bytes sent verbatim (<c>@raw</c>); null for commands.</param>
/// <param name="Collect">Read in collect mode (<c>@collect</c>, always for <c>@raw</c>).</param>
public sealed record CaseStep(
    int Line,
    int Conn,
    string Source,
    byte[][]? Args,
    byte[]? Raw,
    CompareMode Mode,
    string? DiffersReason,
    bool Collect) : Step(Line);

public sealed record SleepStep(int Line, int Milliseconds) : Step(Line);

public sealed record ConnStep(int Line, int Conn) : Step(Line);

public sealed class ScriptParseException(string file, int line, string message)
    : Exception($"{file}:{line}: {message}");

/// <summary>A parsed <c>cases/*.redis</c> file. The format is described in README.md.</summary>
public sealed class CaseScript
{
    private CaseScript(string name, IReadOnlyList<Step> steps)
    {
        Name = name;
        Steps = steps;
    }

    public string Name { get; }

    public IReadOnlyList<Step> Steps { get; }

    public IEnumerable<CaseStep> Cases => Steps.OfType<CaseStep>();

    /// <summary>Cases whose replies are compared (everything but <c>@differs</c>).</summary>
    public int ComparedCount => Cases.Count(c => c.Mode != CompareMode.Differs);

    public int DiffersCount => Cases.Count(c => c.Mode == CompareMode.Differs);

    public static CaseScript Load(string path) => Parse(Path.GetFileName(path), File.ReadAllText(path, Encoding.UTF8));

    public static CaseScript Parse(string name, string text)
    {
        var steps = new List<Step>();
        var lines = text.Split('\n');
        CompareMode? mode = null;
        string? reason = null;
        var collect = false;
        var modifierLine = 0;
        var conn = 1;

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            ScriptParseException Error(string msg) => new(name, lineNo, msg);

            if (line.StartsWith('@'))
            {
                var sp = line.IndexOfAny([' ', '\t']);
                var directive = sp < 0 ? line : line[..sp];
                var rest = sp < 0 ? string.Empty : line[(sp + 1)..].Trim();
                switch (directive)
                {
                    case "@differs":
                        if (rest.Length == 0)
                        {
                            throw Error("@differs needs a reason");
                        }

                        if (mode != null)
                        {
                            throw Error("@differs and @type cannot be combined / repeated");
                        }

                        mode = CompareMode.Differs;
                        reason = rest;
                        modifierLine = lineNo;
                        continue;

                    case "@type":
                        if (rest.Length != 0)
                        {
                            throw Error("@type takes no argument");
                        }

                        if (mode != null)
                        {
                            throw Error("@differs and @type cannot be combined / repeated");
                        }

                        mode = CompareMode.Shape;
                        modifierLine = lineNo;
                        continue;

                    case "@collect":
                        if (rest.Length != 0)
                        {
                            throw Error("@collect takes no argument");
                        }

                        collect = true;
                        modifierLine = lineNo;
                        continue;

                    case "@sleep":
                        if (!int.TryParse(rest, out var ms) || ms < 0 || ms > 10_000)
                        {
                            throw Error("@sleep needs a number of milliseconds between 0 and 10000");
                        }

                        RequireNoPendingModifier(directive);
                        steps.Add(new SleepStep(lineNo, ms));
                        continue;

                    case "@conn":
                        if (!int.TryParse(rest, out var n) || n < 1 || n > 64)
                        {
                            throw Error("@conn needs a connection number between 1 and 64");
                        }

                        RequireNoPendingModifier(directive);
                        conn = n;
                        steps.Add(new ConnStep(lineNo, n));
                        continue;

                    case "@raw":
                    {
                        byte[][] parts;
                        try
                        {
                            parts = ArgSplitter.Split(Encoding.UTF8.GetBytes(rest));
                        }
                        catch (FormatException e)
                        {
                            throw Error(e.Message);
                        }

                        if (parts.Length != 1)
                        {
                            throw Error("@raw needs exactly one (quoted) argument");
                        }

                        steps.Add(new CaseStep(lineNo, conn, line, null, parts[0], mode ?? CompareMode.Exact, reason, true));
                        mode = null;
                        reason = null;
                        collect = false;
                        continue;
                    }

                    default:
                        throw Error($"unknown directive '{directive}'");
                }

                void RequireNoPendingModifier(string d)
                {
                    if (mode != null || collect)
                    {
                        throw Error($"{d} cannot follow a modifier (line {modifierLine}); modifiers apply to the next command");
                    }
                }
            }

            byte[][] args;
            try
            {
                args = ArgSplitter.Split(Encoding.UTF8.GetBytes(line));
            }
            catch (FormatException e)
            {
                throw Error(e.Message);
            }

            if (args.Length == 0)
            {
                throw Error("empty command");
            }

            steps.Add(new CaseStep(lineNo, conn, line, args, null, mode ?? CompareMode.Exact, reason, collect));
            mode = null;
            reason = null;
            collect = false;
        }

        if (mode != null || collect)
        {
            throw new ScriptParseException(name, modifierLine, "modifier at end of file without a command after it");
        }

        return new CaseScript(name, steps);
    }
}

/// <summary>Splits a line into arguments the way redis-cli does (quotes and escapes).</summary>
public static class ArgSplitter
{
    public static byte[][] Split(byte[] line)
    {
        var result = new List<byte[]>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && IsSpace(line[i]))
            {
                i++;
            }

            if (i >= line.Length)
            {
                return [.. result];
            }

            var cur = new List<byte>();
            var inDouble = false;
            var inSingle = false;
            var done = false;
            while (!done)
            {
                if (inDouble)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException("unbalanced double quotes");
                    }

                    var c = line[i];
                    if (c == '\\' && i + 3 < line.Length + 0 && line[i + 1] == 'x' && IsHex(line[i + 2]) && IsHex(line[i + 3]))
                    {
                        cur.Add((byte)((Hex(line[i + 2]) << 4) | Hex(line[i + 3])));
                        i += 3;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        cur.Add(line[i] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        });
                    }
                    else if (c == '"')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1]))
                        {
                            throw new FormatException("closing quote must be followed by a space");
                        }

                        done = true;
                    }
                    else
                    {
                        cur.Add(c);
                    }
                }
                else if (inSingle)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException("unbalanced single quotes");
                    }

                    var c = line[i];
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        i++;
                        cur.Add((byte)'\'');
                    }
                    else if (c == '\'')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1]))
                        {
                            throw new FormatException("closing quote must be followed by a space");
                        }

                        done = true;
                    }
                    else
                    {
                        cur.Add(c);
                    }
                }
                else
                {
                    if (i >= line.Length)
                    {
                        break;
                    }

                    var c = line[i];
                    if (IsSpace(c))
                    {
                        done = true;
                    }
                    else if (c == '"')
                    {
                        inDouble = true;
                    }
                    else if (c == '\'')
                    {
                        inSingle = true;
                    }
                    else
                    {
                        cur.Add(c);
                    }
                }

                if (i < line.Length)
                {
                    i++;
                }
            }

            result.Add([.. cur]);
        }
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
