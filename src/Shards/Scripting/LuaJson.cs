using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TdbPlus.Shards.Scripting;

/// <summary>
/// cjson.encode / cjson.decode with lua-cjson's behaviour as Redis ships it: numbers as "%.14g", '/' escaped,
/// empty tables as {}, sparse-array and nesting limits, its error texts.
/// </summary>
internal static unsafe class LuaJson
{
    private const int MaxDepth = 1000;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int Encode(IntPtr l)
    {
        try
        {
            if (Lua.GetTop(l) != 1) return ScriptingEngine.Fail(l, "bad argument #1 to 'encode' (expected 1 argument)");
            var sb = new StringBuilder();
            var bytes = new List<byte>(64);
            string? error = EncodeValue(l, 1, bytes, 0);
            if (error is not null) return ScriptingEngine.Fail(l, error);
            Lua.SetTop(l, 0);
            Lua.PushBoolean(l, 1);
            Lua.PushBytes(l, CollectionsMarshal.AsSpan(bytes));
            return 2;
        }
        catch (Exception ex)
        {
            return ScriptingEngine.Fail(l, ex.Message);
        }
    }

    private static void Append(List<byte> o, string ascii)
    {
        foreach (char c in ascii) o.Add((byte)c);
    }

    private static string? EncodeValue(IntPtr l, int index, List<byte> o, int depth)
    {
        switch (Lua.Type(l, index))
        {
            case Lua.TString:
                EncodeString(Lua.ToBytes(l, index), o);
                return null;
            case Lua.TNumber:
            {
                double d = Lua.ToNumber(l, index);
                if (double.IsNaN(d) || double.IsInfinity(d)) return "Cannot serialise number: must not be NaN or Inf";
                Append(o, FormatG(d, 14));
                return null;
            }
            case Lua.TBoolean:
                Append(o, Lua.ToBoolean(l, index) != 0 ? "true" : "false");
                return null;
            case Lua.TNil:
                Append(o, "null");
                return null;
            case Lua.TLightUserData when Lua.ToPointer(l, index) == IntPtr.Zero:
                Append(o, "null");
                return null;
            case Lua.TTable:
                return EncodeTable(l, index, o, depth + 1);
            default:
                return $"Cannot serialise {ScriptingEngine.TypeName(Lua.Type(l, index))}: type not supported";
        }
    }

    private static string? EncodeTable(IntPtr l, int index, List<byte> o, int depth)
    {
        if (depth > MaxDepth || Lua.CheckStack(l, 4) == 0) return $"Cannot serialise, excessive nesting ({depth})";
        // lua_array_length: positive integer keys only; max and count; excessively sparse arrays are refused.
        long max = 0, items = 0;
        bool array = true;
        Lua.PushNil(l);
        while (Lua.Next(l, index) != 0)
        {
            Lua.Pop(l, 1);
            if (Lua.Type(l, -1) == Lua.TNumber)
            {
                double k = Lua.ToNumber(l, -1);
                if (k >= 1 && Math.Floor(k) == k)
                {
                    if (k > max) max = (long)k;
                    items++;
                    continue;
                }
            }
            array = false;
            Lua.Pop(l, 1);
            break;
        }
        if (array && max > 10 && max > items * 2) return "Cannot serialise table: excessively sparse array";
        if (array && max > 0)
        {
            o.Add((byte)'[');
            for (long i = 1; i <= max; i++)
            {
                if (i > 1) o.Add((byte)',');
                Lua.RawGetI(l, index, i);
                string? err = EncodeValue(l, Lua.GetTop(l), o, depth);
                Lua.Pop(l, 1);
                if (err is not null) return err;
            }
            o.Add((byte)']');
            return null;
        }
        o.Add((byte)'{');
        bool first = true;
        Lua.PushNil(l);
        while (Lua.Next(l, index) != 0)
        {
            int top = Lua.GetTop(l);
            if (!first) o.Add((byte)',');
            first = false;
            int kt = Lua.Type(l, top - 1);
            if (kt == Lua.TString) EncodeString(Lua.ToBytes(l, top - 1), o);
            else if (kt == Lua.TNumber)
            {
                o.Add((byte)'"');
                Append(o, FormatG(Lua.ToNumber(l, top - 1), 14));
                o.Add((byte)'"');
            }
            else
            {
                Lua.Pop(l, 2);
                return "Cannot serialise table: table key must be a number or string";
            }
            o.Add((byte)':');
            string? err = EncodeValue(l, top, o, depth);
            Lua.Pop(l, 1);
            if (err is not null)
            {
                Lua.Pop(l, 1);
                return err;
            }
        }
        o.Add((byte)'}');
        return null;
    }

