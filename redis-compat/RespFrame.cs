using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>Result of trying to parse one RESP frame from a byte buffer.</summary>
public enum FrameStatus
{
    Complete,
    Incomplete,
    Invalid,
}

/// <summary>
/// Minimal RESP2/RESP3 frame scanner. It does not build values; it only finds where a
/// complete frame ends and describes its "shape" (type characters and element counts).
/// </summary>
public static class RespFrame
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Checks whether <paramref name="buf"/>[<paramref name="start"/>..<paramref name="end"/>)
    /// begins with a complete frame; on success <paramref name="frameEnd"/> is the index just past it.
    /// An attribute frame ('|') is treated as a prefix of the frame that follows it.
    /// </summary>
    public static FrameStatus TryScan(byte[] buf, int start, int end, out int frameEnd)
    {
        frameEnd = start;
        return Scan(buf, start, end, 0, ref frameEnd, null);
    }

    /// <summary>Shape of a complete frame, e.g. <c>*2[$,:]</c> or <c>%1{$:$}</c>; null when the bytes are not one frame.</summary>
    public static string? Shape(ReadOnlySpan<byte> frame)
    {
        var copy = frame.ToArray();
        var pos = 0;
        var sb = new StringBuilder();
        var st = Scan(copy, 0, copy.Length, 0, ref pos, sb);
        return st == FrameStatus.Complete && pos == copy.Length ? sb.ToString() : null;
    }

    private static FrameStatus Scan(byte[] buf, int start, int end, int depth, ref int pos, StringBuilder? shape)
    {
        if (depth > MaxDepth)
        {
            return FrameStatus.Invalid;
        }

        pos = start;
        if (pos >= end)
        {
            return FrameStatus.Incomplete;
        }

        var type = (char)buf[pos];
        var lineStatus = ReadLine(buf, pos + 1, end, out var lineStart, out var lineEnd, out var next);
        if (lineStatus != FrameStatus.Complete)
        {
            return lineStatus;
        }

        switch (type)
        {
            case '+':
            case '-':
            case ':':
            case ',':
            case '#':
            case '(':
                shape?.Append(type);
                pos = next;
                return FrameStatus.Complete;

            case '_':
                if (lineEnd != lineStart)
                {
                    return FrameStatus.Invalid;
                }

                shape?.Append('_');
                pos = next;
                return FrameStatus.Complete;

            case '$':
            case '!':
            case '=':
            {
                if (!TryParseLong(buf, lineStart, lineEnd, out var len))
                {
                    return FrameStatus.Invalid;
                }

                if (len == -1 && type == '$')
                {
                    shape?.Append("$-1");
                    pos = next;
                    return FrameStatus.Complete;
                }

                if (len < 0 || len > int.MaxValue - 16)
                {
                    return FrameStatus.Invalid;
                }

                if ((long)next + len + 2 > end)
                {
                    return FrameStatus.Incomplete;
                }

                var payloadEnd = next + (int)len;
                if (buf[payloadEnd] != '\r' || buf[payloadEnd + 1] != '\n')
                {
                    return FrameStatus.Invalid;
                }

                shape?.Append(type);
                pos = payloadEnd + 2;
                return FrameStatus.Complete;
            }

            case '*':
            case '~':
            case '>':
            case '%':
            case '|':
            {
                if (!TryParseLong(buf, lineStart, lineEnd, out var count))
                {
                    return FrameStatus.Invalid;
                }

                if (count == -1 && type == '*')
                {
                    shape?.Append("*-1");
                    pos = next;
                    return FrameStatus.Complete;
                }

                if (count < 0 || count > 100_000_000)
                {
                    return FrameStatus.Invalid;
                }

                var isMap = type is '%' or '|';
                var elements = isMap ? count * 2 : count;
                shape?.Append(type).Append(count).Append(isMap ? '{' : '[');
                var cur = next;
                for (long i = 0; i < elements; i++)
                {
                    if (i > 0)
                    {
                        shape?.Append(isMap && i % 2 == 1 ? ':' : ',');
                    }

                    var st = Scan(buf, cur, end, depth + 1, ref cur, shape);
                    if (st != FrameStatus.Complete)
                    {
                        return st;
                    }
                }

                shape?.Append(isMap ? '}' : ']');
                if (type == '|')
                {
                    // An attribute is followed by the reply it annotates.
                    var st = Scan(buf, cur, end, depth + 1, ref cur, shape);
                    if (st != FrameStatus.Complete)
                    {
                        return st;
                    }
                }

                pos = cur;
                return FrameStatus.Complete;
            }

            default:
                return FrameStatus.Invalid;
        }
    }

    private static FrameStatus ReadLine(byte[] buf, int start, int end, out int lineStart, out int lineEnd, out int next)
    {
        lineStart = start;
        lineEnd = start;
        next = start;
        for (var i = start; i < end; i++)
        {
            if (buf[i] == '\n')
            {
                if (i == start || buf[i - 1] != '\r')
                {
                    return FrameStatus.Invalid;
                }

                lineEnd = i - 1;
                next = i + 1;
                return FrameStatus.Complete;
            }
        }

        return FrameStatus.Incomplete;
    }

    private static bool TryParseLong(byte[] buf, int start, int end, out long value)
    {
        value = 0;
        if (start >= end || end - start > 20)
        {
            return false;
        }

        var neg = buf[start] == '-';
        var i = neg ? start + 1 : start;
        if (i >= end)
        {
            return false;
        }

        for (; i < end; i++)
        {
            var c = buf[i];
            if (c < '0' || c > '9')
            {
                return false;
            }

            if (value > (long.MaxValue - 9) / 10)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        if (neg)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>Shows bytes as a double-quoted string with \r, \n, \t, \\, \" and \xHH escapes.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length + 2);
        sb.Append('"');
        foreach (var b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                default:
                    if (b >= 0x20 && b < 0x7f)
                    {
                        sb.Append((char)b);
                    }
                    else
                    {
                        sb.Append("\\x").Append(b.ToString("x2"));
                    }

                    break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }
}
