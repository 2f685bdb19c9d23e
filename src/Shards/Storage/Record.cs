using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Storage;

/// <summary>Layout and accessors of one key/value entry stored in <see cref="SlabArena"/> memory.</summary>
/// <remarks>
/// Type(1) Flags(1) Lru(3), then the key length and the value length as LEB128 varints (one byte each below
/// 128), then ExpireAtMs(8, unaligned) when HasExpire, then the key bytes, then the value bytes. A 13-byte
/// key with a 64-byte value takes a 7-byte header. Rich types (Type != 0) keep a 4-byte object handle as
/// their value.
/// </remarks>
public static unsafe class Record
{
    /// <summary>Type of a plain string record.</summary>
    public const byte StringType = 0;

    /// <summary>Flag bit: the record carries ExpireAtMs; fixed at creation because it moves the key.</summary>
    public const byte HasExpireFlag = 1;

    /// <summary>Flag bit: the string value is stored raw rather than in an integer encoding.</summary>
    public const byte RawEncodingFlag = 2;

    /// <summary>Flag bit: the string value is embstr even though it reads as an integer (INCRBYFLOAT results).</summary>
    public const byte EmbstrEncodingFlag = 4;

    /// <summary>
    /// Flag bit: snapshot parity. A record whose bit differs from its store's current parity has not been written
    /// to the snapshot in progress yet (flipping the store's parity marks every record unsaved at once).
    /// </summary>
    public const byte SnapshotFlag = 8;

    /// <summary>Fixed header bytes before the length varints.</summary>
    public const int HeaderSize = 5;

    private const int TypeOffset = 0;
    private const int FlagsOffset = 1;
    private const int LruOffset = 2;
    private const int LengthsOffset = 5;
    private const uint LruMask = 0xFFFFFF;

