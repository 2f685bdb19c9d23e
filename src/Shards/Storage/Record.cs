using System.Runtime.CompilerServices;

namespace TdbPlus.Shards.Storage;

/// <summary>Layout and accessors of one key/value entry stored in <see cref="SlabArena"/> memory.</summary>
/// <remarks>
/// Header: Type(1) Flags(1) Reserved(2) Lru(4) KeyLength(4) ValueLength(4), then ExpireAtMs(8) when
/// HasExpire, then the key bytes, then the value bytes. Rich types (Type != 0) keep an int handle in
/// the ValueLength field and carry no value bytes, so they must be created with valueLength 0.
/// </remarks>
public static unsafe class Record
{
    /// <summary>Type of a plain string record.</summary>
    public const byte StringType = 0;

    /// <summary>Flag bit: the record carries ExpireAtMs; fixed at creation because it moves the key.</summary>
    public const byte HasExpireFlag = 1;

    /// <summary>Flag bit: the string value is stored raw rather than in an integer encoding.</summary>
    public const byte RawEncodingFlag = 2;

    /// <summary>Header bytes without the optional expiry.</summary>
    public const int HeaderSize = 16;

    private const int TypeOffset = 0;
    private const int FlagsOffset = 1;
    private const int LruOffset = 4;
    private const int KeyLengthOffset = 8;
    private const int ValueLengthOffset = 12;
    private const int ExpireOffset = 16;

    /// <summary>Allocates a record, copies the key and leaves the value bytes uninitialised.</summary>
    public static nint Create(SlabArena arena, ReadOnlySpan<byte> key, int valueLength, bool hasExpire)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueLength);
        int header = HeaderSize + (hasExpire ? sizeof(long) : 0);
        byte* p = arena.Allocate(checked(header + key.Length + valueLength));
        *(ulong*)p = hasExpire ? (ulong)HasExpireFlag << (FlagsOffset * 8) : 0UL;
        *(int*)(p + KeyLengthOffset) = key.Length;
        *(int*)(p + ValueLengthOffset) = valueLength;
        if (hasExpire)
            *(long*)(p + ExpireOffset) = 0;
        key.CopyTo(new Span<byte>(p + header, key.Length));
        return (nint)p;
    }

    /// <summary>Size requested from the arena for this record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TotalSize(nint rec) =>
        KeyOffset(rec) + KeyLength(rec) + (Type(rec) == StringType ? ValueLength(rec) : 0);

    /// <summary>Returns the record's memory to the arena.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(SlabArena arena, nint rec) => arena.Free((byte*)rec, TotalSize(rec));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Key(nint rec) =>
        new((byte*)rec + KeyOffset(rec), KeyLength(rec));

    /// <summary>Value bytes of a string record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> Value(nint rec) =>
        new((byte*)rec + KeyOffset(rec) + KeyLength(rec), ValueLength(rec));

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Lru(nint rec) => *(uint*)((byte*)rec + LruOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetLru(nint rec, uint lru) => *(uint*)((byte*)rec + LruOffset) = lru;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyLength(nint rec) => *(int*)((byte*)rec + KeyLengthOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ValueLength(nint rec) => *(int*)((byte*)rec + ValueLengthOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasExpire(nint rec) => (Flags(rec) & HasExpireFlag) != 0;

    /// <summary>Absolute expiry in Unix milliseconds, or 0 when the record has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ExpireAt(nint rec) => HasExpire(rec) ? *(long*)((byte*)rec + ExpireOffset) : 0;

    /// <summary>Sets the expiry; only valid for records created with hasExpire.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetExpireAt(nint rec, long unixMs) => *(long*)((byte*)rec + ExpireOffset) = unixMs;

    /// <summary>Handle of a rich-type value, stored in the ValueLength field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Handle(nint rec) => *(int*)((byte*)rec + ValueLengthOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetHandle(nint rec, int handle) => *(int*)((byte*)rec + ValueLengthOffset) = handle;

    // Branch-free: the HasExpire bit shifted left by 3 is exactly the 8 bytes of ExpireAtMs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeyOffset(nint rec) => HeaderSize + ((Flags(rec) & HasExpireFlag) << 3);
}
