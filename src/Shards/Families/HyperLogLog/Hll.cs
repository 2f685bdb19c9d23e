using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Families.HyperLogLog;

/// <summary>
/// Redis's HyperLogLog string format and algorithms, byte for byte: a 16-byte header ("HYLL", encoding, three
/// unused bytes, the cached cardinality little endian with bit 63 meaning "stale"), then either 16384 6-bit
/// registers packed LSB first (dense, 12288 bytes) or a run-length sparse encoding of ZERO (00xxxxxx, 1..64
/// zero registers), XZERO (01xxxxxx yyyyyyyy, 1..16384 zero registers) and VAL (1vvvvvxx, value 1..32 repeated
/// 1..4 times) opcodes. Elements are hashed with MurmurHash64A (seed 0xadc83b19); the cardinality is Ertl's
/// estimator as in Redis 7.
/// </summary>
public static class Hll
{
    public const int HeaderSize = 16;
    public const int P = 14;
    public const int Q = 64 - P;
    public const int Registers = 1 << P;
    public const int PMask = Registers - 1;
    public const int Bits = 6;
    public const int RegisterMax = (1 << Bits) - 1;
    public const int DenseRegistersSize = (Registers * Bits + 7) / 8;
    public const int DenseSize = HeaderSize + DenseRegistersSize;
    public const byte Dense = 0;
    public const byte Sparse = 1;
    public const int MaxEncoding = 1;

    public const int SparseValMaxValue = 32;
    public const int SparseValMaxLen = 4;
    public const int SparseZeroMaxLen = 64;
    public const int SparseXZeroMaxLen = 16384;
    private const byte XZeroBit = 0x40;
    private const byte ValBit = 0x80;

    private const double AlphaInf = 0.721347520444481703680;
    private const ulong Seed = 0xadc83b19UL;

    public const string InvalidHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    public const string CorruptedError = "INVALIDOBJ Corrupted HLL object detected";

    // ---- hashing ----