    private static void EncodeString(ReadOnlySpan<byte> s, List<byte> o)
    {
        o.Add((byte)'"');
        foreach (byte b in s)
        {
            switch (b)
            {
                case (byte)'"': Append(o, "\\\""); break;
                case (byte)'\\': Append(o, "\\\\"); break;
                case (byte)'/': Append(o, "\\/"); break;
                case (byte)'\b': Append(o, "\\b"); break;
                case (byte)'\f': Append(o, "\\f"); break;
                case (byte)'\n': Append(o, "\\n"); break;
                case (byte)'\r': Append(o, "\\r"); break;
                case (byte)'\t': Append(o, "\\t"); break;
                default:
                    if (b < 32 || b == 127) Append(o, $"\\u{b:x4}");
                    else o.Add(b);
                    break;
            }
        }
        o.Add((byte)'"');
    }

    /// <summary>C's "%.&lt;precision&gt;g".</summary>
    internal static string FormatG(double d, int precision)
    {
        if (double.IsNaN(d)) return d < 0 ? "-nan" : "nan";
        if (double.IsInfinity(d)) return d < 0 ? "-inf" : "inf";
        if (d == 0) return 1 / d < 0 ? "-0" : "0";
        string e = d.ToString("E" + (precision - 1), CultureInfo.InvariantCulture);
        int ePos = e.IndexOf('E');
        int exp = int.Parse(e.AsSpan(ePos + 1), CultureInfo.InvariantCulture);
        if (exp < -4 || exp >= precision)
        {
            string mant = e[..ePos];
            if (mant.Contains('.')) mant = mant.TrimEnd('0').TrimEnd('.');
            return $"{mant}e{(exp < 0 ? '-' : '+')}{Math.Abs(exp):D2}";
        }
        string f = d.ToString("F" + Math.Max(0, precision - 1 - exp), CultureInfo.InvariantCulture);
        if (f.Contains('.')) f = f.TrimEnd('0').TrimEnd('.');
        return f;
    }

    // ---------------------------------------------------------------- decode

    private enum Tok { ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error }

    private static readonly string[] TokNames =
        ["T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR"];

    private ref struct Decoder
    {
        public ReadOnlySpan<byte> S;
        public int Pos;
        public Tok Type;
        public int Index;
        public string? ErrorText;
        public byte[]? Str;
        public double Num;
        public long Int;
        public bool IsInt;
        public bool Bool;
    }

    private sealed class JsonError(string message) : Exception(message);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int Decode(IntPtr l)
    {
        try
        {
            if (Lua.GetTop(l) != 1) return ScriptingEngine.Fail(l, "bad argument #1 to 'decode' (expected 1 argument)");
            if (Lua.Type(l, 1) != Lua.TString && Lua.Type(l, 1) != Lua.TNumber)
                return ScriptingEngine.Fail(l, ScriptingEngine.ArgError(l, 1, "decode", "string"));
            byte[] json = Lua.ToBytes(l, 1).ToArray();
            var d = new Decoder { S = json };
            int baseTop = Lua.GetTop(l);
            try
            {
                Next(ref d);
                Value(l, ref d, 0);
                Next(ref d);
                if (d.Type != Tok.End) Throw(ref d, "the end");
            }
            catch (JsonError e)
            {
                Lua.SetTop(l, baseTop);
                return ScriptingEngine.Fail(l, e.Message);
            }
            Lua.Insert(l, 1);
            Lua.SetTop(l, 1);
            Lua.PushBoolean(l, 1);
            Lua.Insert(l, 1);
            return 2;
        }
        catch (Exception ex)
        {
            return ScriptingEngine.Fail(l, ex.Message);
        }
    }

