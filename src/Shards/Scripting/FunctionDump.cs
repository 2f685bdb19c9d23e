using System.Buffers.Binary;

namespace TdbPlus.Shards.Scripting;

/// <summary>
/// FUNCTION DUMP / RESTORE payloads in Redis 7.0's format: for each library RDB_OPCODE_FUNCTION2 (245) and its
/// code as an RDB string (LZF-compressed when that is shorter, as Redis does with rdbcompression on), then the
/// RDB version (10, two bytes little endian) and the CRC64 (Jones, little endian) of everything before.
/// </summary>
public static class FunctionDump
{
    private const byte OpcodeFunction2 = 245;
    private const byte OpcodeFunctionPreGa = 246;
    private const ushort RdbVersion = 10;

    public static byte[] Dump(IEnumerable<FunctionLibrary> libraries)
    {
        var o = new List<byte>();
        foreach (var lib in libraries)
        {
            o.Add(OpcodeFunction2);
            WriteString(o, lib.Code);
        }
        o.Add((byte)(RdbVersion & 0xff));
        o.Add((byte)(RdbVersion >> 8));
        ulong crc = Crc64(0, o.ToArray());
        for (int i = 0; i < 8; i++) o.Add((byte)(crc >> (8 * i)));
        return [.. o];
    }

