using System.Buffers.Text;
using System.Globalization;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Scripting;

/// <summary>
/// Redis's conversions between replies and Lua values: a command's RESP2/RESP3 reply to a Lua value
/// (redis.call's result), and a script's Lua result to the caller's reply.
/// </summary>
internal static class LuaReplies
{
    /// <summary>Pushes the reply at <paramref name="pos"/> as a Lua value (redisProtocolToLuaType) and moves past it.</summary>
    public static void Push(IntPtr l, ReadOnlySpan<byte> buf, ref int pos)
    {
        Lua.CheckStack(l, 6);
        byte type = buf[pos];
        int lineEnd = pos + buf[pos..].IndexOf("\r\n"u8);
        var line = buf[(pos + 1)..lineEnd];
        pos = lineEnd + 2;
        switch (type)
        {
            case (byte)'+':
                Lua.CreateTable(l, 0, 1);
                Lua.PushBytes(l, line);
                Lua.RawSetField(l, -2, "ok");
                break;
            case (byte)'-':
                PushError(l, line);
                break;
            case (byte)':':
                Lua.PushInteger(l, ParseLong(line));
                break;
            case (byte)'$':
            {
                long len = ParseLong(line);
                if (len < 0)
                {
                    Lua.PushBoolean(l, 0);
                    break;
                }
                Lua.PushBytes(l, buf.Slice(pos, (int)len));
                pos += (int)len + 2;
                break;
            }
            case (byte)'*':
            case (byte)'>':
            {
                long n = ParseLong(line);
                if (n < 0)
                {
                    Lua.PushBoolean(l, 0);
                    break;
                }
                Lua.CreateTable(l, (int)n, 0);
                for (int i = 0; i < n; i++)
                {
                    Push(l, buf, ref pos);
                    Lua.RawSetI(l, -2, i + 1);
                }
                break;
            }
            case (byte)'%':
            {
                long n = ParseLong(line);
                Lua.CreateTable(l, 0, 1);
                Lua.CreateTable(l, 0, (int)n);
                for (int i = 0; i < n; i++)
                {
                    Push(l, buf, ref pos);
                    Push(l, buf, ref pos);
                    if (Lua.Type(l, -2) == Lua.TNil) Lua.Pop(l, 2);
                    else Lua.RawSet(l, -3);
                }
                Lua.RawSetField(l, -2, "map");
                break;
            }
            case (byte)'~':
            {
                long n = ParseLong(line);
                Lua.CreateTable(l, 0, 1);
                Lua.CreateTable(l, 0, (int)n);
                for (int i = 0; i < n; i++)
                {
                    Push(l, buf, ref pos);
                    if (Lua.Type(l, -1) == Lua.TNil)
                    {
                        Lua.Pop(l, 1);
                        continue;
                    }
                    Lua.PushBoolean(l, 1);
                    Lua.RawSet(l, -3);
                }
                Lua.RawSetField(l, -2, "set");
                break;
            }
            case (byte)'_':
                Lua.PushNil(l);
                break;
            case (byte)'#':
                Lua.PushBoolean(l, line.Length > 0 && line[0] == (byte)'t' ? 1 : 0);
                break;
            case (byte)',':
                Lua.CreateTable(l, 0, 1);
                Lua.PushNumber(l, ParseDouble(line));
                Lua.RawSetField(l, -2, "double");
                break;
            case (byte)'(':
                Lua.CreateTable(l, 0, 1);
                Lua.PushBytes(l, line);
                Lua.RawSetField(l, -2, "big_number");
                break;
            case (byte)'=':
            {
                int len = (int)ParseLong(line);
                var data = buf.Slice(pos, len);
                pos += len + 2;
                Lua.CreateTable(l, 0, 1);
                Lua.CreateTable(l, 0, 2);
                Lua.PushBytes(l, data.Length >= 4 ? data[4..] : data);
                Lua.RawSetField(l, -2, "string");
                Lua.PushBytes(l, data.Length >= 3 ? data[..3] : data);
                Lua.RawSetField(l, -2, "format");
                Lua.RawSetField(l, -2, "verbatim_string");
                break;
            }
            case (byte)'|':
            {
                long n = ParseLong(line);
                for (int i = 0; i < 2 * n; i++) Skip(buf, ref pos);
                Push(l, buf, ref pos);
                break;
            }
            default:
                Lua.PushNil(l);
                break;
        }
    }

