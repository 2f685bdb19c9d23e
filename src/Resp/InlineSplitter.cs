namespace TdbPlus.Resp;

/// <summary>
/// Splits an inline command line into arguments the way redis-server's sdssplitargs does, unescaping quoted
/// arguments in place (the unescaped form is never longer than its source).
/// </summary>
public static class InlineSplitter
{
    /// <summary>Appends the arguments of <c>line[start..]</c> to <paramref name="args"/>; false on unbalanced quotes.</summary>
    public static bool Split(Span<byte> line, int start, ArgList args)
    {
        int p = start;
        int end = line.Length;
        // sdssplitargs works on a C string, so a NUL byte ends the line.
        int nul = line[start..].IndexOf((byte)0);
        if (nul >= 0) end = start + nul;
        while (true)
        {
            while (p < end && IsSpace(line[p])) p++;
            if (p >= end) return true;
            int w = p;
            int argStart = w;
            bool inDouble = false, inSingle = false, done = false;
            while (!done)
            {
                byte c = p < end ? line[p] : (byte)0;
                if (inDouble)
                {
                    if (c == '\\' && At(line, p + 1, end) == 'x' && IsHex(At(line, p + 2, end)) && IsHex(At(line, p + 3, end)))
                    {
                        line[w++] = (byte)(HexValue(line[p + 2]) * 16 + HexValue(line[p + 3]));
                        p += 3;
                    }
                    else if (c == '\\' && p + 1 < end)
                    {
                        p++;
                        line[w++] = line[p] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var other => other,
                        };
                    }
                    else if (c == '"')
                    {
                        if (p + 1 < end && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else if (p >= end) return false;
                    else line[w++] = c;
                }
                else if (inSingle)
                {
                    if (c == '\\' && At(line, p + 1, end) == '\'')
                    {
                        p++;
                        line[w++] = (byte)'\'';
                    }
                    else if (c == '\'')
                    {
                        if (p + 1 < end && !IsSpace(line[p + 1])) return false;
                        done = true;
                    }
                    else if (p >= end) return false;
                    else line[w++] = c;
                }
                else
                {
                    switch (c)
                    {
                        case (byte)' ': case (byte)'\n': case (byte)'\r': case (byte)'\t': case 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inDouble = true;
                            break;
                        case (byte)'\'':
                            inSingle = true;
                            break;
                        default:
                            line[w++] = c;
                            break;
                    }
                }
                if (p < end) p++;
            }
            args.Add(new ArgSlice(argStart, w - argStart));
        }
    }

    private static byte At(Span<byte> line, int i, int end) => i < end ? line[i] : (byte)0;

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
