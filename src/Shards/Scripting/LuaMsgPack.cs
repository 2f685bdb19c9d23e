using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TdbPlus.Shards.Scripting;

/// <summary>cmsgpack.pack / unpack / unpack_one / unpack_limit, encoding as lua-cmsgpack does in Redis.</summary>
internal static unsafe class LuaMsgPack
{
    private const int MaxNesting = 16;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int Pack(IntPtr l)
    {
        try
        {
            int argc = Lua.GetTop(l);
            if (argc == 0) return ScriptingEngine.Fail(l, "bad argument #0 to 'pack' (MessagePack pack needs input.)");
            var o = new List<byte>(64);
            for (int i = 1; i <= argc; i++) EncodeValue(l, i, o, 0);
            Lua.SetTop(l, 0);
            Lua.PushBoolean(l, 1);
            Lua.PushBytes(l, CollectionsMarshal.AsSpan(o));
            return 2;
        }
        catch (Exception ex)
        {
            return ScriptingEngine.Fail(l, ex.Message);
        }
    }

    private static void EncodeValue(IntPtr l, int index, List<byte> o, int level)
    {
        switch (Lua.Type(l, index))
        {
            case Lua.TString:
                EncodeBytes(Lua.ToBytes(l, index), o);
                return;
            case Lua.TBoolean:
                o.Add(Lua.ToBoolean(l, index) != 0 ? (byte)0xc3 : (byte)0xc2);
                return;
            case Lua.TNumber:
                if (Lua.IsInteger(l, index) != 0)
                {
                    EncodeInt(Lua.ToInteger(l, index), o);
                    return;
                }
                double n = Lua.ToNumber(l, index);
                if (!double.IsInfinity(n) && !double.IsNaN(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (long)n == n)
                {
                    EncodeInt((long)n, o);
                    return;
                }
                float f = (float)n;
                if (f == n)
                {
                    o.Add(0xca);
                    Span<byte> b4 = stackalloc byte[4];
                    BinaryPrimitives.WriteSingleBigEndian(b4, f);
                    foreach (var b in b4) o.Add(b);
                }
                else
                {
                    o.Add(0xcb);
                    Span<byte> b8 = stackalloc byte[8];
                    BinaryPrimitives.WriteDoubleBigEndian(b8, n);
                    foreach (var b in b8) o.Add(b);
                }
                return;
            case Lua.TTable when level < MaxNesting:
                EncodeTable(l, index, o, level + 1);
                return;
            default:
                o.Add(0xc0);
                return;
        }
    }

    private static void EncodeBytes(ReadOnlySpan<byte> s, List<byte> o)
    {
        int len = s.Length;
        if (len < 32) o.Add((byte)(0xa0 | len));
        else if (len <= 0xff)
        {
            o.Add(0xd9);
            o.Add((byte)len);
        }
        else if (len <= 0xffff)
        {
            o.Add(0xda);
            o.Add((byte)(len >> 8));
            o.Add((byte)len);
        }
        else
        {
            o.Add(0xdb);
            o.Add((byte)(len >> 24));
            o.Add((byte)(len >> 16));
            o.Add((byte)(len >> 8));
            o.Add((byte)len);
        }
        foreach (var b in s) o.Add(b);
    }

    private static void BigEndian(List<byte> o, ulong v, int bytes)
    {
        for (int i = bytes - 1; i >= 0; i--) o.Add((byte)(v >> (8 * i)));
    }

    private static void EncodeInt(long n, List<byte> o)
    {
        if (n >= 0)
        {
            if (n <= 127) o.Add((byte)n);
            else if (n <= 0xff) { o.Add(0xcc); BigEndian(o, (ulong)n, 1); }
            else if (n <= 0xffff) { o.Add(0xcd); BigEndian(o, (ulong)n, 2); }
            else if (n <= 0xffffffffL) { o.Add(0xce); BigEndian(o, (ulong)n, 4); }
            else { o.Add(0xcf); BigEndian(o, (ulong)n, 8); }
        }
        else
        {
            if (n >= -32) o.Add((byte)n);
            else if (n >= -128) { o.Add(0xd0); BigEndian(o, (ulong)n, 1); }
            else if (n >= -32768) { o.Add(0xd1); BigEndian(o, (ulong)n, 2); }
            else if (n >= -2147483648L) { o.Add(0xd2); BigEndian(o, (ulong)n, 4); }
            else { o.Add(0xd3); BigEndian(o, (ulong)n, 8); }
        }
    }

    private static void EncodeTable(IntPtr l, int index, List<byte> o, int level)
    {
        Lua.CheckStack(l, 4);
        long count = 0, max = 0;
        bool array = true;
        Lua.PushNil(l);
        while (Lua.Next(l, index) != 0)
        {
            Lua.Pop(l, 1);
            count++;
            if (Lua.Type(l, -1) == Lua.TNumber)
            {
                double k = Lua.ToNumber(l, -1);
                if (k >= 1 && Math.Floor(k) == k)
                {
                    if (k > max) max = (long)k;
                    continue;
                }
            }
            array = false;
        }
        if (array && max == count)
        {
            Header(o, count, 0x90, 0xdc, 0xdd);
            for (long i = 1; i <= count; i++)
            {
                Lua.RawGetI(l, index, i);
                EncodeValue(l, Lua.GetTop(l), o, level);
                Lua.Pop(l, 1);
            }
            return;
        }
        Header(o, count, 0x80, 0xde, 0xdf);
        Lua.PushNil(l);
        while (Lua.Next(l, index) != 0)
        {
            int top = Lua.GetTop(l);
            EncodeValue(l, top - 1, o, level);
            EncodeValue(l, top, o, level);
            Lua.Pop(l, 1);
        }
    }

    private static void Header(List<byte> o, long n, byte fix, byte b16, byte b32)
    {
        if (n < 16) o.Add((byte)(fix | n));
        else if (n <= 0xffff) { o.Add(b16); BigEndian(o, (ulong)n, 2); }
        else { o.Add(b32); BigEndian(o, (ulong)n, 4); }
    }

    // ---------------------------------------------------------------- decode

    private sealed class MsgPackError(string message) : Exception(message);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int Unpack(IntPtr l) => Decode(l, limit: 0, offset: 0, withOffset: false, "unpack");

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int UnpackOne(IntPtr l)
    {
        long offset = Lua.GetTop(l) >= 2 ? (long)Lua.ToNumber(l, 2) : 0;
        return Decode(l, 1, offset, true, "unpack_one");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static int UnpackLimit(IntPtr l)
    {
        long limit = Lua.GetTop(l) >= 2 ? (long)Lua.ToNumber(l, 2) : 0;
        long offset = Lua.GetTop(l) >= 3 ? (long)Lua.ToNumber(l, 3) : 0;
        return Decode(l, limit, offset, true, "unpack_limit");
    }

    private static int Decode(IntPtr l, long limit, long offset, bool withOffset, string fn)
    {
        try
        {
            if (Lua.Type(l, 1) != Lua.TString) return ScriptingEngine.Fail(l, ScriptingEngine.ArgError(l, 1, fn, "string"));
            byte[] data = Lua.ToBytes(l, 1).ToArray();
            if (offset < 0 || limit < 0)
                return ScriptingEngine.Fail(l, $"Invalid request to unpack with offset of {offset} and limit of {limit}.");
            if (offset > data.Length)
                return ScriptingEngine.Fail(l, $"Start offset {offset} greater than input length {data.Length}.");
            Lua.SetTop(l, 0);
            Lua.PushBoolean(l, 1);
            if (withOffset) Lua.PushInteger(l, 0);
            int pos = (int)offset;
            long count = 0;
            try
            {
                while (pos < data.Length && (limit == 0 || count < limit))
                {
                    Lua.CheckStack(l, 4);
                    DecodeValue(l, data, ref pos, 0);
                    count++;
                }
            }
            catch (MsgPackError e)
            {
                return ScriptingEngine.Fail(l, e.Message);
            }
            if (withOffset)
            {
                Lua.PushInteger(l, pos >= data.Length ? -1 : pos);
                Lua.Rotate(l, 2, 1);
                Lua.Remove(l, 3);
            }
            return Lua.GetTop(l);
        }
        catch (Exception ex)
        {
            return ScriptingEngine.Fail(l, ex.Message);
        }
    }

    private static ReadOnlySpan<byte> Take(byte[] d, ref int pos, long n)
    {
        if (n < 0 || d.Length - pos < n) throw new MsgPackError("Missing bytes in input.");
        var s = d.AsSpan(pos, (int)n);
        pos += (int)n;
        return s;
    }

    private static void DecodeValue(IntPtr l, byte[] d, ref int pos, int depth)
    {
        if (depth > 1000 || Lua.CheckStack(l, 4) == 0) throw new MsgPackError("Bad data format in input.");
        byte c = Take(d, ref pos, 1)[0];
        switch (c)
        {
            case 0xc0: Lua.PushNil(l); return;
            case 0xc2: Lua.PushBoolean(l, 0); return;
            case 0xc3: Lua.PushBoolean(l, 1); return;
            case 0xcc: Lua.PushInteger(l, Take(d, ref pos, 1)[0]); return;
            case 0xcd: Lua.PushInteger(l, BinaryPrimitives.ReadUInt16BigEndian(Take(d, ref pos, 2))); return;
            case 0xce: Lua.PushInteger(l, BinaryPrimitives.ReadUInt32BigEndian(Take(d, ref pos, 4))); return;
            case 0xcf:
            {
                ulong u = BinaryPrimitives.ReadUInt64BigEndian(Take(d, ref pos, 8));
                if (u > long.MaxValue) Lua.PushNumber(l, u);
                else Lua.PushInteger(l, (long)u);
                return;
            }
            case 0xd0: Lua.PushInteger(l, (sbyte)Take(d, ref pos, 1)[0]); return;
            case 0xd1: Lua.PushInteger(l, BinaryPrimitives.ReadInt16BigEndian(Take(d, ref pos, 2))); return;
            case 0xd2: Lua.PushInteger(l, BinaryPrimitives.ReadInt32BigEndian(Take(d, ref pos, 4))); return;
            case 0xd3: Lua.PushInteger(l, BinaryPrimitives.ReadInt64BigEndian(Take(d, ref pos, 8))); return;
            case 0xca: Lua.PushNumber(l, BinaryPrimitives.ReadSingleBigEndian(Take(d, ref pos, 4))); return;
            case 0xcb: Lua.PushNumber(l, BinaryPrimitives.ReadDoubleBigEndian(Take(d, ref pos, 8))); return;
            case 0xd9 or 0xc4: Lua.PushBytes(l, Take(d, ref pos, Take(d, ref pos, 1)[0])); return;
            case 0xda or 0xc5: Lua.PushBytes(l, Take(d, ref pos, BinaryPrimitives.ReadUInt16BigEndian(Take(d, ref pos, 2)))); return;
            case 0xdb or 0xc6: Lua.PushBytes(l, Take(d, ref pos, BinaryPrimitives.ReadUInt32BigEndian(Take(d, ref pos, 4)))); return;
            case 0xdc: Array(l, d, ref pos, BinaryPrimitives.ReadUInt16BigEndian(Take(d, ref pos, 2)), depth); return;
            case 0xdd: Array(l, d, ref pos, BinaryPrimitives.ReadUInt32BigEndian(Take(d, ref pos, 4)), depth); return;
            case 0xde: Map(l, d, ref pos, BinaryPrimitives.ReadUInt16BigEndian(Take(d, ref pos, 2)), depth); return;
            case 0xdf: Map(l, d, ref pos, BinaryPrimitives.ReadUInt32BigEndian(Take(d, ref pos, 4)), depth); return;
        }
        if (c <= 0x7f) Lua.PushInteger(l, c);
        else if (c >= 0xe0) Lua.PushInteger(l, (sbyte)c);
        else if ((c & 0xe0) == 0xa0) Lua.PushBytes(l, Take(d, ref pos, c & 0x1f));
        else if ((c & 0xf0) == 0x90) Array(l, d, ref pos, c & 0x0f, depth);
        else if ((c & 0xf0) == 0x80) Map(l, d, ref pos, c & 0x0f, depth);
        else throw new MsgPackError("Bad data format in input.");
    }

    private static void Array(IntPtr l, byte[] d, ref int pos, long n, int depth)
    {
        Lua.CreateTable(l, (int)Math.Min(n, 1 << 16), 0);
        for (long i = 1; i <= n; i++)
        {
            DecodeValue(l, d, ref pos, depth + 1);
            Lua.RawSetI(l, -2, i);
        }
    }

    private static void Map(IntPtr l, byte[] d, ref int pos, long n, int depth)
    {
        Lua.CreateTable(l, 0, (int)Math.Min(n, 1 << 16));
        for (long i = 0; i < n; i++)
        {
            DecodeValue(l, d, ref pos, depth + 1);
            DecodeValue(l, d, ref pos, depth + 1);
            if (Lua.Type(l, -2) == Lua.TNil) Lua.Pop(l, 2);
            else Lua.RawSet(l, -3);
        }
    }
}