    /// <summary>An error reply as redis.pcall returns it: {err="CODE msg", ignore_error_stats_update=true}.</summary>
    private static void PushError(IntPtr l, ReadOnlySpan<byte> line)
    {
        Lua.CreateTable(l, 0, 2);
        // luaPushErrorBuff("-" + line): a line without a space has no code of its own and gets ERR.
        if (line.IndexOf((byte)' ') < 0)
        {
            Span<byte> text = line.Length <= 512 ? stackalloc byte[line.Length + 4] : new byte[line.Length + 4];
            "ERR "u8.CopyTo(text);
            line.CopyTo(text[4..]);
            Lua.PushBytes(l, text);
        }
        else Lua.PushBytes(l, line);
        Lua.RawSetField(l, -2, "err");
        Lua.PushBoolean(l, 1);
        Lua.RawSetField(l, -2, "ignore_error_stats_update");
    }

    private static void Skip(ReadOnlySpan<byte> buf, ref int pos)
    {
        byte type = buf[pos];
        int lineEnd = pos + buf[pos..].IndexOf("\r\n"u8);
        long n = type is (byte)'$' or (byte)'*' or (byte)'%' or (byte)'~' or (byte)'=' or (byte)'|' or (byte)'>'
            ? ParseLong(buf[(pos + 1)..lineEnd]) : 0;
        pos = lineEnd + 2;
        switch (type)
        {
            case (byte)'$':
            case (byte)'=':
                if (n > 0) pos += (int)n + 2;
                else if (n == 0) pos += 2;
                break;
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
                for (long i = 0; i < n; i++) Skip(buf, ref pos);
                break;
            case (byte)'%':
            case (byte)'|':
                for (long i = 0; i < 2 * n; i++) Skip(buf, ref pos);
                break;
        }
    }

    private static long ParseLong(ReadOnlySpan<byte> s) => Utf8Parser.TryParse(s, out long v, out _) ? v : 0;

    private static double ParseDouble(ReadOnlySpan<byte> s)
    {
        var text = System.Text.Encoding.ASCII.GetString(s);
        return text switch
        {
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" or "-nan" => double.NaN,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : 0,
        };
    }

    /// <summary>
    /// Writes the Lua value at absolute <paramref name="index"/> as the script's reply (luaReplyToRedisReply):
    /// <paramref name="scriptResp"/> is the protocol the script chose with redis.setresp (booleans depend on it).
    /// </summary>
    public static void Write(IntPtr l, int index, RespWriter w, int scriptResp, int depth = 0)
    {
        if (depth > 1000 || Lua.CheckStack(l, 6) == 0)
        {
            w.Error("ERR reached lua stack limit");
            return;
        }
        switch (Lua.Type(l, index))
        {
            case Lua.TString:
                w.Bulk(Lua.ToBytes(l, index));
                return;
            case Lua.TBoolean:
                bool b = Lua.ToBoolean(l, index) != 0;
                if (scriptResp == 2)
                {
                    if (b) w.Integer(1);
                    else w.NullBulk();
                }
                else w.Boolean(b);
                return;
            case Lua.TNumber:
                w.Integer(ToLongLong(l, index));
                return;
            case Lua.TTable:
                WriteTable(l, index, w, scriptResp, depth);
                return;
            default:
                w.NullBulk();
                return;
        }
    }

