namespace TdbPlus.Shards.Codecs;

/// <summary>
/// Redis's CRC-64 ("Jones" polynomial 0xad93d23594c935a9, reflected input and output, initial value 0, no
/// final xor), as crc64.c computes it for RDB trailers and DUMP payloads. Check value of "123456789":
/// 0xe9c6d914c4b8d9ca. Slicing-by-8 tables keep it near memory speed.
/// </summary>
public struct Crc64
{
    private static readonly ulong[][] s_tables = BuildTables();

    public ulong Value { readonly get; private set; }

    public Crc64(ulong initial) => Value = initial;

    public void Append(ReadOnlySpan<byte> data) => Value = Update(Value, data);

    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);

    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var t = s_tables;
        ulong[] t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7];
        int i = 0;
        while (data.Length - i >= 8)
        {
            ulong v = crc ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            crc = t7[v & 0xFF] ^ t6[(v >> 8) & 0xFF] ^ t5[(v >> 16) & 0xFF] ^ t4[(v >> 24) & 0xFF] ^
                  t3[(v >> 32) & 0xFF] ^ t2[(v >> 40) & 0xFF] ^ t1[(v >> 48) & 0xFF] ^ t0[v >> 56];
            i += 8;
        }
        for (; i < data.Length; i++) crc = t0[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static ulong[][] BuildTables()
    {
        const ulong reflectedPoly = 0x95AC9329AC4BC9B5; // 0xad93d23594c935a9 bit-reversed
        var tables = new ulong[8][];
        for (int k = 0; k < 8; k++) tables[k] = new ulong[256];
        for (int n = 0; n < 256; n++)
        {
            ulong c = (ulong)n;
            for (int b = 0; b < 8; b++) c = (c & 1) != 0 ? (c >> 1) ^ reflectedPoly : c >> 1;
            tables[0][n] = c;
        }
        for (int n = 0; n < 256; n++)
        {
            ulong c = tables[0][n];
            for (int k = 1; k < 8; k++)
            {
                c = tables[0][c & 0xFF] ^ (c >> 8);
                tables[k][n] = c;
            }
        }
        return tables;
    }
}