    private static void Throw(ref Decoder d, string expected)
    {
        string found = d.Type == Tok.Error ? d.ErrorText! : TokNames[(int)d.Type];
        throw new JsonError($"Expected {expected} but found {found} at character {d.Index + 1}");
    }

    private static void Value(IntPtr l, ref Decoder d, int depth)
    {
        switch (d.Type)
        {
            case Tok.String:
                Lua.PushBytes(l, d.Str);
                break;
            case Tok.Number:
                if (d.IsInt) Lua.PushInteger(l, d.Int);
                else Lua.PushNumber(l, d.Num);
                break;
            case Tok.Boolean:
                Lua.PushBoolean(l, d.Bool ? 1 : 0);
                break;
            case Tok.Null:
                Lua.PushLightUserData(l, IntPtr.Zero);
                break;
            case Tok.ObjBegin:
                Object(l, ref d, depth + 1);
                break;
            case Tok.ArrBegin:
                Array(l, ref d, depth + 1);
                break;
            default:
                Throw(ref d, "value");
                break;
        }
    }

    private static void Nesting(IntPtr l, ref Decoder d, int depth)
    {
        if (depth > MaxDepth || Lua.CheckStack(l, 4) == 0)
            throw new JsonError($"Found too many nested data structures ({depth}) at character {d.Index + 1}");
    }

    private static void Object(IntPtr l, ref Decoder d, int depth)
    {
        Nesting(l, ref d, depth);
        Lua.NewTable(l);
        Next(ref d);
        if (d.Type == Tok.ObjEnd) return;
        while (true)
        {
            if (d.Type != Tok.String) Throw(ref d, "object key string");
            Lua.PushBytes(l, d.Str);
            Next(ref d);
            if (d.Type != Tok.Colon) Throw(ref d, "colon");
            Next(ref d);
            Value(l, ref d, depth);
            Lua.RawSet(l, -3);
            Next(ref d);
            if (d.Type == Tok.ObjEnd) return;
            if (d.Type != Tok.Comma) Throw(ref d, "comma or object end");
            Next(ref d);
        }
    }

    private static void Array(IntPtr l, ref Decoder d, int depth)
    {
        Nesting(l, ref d, depth);
        Lua.NewTable(l);
        Next(ref d);
        if (d.Type == Tok.ArrEnd) return;
        for (int i = 1; ; i++)
        {
            Value(l, ref d, depth);
            Lua.RawSetI(l, -2, i);
            Next(ref d);
            if (d.Type == Tok.ArrEnd) return;
            if (d.Type != Tok.Comma) Throw(ref d, "comma or array end");
            Next(ref d);
        }
    }