    /// <summary>(long long)lua_tonumber: integers exactly, floats truncated; NaN and out of range give LLONG_MIN as on x86.</summary>
    internal static long ToLongLong(IntPtr l, int index)
    {
        if (Lua.IsInteger(l, index) != 0) return Lua.ToInteger(l, index);
        double d = Lua.ToNumber(l, index);
        if (double.IsNaN(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return long.MinValue;
        return (long)d;
    }

    private static void WriteTable(IntPtr l, int index, RespWriter w, int scriptResp, int depth)
    {
        if (Lua.RawGetField(l, index, "err") == Lua.TString)
        {
            var msg = Lua.ToBytes(l, -1);
            int end = msg.Length;
            while (end > 0 && msg[end - 1] is (byte)'\r' or (byte)'\n') end--;
            w.Error(System.Text.Encoding.Latin1.GetString(msg[..end]));
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "ok") == Lua.TString)
        {
            w.SimpleString(System.Text.Encoding.Latin1.GetString(Lua.ToBytes(l, -1)).Replace('\r', ' ').Replace('\n', ' '));
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "double") == Lua.TNumber)
        {
            w.Double(Lua.ToNumber(l, -1));
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "big_number") == Lua.TString)
        {
            var text = Lua.ToBytes(l, -1).ToArray();
            for (int i = 0; i < text.Length; i++)
                if (text[i] is (byte)'\r' or (byte)'\n') text[i] = (byte)' ';
            if (w.Resp3)
            {
                w.Raw("("u8);
                w.Raw(text);
                w.Raw("\r\n"u8);
            }
            else w.Bulk(text);
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "verbatim_string") == Lua.TTable)
        {
            int v = Lua.GetTop(l);
            if (Lua.RawGetField(l, v, "format") == Lua.TString && Lua.RawGetField(l, v, "string") == Lua.TString)
            {
                var format = Lua.ToBytes(l, -2);
                var str = Lua.ToBytes(l, -1);
                if (w.Resp3)
                {
                    Span<byte> head = stackalloc byte[32];
                    head[0] = (byte)'=';
                    Utf8Formatter.TryFormat(str.Length + 4, head[1..], out int n);
                    int p = 1 + n;
                    head[p++] = (byte)'\r';
                    head[p++] = (byte)'\n';
                    for (int i = 0; i < 3; i++) head[p + i] = i < format.Length && format[i] != 0 ? format[i] : (byte)'x';
                    head[p + 3] = (byte)':';
                    w.Raw(head[..(p + 4)]);
                    w.Raw(str);
                    w.Raw("\r\n"u8);
                }
                else w.Bulk(str);
                Lua.Pop(l, 3);
                return;
            }
            Lua.SetTop(l, v);
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "map") == Lua.TTable)
        {
            int m = Lua.GetTop(l);
            int start = w.BeginDeferred();
            int pairs = 0;
            Lua.PushNil(l);
            while (Lua.Next(l, m) != 0)
            {
                int top = Lua.GetTop(l);
                Write(l, top - 1, w, scriptResp, depth + 1);
                Write(l, top, w, scriptResp, depth + 1);
                Lua.Pop(l, 1);
                pairs++;
            }
            w.EndDeferredMap(start, pairs);
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        if (Lua.RawGetField(l, index, "set") == Lua.TTable)
        {
            int s = Lua.GetTop(l);
            int start = w.BeginDeferred();
            int count = 0;
            Lua.PushNil(l);
            while (Lua.Next(l, s) != 0)
            {
                Lua.Pop(l, 1);
                Write(l, Lua.GetTop(l), w, scriptResp, depth + 1);
                count++;
            }
            w.EndDeferredSet(start, count);
            Lua.Pop(l, 1);
            return;
        }
        Lua.Pop(l, 1);
        int arrStart = w.BeginDeferred();
        int len = 0;
        while (true)
        {
            if (Lua.RawGetI(l, index, len + 1) == Lua.TNil)
            {
                Lua.Pop(l, 1);
                break;
            }
            Write(l, Lua.GetTop(l), w, scriptResp, depth + 1);
            Lua.Pop(l, 1);
            len++;
        }
        w.EndDeferredArray(arrStart, len);
    }
}
