namespace TdbPlus.Shards.Codecs;

/// <summary>
/// LZF as Redis builds it (its liblzf with HLOG 16, VERY_FAST, matches allowed up to the last byte, a zeroed hash table): the same input gives the
/// same compressed bytes as redis-server, so DUMP payloads can match byte for byte. Format: 000LLLLL + L+1
/// literal bytes; LLLooooo oooooooo a back reference of L+2 bytes; 111ooooo LLLLLLLL oooooooo one of L+9.
/// </summary>
public sealed class Lzf
{
    private const int HLog = 16;
    private const int HSize = 1 << HLog;
    private const int MaxLit = 1 << 5;
    private const int MaxOff = 1 << 13;
    private const int MaxRef = (1 << 8) + (1 << 3);

    // Last occurrence of each 3-byte hash as _stamp + position + 1; anything at or below the current call's
    // stamp is from an earlier call and reads as empty, which is a zeroed table without clearing 256 KB per call.
    private readonly int[] _table = new int[HSize];
    private int _stamp;

    [ThreadStatic]
    private static Lzf? t_instance;

    /// <summary>A per-thread compressor (its hash table is 256 KB).</summary>
    public static Lzf Shared => t_instance ??= new Lzf();

    private static int Idx(uint h) => (int)(((h >> (3 * 8 - HLog)) - h * 5) & (HSize - 1));

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/> (whose length is the limit, as
    /// lzf_compress's out_len); returns the compressed length, or 0 when it does not fit.
    /// </summary>
    public int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int inLen = input.Length, outEnd = output.Length;
        if (inLen == 0 || outEnd == 0) return 0;
        var htab = _table;
        if (_stamp > int.MaxValue - inLen - 2)
        {
            Array.Clear(htab);
            _stamp = 0;
        }
        int stamp = _stamp;
        _stamp += inLen + 1;
        int ip = 0, op = 0, lit = 0;
        op++; // start run
        uint hval = (uint)((input[0] << 8) | (inLen > 1 ? input[1] : 0));
        while (ip < inLen - 2)
        {
            hval = (hval << 8) | input[ip + 2];
            int slot = Idx(hval);
            int refPlus = htab[slot] - stamp;
            htab[slot] = stamp + ip + 1;
            int rf = refPlus - 1;
            uint off;
            if (refPlus > 0 && rf < ip && (off = (uint)(ip - rf - 1)) < MaxOff && rf > 0 &&
                input[rf] == input[ip] && input[rf + 1] == input[ip + 1] && input[rf + 2] == input[ip + 2])
            {
                int len = 2;
                int maxlen = inLen - ip - len;
                if (maxlen > MaxRef) maxlen = MaxRef;
                output[op - lit - 1] = (byte)(lit - 1); // stop run
                if (lit == 0) op--; // undo run if length is zero
                if (op + 3 + 1 >= outEnd) return 0;
                bool mismatch = false;
                if (maxlen > 16)
                {
                    // liblzf's unrolled first 16 steps run without the maxlen test; kept for identical output.
                    for (int u = 0; u < 16 && !mismatch; u++)
                    {
                        len++;
                        mismatch = input[rf + len] != input[ip + len];
                    }
                }
                if (!mismatch)
                {
                    do len++;
                    while (len < maxlen && input[rf + len] == input[ip + len]);
                }
                len -= 2; // now #octets - 1
                ip++;
                if (len < 7)
                {
                    output[op++] = (byte)((off >> 8) + (uint)(len << 5));
                }
                else
                {
                    output[op++] = (byte)((off >> 8) + (7 << 5));
                    output[op++] = (byte)(len - 7);
                }
                output[op++] = (byte)off;
                lit = 0;
                op++; // start run
                ip += len + 1;
                if (ip >= inLen - 2) break;
                ip -= 2;
                hval = (uint)((input[ip] << 8) | input[ip + 1]);
                hval = (hval << 8) | input[ip + 2];
                htab[Idx(hval)] = stamp + ip + 1;
                ip++;
                hval = (hval << 8) | input[ip + 2];
                htab[Idx(hval)] = stamp + ip + 1;
                ip++;
            }
            else
            {
                if (op >= outEnd) return 0;
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
        if (op + 3 > outEnd) return 0;
        while (ip < inLen)
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
        if (lit == 0) op--;
        return op;
    }

    /// <summary>Decompresses into exactly <paramref name="output"/>; false on malformed or mismatched input.</summary>
    public static bool Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 1 << 5)
            {
                int n = ctrl + 1;
                if (op + n > output.Length || ip + n > input.Length) return false;
                input.Slice(ip, n).CopyTo(output[op..]);
                op += n;
                ip += n;
            }
            else
            {
                int len = ctrl >> 5;
                int rf = op - ((ctrl & 0x1f) << 8) - 1;
                if (ip >= input.Length) return false;
                if (len == 7)
                {
                    len += input[ip++];
                    if (ip >= input.Length) return false;
                }
                rf -= input[ip++];
                len += 2;
                if (op + len > output.Length || rf < 0) return false;
                // Overlapping copies repeat bytes, so copy forwards one at a time.
                for (int k = 0; k < len; k++) output[op++] = output[rf++];
            }
        }
        return op == output.Length;
    }
}
