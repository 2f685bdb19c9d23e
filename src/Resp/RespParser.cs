namespace TdbPlus.Resp;

/// <summary>
/// Incremental parser of client commands (RESP multibulk and inline), reading arguments in place from the
/// receive buffer. It follows redis-server's acceptance rules and error texts byte for byte.
/// </summary>
public sealed class RespParser
{
    /// <summary>Longest line (inline command or length header) Redis buffers before giving up.</summary>
    public const int InlineMaxSize = 64 * 1024;

    private const int UnauthenticatedMaxArgs = 10;
    private const int UnauthenticatedMaxBulk = 16384;

    // Resume point of a multibulk command that did not fully arrive: without it a command with many
    // arguments arriving in many reads would be re-parsed from its start every time (quadratic).
    private int _pendingStart = -1;
    private int _pendingPos;
    private int _pendingRemaining;
    private int _pendingArgBase;

    /// <summary>proto-max-bulk-len: the largest bulk argument accepted.</summary>
    public long MaxBulkLength { get; set; } = 512L * 1024 * 1024;

    /// <summary>When true, the tighter limits Redis applies before AUTH are in force.</summary>
    public bool AuthRequired { get; set; }

    /// <summary>The error text (without the leading '-') after <see cref="ParseStatus.Error"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Bytes the pending command needs from its start, when known (large bulk arguments).</summary>
    public long NeededBytes { get; private set; }

    /// <summary>Shifts remembered positions after the caller moved unconsumed bytes by <paramref name="delta"/>.</summary>
    public void Rebase(int delta, ArgList args)
    {
        if (_pendingStart < 0) return;
        _pendingStart -= delta;
        _pendingPos -= delta;
        var items = args.Span;
        for (int i = _pendingArgBase; i < items.Length; i++)
            args.ReplaceAt(i, new ArgSlice(items[i].Offset - delta, items[i].Length));
    }

    /// <summary>The caller removed the first <paramref name="count"/> arguments of the list it passes in.</summary>
    public void ArgsRemoved(int count)
    {
        if (_pendingStart >= 0) _pendingArgBase -= count;
    }

    /// <summary>Forgets a partially parsed command (connection reset).</summary>
    public void Reset()
    {
        _pendingStart = -1;
        NeededBytes = 0;
    }

    /// <summary>
    /// Parses one command starting at <paramref name="pos"/>. On <see cref="ParseStatus.Complete"/> the
    /// arguments were appended to <paramref name="args"/> and pos moved past the command.
    /// </summary>
    public ParseStatus TryParse(Span<byte> buffer, ref int pos, ArgList args)
    {
        if (pos >= buffer.Length) return ParseStatus.Incomplete;
        if (_pendingStart == pos) return ContinueMultibulk(buffer, ref pos, args);
        _pendingStart = -1;
        NeededBytes = 0;
        return buffer[pos] == (byte)'*' ? StartMultibulk(buffer, ref pos, args) : ParseInline(buffer, ref pos, args);
    }

    private ParseStatus StartMultibulk(Span<byte> buffer, ref int pos, ArgList args)
    {
        int cr = buffer[pos..].IndexOf((byte)'\r');
        if (cr < 0)
        {
            if (buffer.Length - pos > InlineMaxSize) return Fail("Protocol error: too big mbulk count string");
            return ParseStatus.Incomplete;
        }
        if (cr > buffer.Length - pos - 2) return ParseStatus.Incomplete;
        if (!NumberParser.TryParseInt64(buffer.Slice(pos + 1, cr - 1), out long count) || count > int.MaxValue)
            return Fail("Protocol error: invalid multibulk length");
        if (count > UnauthenticatedMaxArgs && AuthRequired)
            return Fail("Protocol error: unauthenticated multibulk length");
        int start = pos;
        int p = pos + cr + 2;
        if (count <= 0)
        {
            pos = p;
            return ParseStatus.Empty;
        }
        _pendingStart = start;
        _pendingPos = p;
        _pendingRemaining = (int)count;
        _pendingArgBase = args.Count;
        return ContinueMultibulk(buffer, ref pos, args);
    }

    private ParseStatus ContinueMultibulk(Span<byte> buffer, ref int pos, ArgList args)
    {
        int p = _pendingPos;
        while (_pendingRemaining > 0)
        {
            if (p >= buffer.Length) return Suspend(p);
            int cr = buffer[p..].IndexOf((byte)'\r');
            if (cr < 0)
            {
                if (buffer.Length - p > InlineMaxSize) return Fail("Protocol error: too big bulk count string");
                return Suspend(p);
            }
            if (cr > buffer.Length - p - 2) return Suspend(p);
            if (buffer[p] != (byte)'$')
                return Fail($"Protocol error: expected '$', got '{PrintableErrorChar(buffer[p])}'");
            if (!NumberParser.TryParseInt64(buffer.Slice(p + 1, cr - 1), out long len) || len < 0 || len > MaxBulkLength)
                return Fail("Protocol error: invalid bulk length");
            if (len > UnauthenticatedMaxBulk && AuthRequired)
                return Fail("Protocol error: unauthenticated bulk length");
            int dataStart = p + cr + 2;
            if ((long)buffer.Length - dataStart < len + 2)
            {
                NeededBytes = (long)dataStart - _pendingStart + len + 2;
                return Suspend(p);
            }
            args.Add(new ArgSlice(dataStart, (int)len));
            p = dataStart + (int)len + 2;
            _pendingRemaining--;
        }
        _pendingStart = -1;
        NeededBytes = 0;
        pos = p;
        return ParseStatus.Complete;
    }

    private ParseStatus Suspend(int p)
    {
        _pendingPos = p;
        return ParseStatus.Incomplete;
    }

    private ParseStatus ParseInline(Span<byte> buffer, ref int pos, ArgList args)
    {
        int nl = buffer[pos..].IndexOf((byte)'\n');
        if (nl < 0)
        {
            if (buffer.Length - pos > InlineMaxSize) return Fail("Protocol error: too big inline request");
            return ParseStatus.Incomplete;
        }
        int lineEnd = pos + nl;
        int next = lineEnd + 1;
        if (nl > 0 && buffer[lineEnd - 1] == (byte)'\r') lineEnd--;
        int before = args.Count;
        if (!InlineSplitter.Split(buffer[..lineEnd], pos, args))
        {
            args.Truncate(before);
            return Fail("Protocol error: unbalanced quotes in request");
        }
        pos = next;
        return args.Count == before ? ParseStatus.Empty : ParseStatus.Complete;
    }

    // Redis maps CR and LF in error texts to spaces so a reply stays one line.
    private static char PrintableErrorChar(byte b) => b is (byte)'\r' or (byte)'\n' ? ' ' : (char)b;

    private ParseStatus Fail(string message)
    {
        Error = message;
        _pendingStart = -1;
        return ParseStatus.Error;
    }
}