    /// <summary>Parses a payload; null with the error reply when it is not valid.</summary>
    public static List<byte[]>? Parse(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        if (payload.Length < 10)
        {
            error = "ERR DUMP payload version or checksum are wrong";
            return null;
        }
        var footer = payload[^10..];
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        ulong crc = BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]);
        if (version > RdbVersion || Crc64(0, payload[..^8]) != crc)
        {
            error = "ERR DUMP payload version or checksum are wrong";
            return null;
        }
        var body = payload[..^10];
        var codes = new List<byte[]>();
        int pos = 0;
        while (pos < body.Length)
        {
            byte op = body[pos++];
            if (op == OpcodeFunctionPreGa)
            {
                error = "ERR Pre-GA function format not supported";
                return null;
            }
            if (op != OpcodeFunction2)
            {
                error = "ERR given type is not a function";
                return null;
            }
            var code = ReadString(body, ref pos);
            if (code is null)
            {
                error = "ERR Failed loading library";
                return null;
            }
            codes.Add(code);
        }
        return codes;
    }

    // ---------------------------------------------------------------- RDB strings

    private static void WriteLength(List<byte> o, long len)
    {
        if (len < 64) o.Add((byte)len);
        else if (len < 16384)
        {
            o.Add((byte)(0x40 | (len >> 8)));
            o.Add((byte)len);
        }
        else if (len <= uint.MaxValue)
        {
            o.Add(0x80);
            for (int i = 3; i >= 0; i--) o.Add((byte)(len >> (8 * i)));
        }
        else
        {
            o.Add(0x81);
            for (int i = 7; i >= 0; i--) o.Add((byte)(len >> (8 * i)));
        }
    }

    private static void WriteString(List<byte> o, byte[] s)
    {
        if (s.Length > 20)
        {
            var compressed = Lzf.Compress(s, s.Length - 4);
            if (compressed is not null)
            {
                o.Add(0xc3);
                WriteLength(o, compressed.Length);
                WriteLength(o, s.Length);
                o.AddRange(compressed);
                return;
            }
        }
        WriteLength(o, s.Length);
        o.AddRange(s);
    }

    private static bool ReadLength(ReadOnlySpan<byte> b, ref int pos, out long len, out bool encoded)
    {
        len = 0;
        encoded = false;
        if (pos >= b.Length) return false;
        byte first = b[pos++];
        switch (first >> 6)
        {
            case 0:
                len = first & 0x3f;
                return true;
            case 1:
                if (pos >= b.Length) return false;
                len = ((first & 0x3f) << 8) | b[pos++];
                return true;
            case 3:
                encoded = true;
                len = first & 0x3f;
                return true;
        }
        int n = first == 0x80 ? 4 : first == 0x81 ? 8 : -1;
        if (n < 0 || b.Length - pos < n) return false;
        for (int i = 0; i < n; i++) len = (len << 8) | b[pos++];
        return true;
    }

    private static byte[]? ReadString(ReadOnlySpan<byte> b, ref int pos)
    {
        if (!ReadLength(b, ref pos, out long len, out bool encoded)) return null;
        if (!encoded)
        {
            if (len > b.Length - pos) return null;
            var s = b.Slice(pos, (int)len).ToArray();
            pos += (int)len;
            return s;
        }
        switch (len)
        {
            case 0:
                if (pos + 1 > b.Length) return null;
                return System.Text.Encoding.ASCII.GetBytes(((sbyte)b[pos++]).ToString());
            case 1:
                if (pos + 2 > b.Length) return null;
                var v16 = BinaryPrimitives.ReadInt16LittleEndian(b[pos..]);
                pos += 2;
                return System.Text.Encoding.ASCII.GetBytes(v16.ToString());
            case 2:
                if (pos + 4 > b.Length) return null;
                var v32 = BinaryPrimitives.ReadInt32LittleEndian(b[pos..]);
                pos += 4;
                return System.Text.Encoding.ASCII.GetBytes(v32.ToString());
            case 3:
                if (!ReadLength(b, ref pos, out long clen, out _) || !ReadLength(b, ref pos, out long ulen, out _)) return null;
                if (clen > b.Length - pos || ulen > 512L * 1024 * 1024) return null;
                var output = Lzf.Decompress(b.Slice(pos, (int)clen), (int)ulen);
                pos += (int)clen;
                return output;
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- CRC64 (Redis's crc64: Jones polynomial, reflected)

    private static readonly ulong[] CrcTable = BuildCrcTable();

    private static ulong[] BuildCrcTable()
    {
        const ulong poly = 0x95ac9329ac4bc9b5UL;
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            ulong crc = i;
            for (int j = 0; j < 8; j++) crc = (crc & 1) != 0 ? (crc >> 1) ^ poly : crc >> 1;
            table[i] = crc;
        }
        return table;
    }

    public static ulong Crc64(ulong crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }
}

/// <summary>LZF as liblzf 3.6 in Redis (HLOG 16, the "very fast" hash), so compressed payloads match Redis's.</summary>
internal static class Lzf
{
    private const int HLog = 16;
    private const int HSize = 1 << HLog;
    private const int MaxOff = 1 << 13;
    private const int MaxRef = (1 << 8) + (1 << 3);
    private const int MaxLit = 1 << 5;

    private static int Slot(uint h) => (int)(((h >> (3 * 8 - HLog)) - h * 5) & (HSize - 1));

    /// <summary>Compressed bytes (lzf_compress), or null when they would not fit in <paramref name="outLen"/> bytes.</summary>
    public static byte[]? Compress(byte[] input, int outLen)
    {
        if (outLen <= 0 || input.Length < 3) return null;
        var htab = new int[HSize]; // position + 1; 0 = empty
        var output = new byte[outLen + 8];
        int inEnd = input.Length;
        int outEnd = outLen;
        int ip = 0, op = 0, lit = 0;
        op++; // start run
        uint hval = (uint)((input[ip] << 8) | input[ip + 1]);
        while (ip < inEnd - 2)
        {
            hval = (hval << 8) | input[ip + 2];
            int slot = Slot(hval);
            int reference = htab[slot] - 1;
            htab[slot] = ip + 1;
            int off = ip - reference - 1;
            if (reference > 0 && off >= 0 && off < MaxOff
                && input[reference + 2] == input[ip + 2] && input[reference] == input[ip] && input[reference + 1] == input[ip + 1])
            {
                int len = 2;
                int maxlen = inEnd - ip - len;
                maxlen = maxlen > MaxRef ? MaxRef : maxlen;
                if (op + 3 + 1 >= outEnd && op - (lit == 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
                output[op - lit - 1] = (byte)(lit - 1); // stop run
                op -= lit == 0 ? 1 : 0; // undo run if length is zero
                do len++;
                while (len < maxlen && input[reference + len] == input[ip + len]);
                len -= 2;
                ip++;
                if (len < 7) output[op++] = (byte)((off >> 8) + (len << 5));
                else
                {
                    output[op++] = (byte)((off >> 8) + (7 << 5));
                    output[op++] = (byte)(len - 7);
                }
                output[op++] = (byte)off;
                lit = 0;
                op++; // start run
                ip += len + 1;
                if (ip >= inEnd - 2) break;
                ip -= 2;
                hval = (uint)((input[ip] << 8) | input[ip + 1]);
                hval = (hval << 8) | input[ip + 2];
                htab[Slot(hval)] = ip + 1;
                ip++;
                hval = (hval << 8) | input[ip + 2];
                htab[Slot(hval)] = ip + 1;
                ip++;
            }
            else
            {
                if (op >= outEnd) return null;
                lit++;
                output[op++] = input[ip++];
                if (lit == MaxLit)
                {
                    output[op - lit - 1] = (byte)(lit - 1);
                    lit = 0;
                    op++;
                }
            }
        }
        if (op + 3 > outEnd) return null;
        while (ip < inEnd)
        {
            lit++;
            output[op++] = input[ip++];
            if (lit == MaxLit)
            {
                output[op - lit - 1] = (byte)(lit - 1);
                lit = 0;
                op++;
            }
        }
        output[op - lit - 1] = (byte)(lit - 1);
        op -= lit == 0 ? 1 : 0;
        return output.AsSpan(0, op).ToArray();
    }

    public static byte[]? Decompress(ReadOnlySpan<byte> input, int outLen)
    {
        var output = new byte[outLen];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                ctrl++;
                if (op + ctrl > outLen || ip + ctrl > input.Length) return null;
                input.Slice(ip, ctrl).CopyTo(output.AsSpan(op));
                ip += ctrl;
                op += ctrl;
            }
            else
            {
                int len = ctrl >> 5;
                int reference = op - ((ctrl & 0x1f) << 8) - 1;
                if (ip >= input.Length) return null;
                if (len == 7)
                {
                    len += input[ip++];
                    if (ip >= input.Length) return null;
                }
                reference -= input[ip++];
                len += 2;
                if (op + len > outLen || reference < 0) return null;
                for (int i = 0; i < len; i++) output[op++] = output[reference++];
            }
        }
        return op == outLen ? output : null;
    }
}