    /// <summary>
    /// Allocates a record, copies the key and leaves the value bytes uninitialised. A rich type gets room for
    /// its handle whatever <paramref name="valueLength"/> says.
    /// </summary>
    public static nint Create(SlabArena arena, ReadOnlySpan<byte> key, int valueLength, bool hasExpire, byte type = StringType)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueLength);
        if (type != StringType) valueLength = sizeof(int);
        int lengths = VarintSize((uint)key.Length) + VarintSize((uint)valueLength);
        int keyOffset = LengthsOffset + lengths + (hasExpire ? sizeof(long) : 0);
        byte* p = arena.Allocate(checked(keyOffset + key.Length + valueLength));
        p[TypeOffset] = type;
        p[FlagsOffset] = hasExpire ? HasExpireFlag : (byte)0;
        p[LruOffset] = p[LruOffset + 1] = p[LruOffset + 2] = 0;
        byte* l = p + LengthsOffset;
        l += WriteVarint(l, (uint)key.Length);
        l += WriteVarint(l, (uint)valueLength);
        if (hasExpire) Unsafe.WriteUnaligned(l, 0L);
        key.CopyTo(new Span<byte>(p + keyOffset, key.Length));
        return (nint)p;
    }

    /// <summary>Size requested from the arena for this record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TotalSize(nint rec)
    {
        Lengths(rec, out int keyLength, out int valueLength, out int keyOffset);
        return keyOffset + keyLength + valueLength;
    }

    /// <summary>Returns the record's memory to the arena.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(SlabArena arena, nint rec) => arena.Free((byte*)rec, TotalSize(rec));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Key(nint rec)
    {
        Lengths(rec, out int keyLength, out _, out int keyOffset);
        return new((byte*)rec + keyOffset, keyLength);
    }

    /// <summary>Value bytes of a string record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> Value(nint rec)
    {
        Lengths(rec, out int keyLength, out int valueLength, out int keyOffset);
        return new((byte*)rec + keyOffset + keyLength, valueLength);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Type(nint rec) => *((byte*)rec + TypeOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetType(nint rec, byte type) => *((byte*)rec + TypeOffset) = type;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Flags(nint rec) => *((byte*)rec + FlagsOffset);

    /// <summary>Sets the flags; the HasExpire bit keeps its creation value because it decides the layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetFlags(nint rec, byte flags)
    {
        byte* f = (byte*)rec + FlagsOffset;
        *f = (byte)((flags & ~HasExpireFlag) | (*f & HasExpireFlag));
    }

    /// <summary>The 24-bit access field (LRU clock, or LFU minutes and counter), as Redis's robj->lru.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Lru(nint rec)
    {
        byte* p = (byte*)rec + LruOffset;
        return p[0] | (uint)p[1] << 8 | (uint)p[2] << 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetLru(nint rec, uint lru)
    {
        byte* p = (byte*)rec + LruOffset;
        lru &= LruMask;
        p[0] = (byte)lru;
        p[1] = (byte)(lru >> 8);
        p[2] = (byte)(lru >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyLength(nint rec)
    {
        Lengths(rec, out int keyLength, out _, out _);
        return keyLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueLength(nint rec)
    {
        Lengths(rec, out _, out int valueLength, out _);
        return valueLength;
    }

    /// <summary>
    /// Rewrites the value length in place; only when its varint keeps its size (see
    /// <see cref="ValueLengthFitsInPlace"/>) and the record's memory already holds the new length.
    /// </summary>
    public static void SetValueLength(nint rec, int valueLength)
    {
        byte* l = (byte*)rec + LengthsOffset;
        int keyBytes = l[0] < 0x80 ? 1 : VarintSizeAt(l);
        if (VarintSizeAt(l + keyBytes) != VarintSize((uint)valueLength))
            throw new InvalidOperationException("The value length varint would change size.");
        WriteVarint(l + keyBytes, (uint)valueLength);
    }

    /// <summary>True when a value of <paramref name="valueLength"/> bytes keeps the record's layout (same varint size).</summary>
    public static bool ValueLengthFitsInPlace(nint rec, int valueLength)
    {
        byte* l = (byte*)rec + LengthsOffset;
        int keyBytes = l[0] < 0x80 ? 1 : VarintSizeAt(l);
        return VarintSizeAt(l + keyBytes) == VarintSize((uint)valueLength);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasExpire(nint rec) => (Flags(rec) & HasExpireFlag) != 0;

    /// <summary>Absolute expiry in Unix milliseconds, or 0 when the record has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ExpireAt(nint rec) => HasExpire(rec) ? Unsafe.ReadUnaligned<long>(ExpirePointer(rec)) : 0;

    /// <summary>Sets the expiry; only valid for records created with hasExpire.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpireAt(nint rec, long unixMs) => Unsafe.WriteUnaligned(ExpirePointer(rec), unixMs);

    /// <summary>Handle of a rich-type value, kept in its 4 value bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Handle(nint rec)
    {
        Lengths(rec, out int keyLength, out _, out int keyOffset);
        return Unsafe.ReadUnaligned<int>((byte*)rec + keyOffset + keyLength);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetHandle(nint rec, int handle)
    {
        Lengths(rec, out int keyLength, out _, out int keyOffset);
        Unsafe.WriteUnaligned((byte*)rec + keyOffset + keyLength, handle);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* ExpirePointer(nint rec)
    {
        byte* l = (byte*)rec + LengthsOffset;
        int skip = (l[0] < 0x80 ? 1 : VarintSizeAt(l));
        skip += l[skip] < 0x80 ? 1 : VarintSizeAt(l + skip);
        return l + skip;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lengths(nint rec, out int keyLength, out int valueLength, out int keyOffset)
    {
        byte* p = (byte*)rec;
        byte* l = p + LengthsOffset;
        // Both lengths below 128 is the overwhelmingly common case: one byte each.
        if ((l[0] | l[1]) < 0x80)
        {
            keyLength = l[0];
            valueLength = l[1];
            keyOffset = LengthsOffset + 2 + ((p[FlagsOffset] & HasExpireFlag) << 3);
            return;
        }
        int a = ReadVarint(l, out uint k);
        int b = ReadVarint(l + a, out uint v);
        keyLength = (int)k;
        valueLength = (int)v;
        keyOffset = LengthsOffset + a + b + ((p[FlagsOffset] & HasExpireFlag) << 3);
    }

    private static int ReadVarint(byte* p, out uint value)
    {
        value = 0;
        int shift = 0;
        int i = 0;
        while (true)
        {
            byte b = p[i++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80) return i;
            shift += 7;
        }
    }

    private static int VarintSizeAt(byte* p)
    {
        int i = 0;
        while (p[i] >= 0x80) i++;
        return i + 1;
    }

    private static int VarintSize(uint value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    private static int WriteVarint(byte* p, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            p[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        p[i++] = (byte)value;
        return i;
    }
}