    /// <summary>MurmurHash2, 64-bit version, as Redis uses it (little-endian word reads).</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> key, ulong seed = Seed)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        int len = key.Length;
        ulong h = seed ^ unchecked((ulong)len * m);
        int blocks = len - (len & 7);
        for (int i = 0; i < blocks; i += 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(i, 8));
            k *= m;
            k ^= k >> r;
            k *= m;
            h ^= k;
            h *= m;
        }
        var tail = key[blocks..];
        switch (len & 7)
        {
            case 7: h ^= (ulong)tail[6] << 48; goto case 6;
            case 6: h ^= (ulong)tail[5] << 40; goto case 5;
            case 5: h ^= (ulong)tail[4] << 32; goto case 4;
            case 4: h ^= (ulong)tail[3] << 24; goto case 3;
            case 3: h ^= (ulong)tail[2] << 16; goto case 2;
            case 2: h ^= (ulong)tail[1] << 8; goto case 1;
            case 1:
                h ^= tail[0];
                h *= m;
                break;
        }
        h ^= h >> r;
        h *= m;
        h ^= h >> r;
        return h;
    }

    /// <summary>Redis's hllPatLen: the register an element maps to and the length of its 000..1 pattern (1..51).</summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int index)
    {
        ulong hash = MurmurHash64A(element);
        index = (int)(hash & PMask);
        hash >>= P;
        hash |= 1UL << Q;
        return System.Numerics.BitOperations.TrailingZeroCount(hash) + 1;
    }

    // ---- validation and header ----

    /// <summary>Redis's isHLLObjectOrReply checks on a string value.</summary>
    public static bool IsValid(ReadOnlySpan<byte> value) =>
        value.Length >= HeaderSize &&
        value[0] == 'H' && value[1] == 'Y' && value[2] == 'L' && value[3] == 'L' &&
        value[4] <= MaxEncoding &&
        (value[4] != Dense || value.Length == DenseSize);

    public static bool IsDense(ReadOnlySpan<byte> value) => value[4] == Dense;

    public static bool CacheValid(ReadOnlySpan<byte> value) => (value[15] & 0x80) == 0;

    public static void InvalidateCache(Span<byte> value) => value[15] |= 0x80;

    public static ulong CachedCardinality(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt64LittleEndian(value.Slice(8, 8));

    public static void SetCachedCardinality(Span<byte> value, ulong card) => BinaryPrimitives.WriteUInt64LittleEndian(value.Slice(8, 8), card);

    /// <summary>Writes an empty HLL (sparse, XZERO:16384) and returns its length (18).</summary>
    public static int WriteEmpty(Span<byte> target)
    {
        target[..HeaderSize].Clear();
        "HYLL"u8.CopyTo(target);
        target[4] = Sparse;
        int p = HeaderSize;
        int left = Registers;
        while (left > 0)
        {
            int run = Math.Min(SparseXZeroMaxLen, left);
            SetXZero(target[p..], run);
            p += 2;
            left -= run;
        }
        return p;
    }

    public static byte[] CreateEmpty()
    {
        var buffer = new byte[HeaderSize + 2];
        WriteEmpty(buffer);
        return buffer;
    }

    // ---- dense registers (the span starts at the registers, after the header) ----

    /// <summary>Register <paramref name="index"/>; the byte after the last register reads 0 (sds's terminator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DenseGet(ReadOnlySpan<byte> registers, int index)
    {
        int bytePos = index * Bits / 8;
        int fb = index * Bits & 7;
        int b0 = registers[bytePos];
        int b1 = bytePos + 1 < registers.Length ? registers[bytePos + 1] : 0;
        return ((b0 >> fb) | (b1 << (8 - fb))) & RegisterMax;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DenseSet(Span<byte> registers, int index, int value)
    {
        int bytePos = index * Bits / 8;
        int fb = index * Bits & 7;
        int fb8 = 8 - fb;
        registers[bytePos] = (byte)((registers[bytePos] & ~(RegisterMax << fb)) | (value << fb));
        if (bytePos + 1 < registers.Length)
            registers[bytePos + 1] = (byte)((registers[bytePos + 1] & ~(RegisterMax >> fb8)) | (value >> fb8));
    }

    /// <summary>Redis's hllDenseSet: raises the register to <paramref name="count"/>; true when it changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool DenseSetIfGreater(Span<byte> registers, int index, int count)
    {
        if (count <= DenseGet(registers, index)) return false;
        DenseSet(registers, index, count);
        return true;
    }

    /// <summary>Histogram of register values of a dense HLL (registers after the header).</summary>
    public static void DenseHistogram(ReadOnlySpan<byte> registers, Span<int> histogram)
    {
        for (int i = 0; i + 12 <= DenseRegistersSize; i += 12)
        {
            var r = registers.Slice(i, 12);
            histogram[r[0] & 63]++;
            histogram[(r[0] >> 6 | r[1] << 2) & 63]++;
            histogram[(r[1] >> 4 | r[2] << 4) & 63]++;
            histogram[(r[2] >> 2) & 63]++;
            histogram[r[3] & 63]++;
            histogram[(r[3] >> 6 | r[4] << 2) & 63]++;
            histogram[(r[4] >> 4 | r[5] << 4) & 63]++;
            histogram[(r[5] >> 2) & 63]++;
            histogram[r[6] & 63]++;
            histogram[(r[6] >> 6 | r[7] << 2) & 63]++;
            histogram[(r[7] >> 4 | r[8] << 4) & 63]++;
            histogram[(r[8] >> 2) & 63]++;
            histogram[r[9] & 63]++;
            histogram[(r[9] >> 6 | r[10] << 2) & 63]++;
            histogram[(r[10] >> 4 | r[11] << 4) & 63]++;
            histogram[(r[11] >> 2) & 63]++;
        }
    }

    // ---- sparse opcodes ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsZero(byte op) => (op & 0xC0) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsXZero(byte op) => (op & 0xC0) == XZeroBit;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsVal(byte op) => (op & ValBit) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ZeroLen(byte op) => (op & 0x3F) + 1;

    /// <summary>XZERO run length; the second byte of an XZERO cut off at the end reads 0 (sds's terminator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int XZeroLen(ReadOnlySpan<byte> s, int p) => (((s[p] & 0x3F) << 8) | (p + 1 < s.Length ? s[p + 1] : 0)) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ValValue(byte op) => ((op >> 2) & 0x1F) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ValLen(byte op) => (op & 0x3) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Val(int value, int len) => (byte)(((value - 1) << 2 | (len - 1)) | ValBit);

    private static void SetXZero(Span<byte> p, int len)
    {
        int l = len - 1;
        p[0] = (byte)((l >> 8) | XZeroBit);
        p[1] = (byte)(l & 0xFF);
    }

    /// <summary>Histogram of a sparse HLL's opcodes (after the header); false when they do not cover 16384 registers.</summary>
    public static bool SparseHistogram(ReadOnlySpan<byte> sparse, Span<int> histogram)
    {
        var counter = new HistogramRuns(histogram);
        return WalkSparse(sparse, ref counter) == Registers;
    }

    /// <summary>Receives the register runs of a sparse HLL, in register order.</summary>
    private interface ISparseRuns
    {
        /// <summary>Registers <paramref name="start"/>..start+run-1 hold <paramref name="value"/> (0 for ZERO/XZERO runs).</summary>
        void Run(long start, int run, int value);
    }

    /// <summary>
    /// Decodes the opcodes of a sparse HLL (Redis's ZERO, XZERO and VAL) into runs; stops at a VAL run that
    /// would pass the last register. Returns the registers covered: 16384 for a well-formed value.
    /// </summary>
    private static long WalkSparse<TRuns>(ReadOnlySpan<byte> sparse, ref TRuns runs) where TRuns : ISparseRuns, allows ref struct
    {
        long idx = 0;
        int p = 0;
        while (p < sparse.Length)
        {
            byte op = sparse[p];
            if (IsZero(op))
            {
                int run = ZeroLen(op);
                runs.Run(idx, run, 0);
                idx += run;
                p++;
            }
            else if (IsXZero(op))
            {
                int run = XZeroLen(sparse, p);
                runs.Run(idx, run, 0);
                idx += run;
                p += 2;
            }
            else
            {
                int run = ValLen(op);
                if (run + idx > Registers) break;
                runs.Run(idx, run, ValValue(op));
                idx += run;
                p++;
            }
        }
        return idx;
    }

    private ref struct HistogramRuns(Span<int> histogram) : ISparseRuns
    {
        private readonly Span<int> _histogram = histogram;

        public void Run(long start, int run, int value) => _histogram[value] += run;
    }

    private ref struct MaxRuns(Span<byte> max) : ISparseRuns
    {
        private readonly Span<byte> _max = max;

        public void Run(long start, int run, int value)
        {
            if (value == 0) return;
            for (int i = 0; i < run; i++)
                if (value > _max[(int)start + i]) _max[(int)start + i] = (byte)value;
        }
    }

    private ref struct DenseRuns(Span<byte> registers) : ISparseRuns
    {
        private readonly Span<byte> _registers = registers;

        public void Run(long start, int run, int value)
        {
            if (value == 0) return;
            for (int i = 0; i < run; i++) DenseSet(_registers, (int)start + i, value);
        }
    }

    /// <summary>Histogram of one-byte-per-register values (PFCOUNT of several keys).</summary>
    public static void RawHistogram(ReadOnlySpan<byte> registers, Span<int> histogram)
    {
        for (int i = 0; i < Registers; i++) histogram[registers[i]]++;
    }

    // ---- cardinality ----

    private static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime;
        double y = 1;
        double z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime;
        double y = 1.0;
        double z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            // C compilers fold pow(v, 2) into v * v.
            z -= (1 - x) * (1 - x) * y;
        } while (zPrime != z);
        return z / 3;
    }

    /// <summary>Ertl's estimator over a register histogram (64 buckets), exactly as Redis 7's hllCount.</summary>
    public static ulong Estimate(ReadOnlySpan<int> histogram)
    {
        double m = Registers;
        double z = m * Tau((m - histogram[Q + 1]) / m);
        for (int j = Q; j >= 1; --j)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        double e = Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
        // llroundl out of range (z is 0 when every register is above 51, as in a hand-made dense value) gives
        // x86's integer indefinite, LLONG_MIN, which Redis then reads back as 2^63.
        return e < 9223372036854775808.0 ? (ulong)(long)e : 0x8000000000000000UL;
    }

    /// <summary>Cardinality of a dense or sparse HLL value; <paramref name="invalid"/> when a sparse one is corrupt.</summary>
    public static ulong Count(ReadOnlySpan<byte> value, out bool invalid)
    {
        Span<int> histogram = stackalloc int[64];
        histogram.Clear();
        invalid = false;
        if (value[4] == Dense) DenseHistogram(value[HeaderSize..], histogram);
        else invalid = !SparseHistogram(value[HeaderSize..], histogram);
        return Estimate(histogram);
    }

    /// <summary>Cardinality of 16384 one-byte registers.</summary>
    public static ulong CountRaw(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[256];
        histogram.Clear();
        RawHistogram(registers, histogram);
        return Estimate(histogram);
    }

    /// <summary>Redis's hllMerge: max[i] = MAX(max[i], register i); false when a sparse value is corrupt.</summary>
    public static bool Merge(Span<byte> max, ReadOnlySpan<byte> value)
    {
        if (value[4] == Dense)
        {
            var registers = value[HeaderSize..];
            for (int i = 0; i < Registers; i++)
            {
                int v = DenseGet(registers, i);
                if (v > max[i]) max[i] = (byte)v;
            }
            return true;
        }
        var maxRuns = new MaxRuns(max);
        return WalkSparse(value[HeaderSize..], ref maxRuns) == Registers;
    }

    /// <summary>
    /// Redis's hllSparseToDense: the dense form of a sparse value (header copied, encoding set to dense) written
    /// to <paramref name="dense"/> (<see cref="DenseSize"/> bytes); false when the sparse value is corrupt.
    /// </summary>
    public static bool SparseToDense(ReadOnlySpan<byte> sparseValue, Span<byte> dense)
    {
        dense = dense[..DenseSize];
        dense.Clear();
        sparseValue[..HeaderSize].CopyTo(dense);
        dense[4] = Dense;
        var denseRuns = new DenseRuns(dense[HeaderSize..]);
        return WalkSparse(sparseValue[HeaderSize..], ref denseRuns) == Registers;
    }

    /// <summary>PFDEBUG DECODE's text of a sparse value: "Z:16384", "z:3 v:2,1 ..." separated by spaces.</summary>
    public static string Decode(ReadOnlySpan<byte> value)
    {
        var sb = new System.Text.StringBuilder();
        var sparse = value[HeaderSize..];
        int p = 0;
        while (p < sparse.Length)
        {
            byte op = sparse[p];
            if (IsZero(op))
            {
                sb.Append("z:").Append(ZeroLen(op)).Append(' ');
                p++;
            }
            else if (IsXZero(op))
            {
                sb.Append("Z:").Append(XZeroLen(sparse, p)).Append(' ');
                p += 2;
            }
            else
            {
                sb.Append("v:").Append(ValValue(op)).Append(',').Append(ValLen(op)).Append(' ');
                p++;
            }
        }
        return sb.ToString().Trim(' ');
    }

    // ---- sparse update (in a growable buffer) ----

    /// <summary>What <see cref="SparseSet"/> did.</summary>
    public enum SetResult
    {
        /// <summary>The register already held that much.</summary>
        Unchanged,

        /// <summary>The register was raised.</summary>
        Updated,

        /// <summary>The value must go dense first (too large for VAL, or the sparse form would pass the limit).</summary>
        Promote,

        /// <summary>The sparse form does not cover the register: corrupt.</summary>
        Invalid,
    }

    /// <summary>
    /// Redis's hllSparseSet on <paramref name="buffer"/>[0..<paramref name="length"/>] (header included, with at
    /// least 3 spare bytes): raises register <paramref name="index"/> to <paramref name="count"/>, splitting
    /// and merging opcodes exactly as Redis does, and invalidates the cached cardinality.
    /// </summary>
    public static SetResult SparseSet(Span<byte> buffer, ref int length, int index, int count, long sparseMaxBytes)
    {
        if (count > SparseValMaxValue) return SetResult.Promote;
        int start = HeaderSize;
        int end = length;
        int p = start;
        long first = 0;
        long span = 0;
        int prev = -1;
        while (p < end)
        {
            byte op = buffer[p];
            int oplen = 1;
            if (IsZero(op)) span = ZeroLen(op);
            else if (IsVal(op)) span = ValLen(op);
            else
            {
                span = XZeroLen(buffer[..end], p);
                oplen = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) return SetResult.Invalid;

        byte cur = buffer[p];
        int next = IsXZero(cur) ? p + 2 : p + 1;
        if (next >= end) next = -1;
        bool isZero = false, isXZero = false, isVal = false;
        long runLength;
        if (IsZero(cur))
        {
            isZero = true;
            runLength = ZeroLen(cur);
        }
        else if (IsXZero(cur))
        {
            isXZero = true;
            runLength = XZeroLen(buffer[..end], p);
        }
        else
        {
            isVal = true;
            runLength = ValLen(cur);
        }

        if (isVal)
        {
            int oldCount = ValValue(cur);
            if (oldCount >= count) return SetResult.Unchanged;
            if (runLength == 1)
            {
                buffer[p] = Val(count, 1);
                goto updated;
            }
        }
        if (isZero && runLength == 1)
        {
            buffer[p] = Val(count, 1);
            goto updated;
        }

        {
            // General case: split the opcode into up to three (worst: XZERO-VAL-XZERO, 5 bytes).
            Span<byte> seq = stackalloc byte[5];
            int n = 0;
            long last = first + span - 1;
            if (isZero || isXZero)
            {
                if (index != first)
                {
                    long len = index - first;
                    if (len > SparseZeroMaxLen)
                    {
                        SetXZero(seq[n..], (int)len);
                        n += 2;
                    }
                    else seq[n++] = (byte)(len - 1);
                }
                seq[n++] = Val(count, 1);
                if (index != last)
                {
                    long len = last - index;
                    if (len > SparseZeroMaxLen)
                    {
                        SetXZero(seq[n..], (int)len);
                        n += 2;
                    }
                    else seq[n++] = (byte)(len - 1);
                }
            }
            else
            {
                int curValue = ValValue(cur);
                if (index != first) seq[n++] = Val(curValue, (int)(index - first));
                seq[n++] = Val(count, 1);
                if (index != last) seq[n++] = Val(curValue, (int)(last - index));
            }

            int oldLen = isXZero ? 2 : 1;
            int delta = n - oldLen;
            if (delta > 0 && length + delta > sparseMaxBytes) return SetResult.Promote;
            if (delta != 0 && next >= 0) buffer[next..end].CopyTo(buffer[(next + delta)..]);
            length += delta;
            seq[..n].CopyTo(buffer[p..]);
            end += delta;
        }

    updated:
        // Merge adjacent VAL opcodes with the same value, scanning up to 5 opcodes from the previous one.
        p = prev >= 0 ? prev : start;
        int scan = 5;
        while (p < end && scan-- > 0)
        {
            byte op = buffer[p];
            if (IsXZero(op))
            {
                p += 2;
                continue;
            }
            if (IsZero(op))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(buffer[p + 1]))
            {
                int v1 = ValValue(op);
                int v2 = ValValue(buffer[p + 1]);
                if (v1 == v2)
                {
                    int len = ValLen(op) + ValLen(buffer[p + 1]);
                    if (len <= SparseValMaxLen)
                    {
                        buffer[p + 1] = Val(v1, len);
                        buffer[(p + 1)..end].CopyTo(buffer[p..]);
                        length--;
                        end--;
                        continue;
                    }
                }
            }
            p++;
        }
        InvalidateCache(buffer);
        return SetResult.Updated;
    }
}
