using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TdbPlus.Shards.Families.Bits;

/// <summary>
/// Bit-level primitives over string values, numbered as Redis numbers them: bit 0 is the most significant bit
/// of the first byte.
/// </summary>
public static class BitOps
{
    /// <summary>Bits set in <paramref name="data"/> (BITCOUNT): AVX-512/AVX2 nibble lookups, else 64-bit POPCNT.</summary>
    public static long PopCount(ReadOnlySpan<byte> data)
    {
        long total = 0;
        ref byte start = ref MemoryMarshal.GetReference(data);
        nint length = data.Length;
        nint i = 0;
        if (Avx512BW.IsSupported && length >= 64 * 4)
            total += PopCountAvx512(ref start, length, ref i);
        else if (Avx2.IsSupported && length >= 32 * 4)
            total += PopCountAvx2(ref start, length, ref i);

        // Four independent counters keep POPCNT's latency off the critical path.
        ulong c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (; i + 32 <= length; i += 32)
        {
            c0 += (ulong)BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            c1 += (ulong)BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8)));
            c2 += (ulong)BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16)));
            c3 += (ulong)BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24)));
        }
        for (; i + 8 <= length; i += 8)
            c0 += (ulong)BitOperations.PopCount(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
        for (; i < length; i++)
            c0 += (ulong)BitOperations.PopCount(Unsafe.Add(ref start, i));
        return total + (long)(c0 + c1 + c2 + c3);
    }

    // Per-byte counts from two 16-entry nibble tables (PSHUFB), summed into bytes for up to 31 blocks (at most
    // 8 * 31 = 248 per byte), then folded into 64-bit lanes with PSADBW.
    private static long PopCountAvx512(ref byte start, nint length, ref nint i)
    {
        var table = Vector512.Create(
            (byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
            0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        var low = Vector512.Create((byte)0x0F);
        var sums = Vector512<ulong>.Zero;
        while (i + 64 <= length)
        {
            var acc = Vector512<byte>.Zero;
            nint blockEnd = Math.Min(length - 63, i + 64 * 31);
            for (; i < blockEnd; i += 64)
            {
                var v = Vector512.LoadUnsafe(ref start, (nuint)i);
                var lo = v & low;
                var hi = Vector512.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low;
                acc += Avx512BW.Shuffle(table, lo) + Avx512BW.Shuffle(table, hi);
            }
            sums += Avx512BW.SumAbsoluteDifferences(acc, Vector512<byte>.Zero).AsUInt64();
        }
        return (long)Vector512.Sum(sums);
    }

    private static long PopCountAvx2(ref byte start, nint length, ref nint i)
    {
        var table = Vector256.Create(
            (byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        var low = Vector256.Create((byte)0x0F);
        var sums = Vector256<ulong>.Zero;
        while (i + 32 <= length)
        {
            var acc = Vector256<byte>.Zero;
            nint blockEnd = Math.Min(length - 31, i + 32 * 31);
            for (; i < blockEnd; i += 32)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var lo = v & low;
                var hi = Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low;
                acc += Avx2.Shuffle(table, lo) + Avx2.Shuffle(table, hi);
            }
            sums += Avx2.SumAbsoluteDifferences(acc, Vector256<byte>.Zero).AsUInt64();
        }
        return (long)Vector256.Sum(sums);
    }

    /// <summary>
    /// Redis's redisBitpos: position of the first bit equal to <paramref name="bit"/>. With no such bit, -1 when
    /// looking for 1, and <c>data.Length * 8</c> when looking for 0 (the string reads as zero padded).
    /// </summary>
    public static long BitPos(ReadOnlySpan<byte> data, int bit)
    {
        int at = bit != 0 ? data.IndexOfAnyExcept((byte)0) : data.IndexOfAnyExcept((byte)0xFF);
        if (at < 0) return bit != 0 ? -1 : (long)data.Length * 8;
        uint b = bit != 0 ? data[at] : (byte)~data[at];
        return (long)at * 8 + BitOperations.LeadingZeroCount(b) - 24;
    }

    /// <summary>The bit at <paramref name="offset"/> (0 beyond the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetBit(ReadOnlySpan<byte> data, ulong offset)
    {
        ulong index = offset >> 3;
        if (index >= (ulong)data.Length) return 0;
        return (data[(int)index] >> (7 - (int)(offset & 7))) & 1;
    }

    /// <summary>An unsigned field of <paramref name="bits"/> (1..64) bits at a bit offset; bits past the end read 0.</summary>
    public static ulong GetUnsigned(ReadOnlySpan<byte> data, ulong offset, int bits)
    {
        // Fast path: the field lies in 9 bytes starting at its first byte; load them big endian.
        ulong first = offset >> 3;
        int shift = (int)(offset & 7);
        if (first + 9 <= (ulong)data.Length)
        {
            ulong hi = BinaryPrimitives.ReadUInt64BigEndian(data.Slice((int)first, 8));
            ulong word = shift == 0 ? hi : (hi << shift) | ((ulong)data[(int)first + 8] >> (8 - shift));
            return bits == 64 ? word : word >> (64 - bits);
        }
        ulong value = 0;
        for (int j = 0; j < bits; j++) value = (value << 1) | (uint)GetBit(data, offset + (ulong)j);
        return value;
    }

    /// <summary>A two's complement signed field of <paramref name="bits"/> (1..64) bits at a bit offset.</summary>
    public static long GetSigned(ReadOnlySpan<byte> data, ulong offset, int bits)
    {
        ulong u = GetUnsigned(data, offset, bits);
        if (bits < 64 && (u & (1UL << (bits - 1))) != 0) u |= ulong.MaxValue << bits;
        return (long)u;
    }

    /// <summary>Writes the low <paramref name="bits"/> bits of <paramref name="value"/>; the bytes must exist.</summary>
    public static void SetUnsigned(Span<byte> data, ulong offset, int bits, ulong value)
    {
        for (int j = 0; j < bits; j++)
        {
            ulong bitval = (value >> (bits - 1 - j)) & 1;
            ulong at = offset + (ulong)j;
            int index = (int)(at >> 3);
            int bit = 7 - (int)(at & 7);
            data[index] = (byte)((data[index] & ~(1 << bit)) | ((int)bitval << bit));
        }
    }

    /// <summary>
    /// Redis's checkUnsignedBitfieldOverflow: 0 when value + incr fits in an unsigned field of
    /// <paramref name="bits"/> bits, 1 on overflow, -1 on underflow; <paramref name="limit"/> receives the value
    /// to store for WRAP (wrapped) or SAT (saturated).
    /// </summary>
    public static int CheckUnsignedOverflow(ulong value, long incr, int bits, BitfieldOverflow owtype, out ulong limit)
    {
        ulong max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        long maxincr = unchecked((long)(max - value));
        long minincr = unchecked(-(long)value);
        limit = 0;
        if (value > max || (incr > 0 && incr > maxincr))
        {
            if (owtype == BitfieldOverflow.Wrap) limit = Wrap(value, incr, bits);
            else if (owtype == BitfieldOverflow.Sat) limit = max;
            return 1;
        }
        if (incr < 0 && incr < minincr)
        {
            if (owtype == BitfieldOverflow.Wrap)
            {
                limit = Wrap(value, incr, bits);
                return 1;
            }
            if (owtype == BitfieldOverflow.Sat) limit = 0;
            return -1;
        }
        return 0;

        static ulong Wrap(ulong value, long incr, int bits)
        {
            ulong mask = bits == 64 ? 0 : ulong.MaxValue << bits;
            return unchecked(value + (ulong)incr) & ~mask;
        }
    }

    /// <summary>Redis's checkSignedBitfieldOverflow (see <see cref="CheckUnsignedOverflow"/>).</summary>
    public static int CheckSignedOverflow(long value, long incr, int bits, BitfieldOverflow owtype, out long limit)
    {
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxincr = unchecked((long)((ulong)max - (ulong)value));
        long minincr = unchecked(min - value);
        limit = 0;
        if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        {
            if (owtype == BitfieldOverflow.Wrap) limit = Wrap(value, incr, bits);
            else if (owtype == BitfieldOverflow.Sat) limit = max;
            return 1;
        }
        if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr))
        {
            if (owtype == BitfieldOverflow.Wrap)
            {
                limit = Wrap(value, incr, bits);
                return 1;
            }
            if (owtype == BitfieldOverflow.Sat) limit = min;
            return -1;
        }
        return 0;

        static long Wrap(long value, long incr, int bits)
        {
            ulong c = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                ulong mask = ulong.MaxValue << bits;
                ulong msb = 1UL << (bits - 1);
                c = (c & msb) != 0 ? c | mask : c & ~mask;
            }
            return (long)c;
        }
    }

    /// <summary>dst[i] &amp;= src[i] over <c>src.Length</c> bytes.</summary>
    public static void And(Span<byte> dst, ReadOnlySpan<byte> src) => Combine<AndOp>(dst, src);

    /// <summary>dst[i] |= src[i] over <c>src.Length</c> bytes.</summary>
    public static void Or(Span<byte> dst, ReadOnlySpan<byte> src) => Combine<OrOp>(dst, src);

    /// <summary>dst[i] ^= src[i] over <c>src.Length</c> bytes.</summary>
    public static void Xor(Span<byte> dst, ReadOnlySpan<byte> src) => Combine<XorOp>(dst, src);

    /// <summary>Inverts every byte of <paramref name="data"/>.</summary>
    public static void Not(Span<byte> data)
    {
        ref byte d = ref MemoryMarshal.GetReference(data);
        nint n = data.Length;
        nint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= n; i += 32)
                (~Vector256.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i + 8 <= n; i += 8)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i), ~Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)));
        for (; i < n; i++) Unsafe.Add(ref d, i) = (byte)~Unsafe.Add(ref d, i);
    }

    private interface IByteOp
    {
        static abstract Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b);
        static abstract ulong Apply(ulong a, ulong b);
    }

    private readonly struct AndOp : IByteOp
    {
        public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b) => a & b;
        public static ulong Apply(ulong a, ulong b) => a & b;
    }

    private readonly struct OrOp : IByteOp
    {
        public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b) => a | b;
        public static ulong Apply(ulong a, ulong b) => a | b;
    }

    private readonly struct XorOp : IByteOp
    {
        public static Vector256<byte> Apply(Vector256<byte> a, Vector256<byte> b) => a ^ b;
        public static ulong Apply(ulong a, ulong b) => a ^ b;
    }

    private static void Combine<TOp>(Span<byte> dst, ReadOnlySpan<byte> src) where TOp : struct, IByteOp
    {
        if (src.Length > dst.Length) throw new ArgumentException("Source longer than destination.", nameof(src));
        ref byte d = ref MemoryMarshal.GetReference(dst);
        ref byte s = ref MemoryMarshal.GetReference(src);
        nint n = src.Length;
        nint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= n; i += 32)
                TOp.Apply(Vector256.LoadUnsafe(ref d, (nuint)i), Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i + 8 <= n; i += 8)
        {
            ulong r = TOp.Apply(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i)));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i), r);
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = (byte)TOp.Apply(Unsafe.Add(ref d, i), Unsafe.Add(ref s, i));
    }
}

/// <summary>BITFIELD's OVERFLOW behaviours.</summary>
public enum BitfieldOverflow
{
    Wrap,
    Sat,
    Fail,
}