    private static void Next(ref Decoder d)
    {
        var s = d.S;
        while (d.Pos < s.Length && s[d.Pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') d.Pos++;
        d.Index = d.Pos;
        if (d.Pos >= s.Length)
        {
            d.Type = Tok.End;
            return;
        }
        byte c = s[d.Pos];
        switch (c)
        {
            case (byte)'{': d.Type = Tok.ObjBegin; d.Pos++; return;
            case (byte)'}': d.Type = Tok.ObjEnd; d.Pos++; return;
            case (byte)'[': d.Type = Tok.ArrBegin; d.Pos++; return;
            case (byte)']': d.Type = Tok.ArrEnd; d.Pos++; return;
            case (byte)':': d.Type = Tok.Colon; d.Pos++; return;
            case (byte)',': d.Type = Tok.Comma; d.Pos++; return;
            case (byte)'"': ReadString(ref d); return;
        }
        if (c == (byte)'-' || (c >= (byte)'0' && c <= (byte)'9'))
        {
            ReadNumber(ref d);
            return;
        }
        if (Word(s, d.Pos, "true"u8)) { d.Type = Tok.Boolean; d.Bool = true; d.Pos += 4; return; }
        if (Word(s, d.Pos, "false"u8)) { d.Type = Tok.Boolean; d.Bool = false; d.Pos += 5; return; }
        if (Word(s, d.Pos, "null"u8)) { d.Type = Tok.Null; d.Pos += 4; return; }
        SetError(ref d, "invalid token");
    }

    private static bool Word(ReadOnlySpan<byte> s, int pos, ReadOnlySpan<byte> w) =>
        s.Length - pos >= w.Length && s.Slice(pos, w.Length).SequenceEqual(w);

    private static void SetError(ref Decoder d, string text)
    {
        d.Type = Tok.Error;
        d.ErrorText = text;
    }

    private static void ReadNumber(ref Decoder d)
    {
        var s = d.S;
        int start = d.Pos, p = d.Pos;
        if (s[p] == (byte)'-') p++;
        bool isInt = true;
        while (p < s.Length && (s[p] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
        {
            if (s[p] is (byte)'.' or (byte)'e' or (byte)'E') isInt = false;
            p++;
        }
        var text = Encoding.ASCII.GetString(s[start..p]);
        if (isInt && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long iv) && text != "-0")
        {
            d.IsInt = true;
            d.Int = iv;
        }
        else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double dv))
        {
            d.IsInt = false;
            d.Num = dv;
        }
        else
        {
            SetError(ref d, "invalid number");
            return;
        }
        d.Type = Tok.Number;
        d.Pos = p;
    }

    private static void ReadString(ref Decoder d)
    {
        var s = d.S;
        int p = d.Pos + 1;
        var o = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (p >= s.Length)
            {
                SetError(ref d, "unexpected end of string");
                return;
            }
            byte c = s[p];
            if (c == (byte)'"') break;
            if (c != (byte)'\\')
            {
                o.Add(c);
                p++;
                continue;
            }
            if (p + 1 >= s.Length)
            {
                SetError(ref d, "unexpected end of string");
                return;
            }
            byte e = s[p + 1];
            switch (e)
            {
                case (byte)'"': o.Add((byte)'"'); p += 2; continue;
                case (byte)'\\': o.Add((byte)'\\'); p += 2; continue;
                case (byte)'/': o.Add((byte)'/'); p += 2; continue;
                case (byte)'b': o.Add((byte)'\b'); p += 2; continue;
                case (byte)'f': o.Add((byte)'\f'); p += 2; continue;
                case (byte)'n': o.Add((byte)'\n'); p += 2; continue;
                case (byte)'r': o.Add((byte)'\r'); p += 2; continue;
                case (byte)'t': o.Add((byte)'\t'); p += 2; continue;
                case (byte)'u':
                {
                    if (!Hex4(s, p + 2, out int cp))
                    {
                        SetError(ref d, "invalid unicode escape code");
                        return;
                    }
                    p += 6;
                    if (cp >= 0xD800 && cp <= 0xDBFF)
                    {
                        if (p + 1 < s.Length && s[p] == (byte)'\\' && s[p + 1] == (byte)'u' && Hex4(s, p + 2, out int lo) && lo >= 0xDC00 && lo <= 0xDFFF)
                        {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            p += 6;
                        }
                        else
                        {
                            SetError(ref d, "invalid unicode escape code");
                            return;
                        }
                    }
                    else if (cp >= 0xDC00 && cp <= 0xDFFF)
                    {
                        SetError(ref d, "invalid unicode escape code");
                        return;
                    }
                    int n = new Rune(cp).EncodeToUtf8(utf8);
                    for (int i = 0; i < n; i++) o.Add(utf8[i]);
                    continue;
                }
                default:
                    SetError(ref d, "invalid escape code");
                    return;
            }
        }
        d.Str = [.. o];
        d.Type = Tok.String;
        d.Pos = p + 1;
    }

    private static bool Hex4(ReadOnlySpan<byte> s, int p, out int v)
    {
        v = 0;
        if (s.Length - p < 4) return false;
        for (int i = 0; i < 4; i++)
        {
            int h = HexVal(s[p + i]);
            if (h < 0) return false;
            v = v * 16 + h;
        }
        return true;
    }

    private static int HexVal(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
