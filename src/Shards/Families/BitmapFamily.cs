using System.Buffers;
using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Bits;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Bitmap commands with Redis 7.0 semantics over string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
/// BITFIELD_RO.
/// </summary>
/// <remarks>
/// Writers leave the value raw (Redis's dbUnshareStringValue / createObject), so OBJECT ENCODING reports raw
/// for any string SETBIT, BITFIELD or BITOP wrote. Offsets are limited by proto-max-bulk-len as in Redis.
/// </remarks>
public static class BitmapFamily
{
    private const string Group = "bitmap";
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const AclCategories ReadSlow = AclCategories.Read | AclCategories.Bitmap | AclCategories.Slow;
    private const AclCategories ReadFast = AclCategories.Read | AclCategories.Bitmap | AclCategories.Fast;
    private const AclCategories WriteSlow = AclCategories.Write | AclCategories.Bitmap | AclCategories.Slow;

    public const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    public const string BitValueError = "ERR bit is not an integer or out of range";
    public const string BitfieldTypeError =
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("SETBIT", 4, WriteOom, 1, 1, 1, WriteSlow, SetBit,
            "Sets or clears the bit at offset in the string value stored at key", "2.2.0", Group),
        Declare.Keyed("GETBIT", 3, CommandFlags.ReadOnly | CommandFlags.Fast, 1, 1, 1, ReadFast, GetBit,
            "Returns the bit value at offset in the string value stored at key", "2.2.0", Group),
        Declare.Keyed("BITCOUNT", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadSlow, BitCount,
            "Count set bits in a string", "2.6.0", Group),
        Declare.Keyed("BITPOS", -3, CommandFlags.ReadOnly, 1, 1, 1, ReadSlow, BitPos,
            "Find first bit set or clear in a string", "2.8.7", Group),
        Declare.Keyed("BITOP", -4, WriteOom, 2, -1, 1, WriteSlow, BitOp,
            "Perform bitwise operations between strings", "2.6.0", Group),
        Declare.Keyed("BITFIELD", -2, WriteOom, 1, 1, 1, WriteSlow, BitField,
            "Perform arbitrary bitfield integer operations on strings", "3.2.0", Group),
        Declare.Keyed("BITFIELD_RO", -2, CommandFlags.ReadOnly | CommandFlags.Fast, 1, 1, 1, ReadFast, BitFieldRo,
            "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0", Group),
    ];

    // ---- argument helpers ----

    /// <summary>
    /// Redis's getBitOffsetFromArgument: a non-negative bit offset whose byte is below proto-max-bulk-len; with
    /// <paramref name="hashBits"/> &gt; 0 the "#n" form means n * bits (wrapping as C does).
    /// </summary>
    private static bool TryGetBitOffset(CommandContext ctx, int index, int hashBits, out ulong offset)
    {
        offset = 0;
        var arg = ctx.Arg(index);
        bool hash = hashBits > 0 && arg.Length > 0 && arg[0] == '#';
        if (!NumberParser.TryParseInt64(hash ? arg[1..] : arg, out long value))
        {
            ctx.Error(BitOffsetError);
            return false;
        }
        if (hash) value = unchecked(value * hashBits);
        // A record holds at most int.MaxValue - 1024 value bytes (only reachable with proto-max-bulk-len > 2GB).
        long limit = Math.Min(ctx.Engine.Config.ProtoMaxBulkLen, int.MaxValue - 1024);
        if (value < 0 || (value >> 3) >= limit)
        {
            ctx.Error(BitOffsetError);
            return false;
        }
        offset = (ulong)value;
        return true;
    }

    /// <summary>Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the digits read up to a NUL byte).</summary>
    private static bool TryGetBitfieldType(CommandContext ctx, int index, out bool signed, out int bits)
    {
        signed = false;
        bits = 0;
        var arg = ctx.Arg(index);
        if (arg.Length > 0 && (arg[0] == 'i' || arg[0] == 'u'))
        {
            signed = arg[0] == 'i';
            if (NumberParser.TryParseInt64(StringArgs.CString(arg[1..]), out long n) && n >= 1 && n <= (signed ? 64 : 63))
            {
                bits = (int)n;
                return true;
            }
        }
        ctx.Error(BitfieldTypeError);
        return false;
    }

    /// <summary>strcasecmp of an argument (up to its first NUL byte) against an upper-case keyword.</summary>
    private static bool Is(CommandContext ctx, int index, ReadOnlySpan<byte> upperKeyword) =>
        Ascii.EqualsIgnoreCase(StringArgs.CString(ctx.Arg(index)), upperKeyword);

    private static void SetRaw(nint rec) =>
        Record.SetFlags(rec, (byte)((Record.Flags(rec) & ~Record.EmbstrEncodingFlag) | Record.RawEncodingFlag));

    /// <summary>
    /// Redis's lookupStringForBitCommand: the string at argument 1, created or zero-padded so that bit
    /// <paramref name="maxBit"/> exists, and left raw. False (error replied) when the key holds another type.
    /// </summary>
    private static bool LookupStringForBits(CommandContext ctx, ulong maxBit, out nint rec, out bool grown)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        int needed = (int)(maxBit >> 3) + 1;
        grown = false;
        rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            rec = db.Create(key, needed, 0, KeyType.String, ctx.Now);
            Record.Value(rec).Clear();
            grown = true;
        }
        else
        {
            if (Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return false;
            }
            int oldLength = Record.ValueLength(rec);
            if (needed > oldLength)
            {
                rec = db.Reshape(rec, needed, Record.ExpireAt(rec));
                Record.Value(rec)[oldLength..].Clear();
                grown = true;
            }
        }
        SetRaw(rec);
        return true;
    }

    // ---- SETBIT / GETBIT ----

    private static void SetBit(CommandContext ctx)
    {
        if (!TryGetBitOffset(ctx, 2, 0, out ulong offset)) return;
        if (!NumberParser.TryParseInt64(ctx.Arg(3), out long on) || (on & ~1L) != 0)
        {
            ctx.Error(BitValueError);
            return;
        }
        if (!LookupStringForBits(ctx, offset, out nint rec, out _)) return;
        var value = Record.Value(rec);
        int index = (int)(offset >> 3);
        int bit = 7 - (int)(offset & 7);
        int old = (value[index] >> bit) & 1;
        value[index] = (byte)((value[index] & ~(1 << bit)) | ((int)on << bit));
        ctx.Notify(NotifyClass.String, "setbit", ctx.Arg(1));
        ctx.Reply.Integer(old);
    }

    private static void GetBit(CommandContext ctx)
    {
        if (!TryGetBitOffset(ctx, 2, 0, out ulong offset)) return;
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        ctx.Reply.Integer(BitOps.GetBit(Record.Value(rec), offset));
    }

    // ---- BITCOUNT / BITPOS ----

    /// <summary>
    /// Turns a start/end range (negative counts from the end) over <paramref name="totalLength"/> units into a
    /// byte range, with masks of the bits of the first and last byte outside a BIT range.
    /// </summary>
    private static void ClampRange(ref long start, ref long end, long totalLength, bool isBit,
        out int firstOutsideMask, out int lastOutsideMask)
    {
        firstOutsideMask = lastOutsideMask = 0;
        if (isBit) totalLength <<= 3;
        if (start < 0) start = totalLength + start;
        if (end < 0) end = totalLength + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= totalLength) end = totalLength - 1;
        if (isBit && start <= end)
        {
            firstOutsideMask = ~((1 << (8 - (int)(start & 7))) - 1) & 0xFF;
            lastOutsideMask = (1 << (7 - (int)(end & 7))) - 1;
            start >>= 3;
            end >>= 3;
        }
    }

    /// <summary>Parses BYTE|BIT at <paramref name="index"/>; false (syntax error replied) for anything else.</summary>
    private static bool TryGetUnit(CommandContext ctx, int index, out bool isBit)
    {
        isBit = Is(ctx, index, "BIT"u8);
        if (isBit || Is(ctx, index, "BYTE"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    private static void BitCount(CommandContext ctx)
    {
        // Redis 7.0 looks the key up before parsing the range: a missing key counts 0 whatever the arguments.
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        ReadOnlySpan<byte> p = Record.Value(rec);
        long start, end;
        int firstMask = 0, lastMask = 0;
        if (ctx.ArgCount is 4 or 5)
        {
            if (!ctx.TryGetLong(2, out start) || !ctx.TryGetLong(3, out end)) return;
            if (start < 0 && end < 0 && start > end)
            {
                ctx.Reply.Integer(0);
                return;
            }
            bool isBit = false;
            if (ctx.ArgCount == 5 && !TryGetUnit(ctx, 4, out isBit)) return;
            ClampRange(ref start, ref end, p.Length, isBit, out firstMask, out lastMask);
        }
        else if (ctx.ArgCount == 2)
        {
            start = 0;
            end = p.Length - 1;
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        if (start > end)
        {
            ctx.Reply.Integer(0);
            return;
        }
        long count = BitOps.PopCount(p.Slice((int)start, (int)(end - start + 1)));
        if (firstMask != 0) count -= byte.PopCount((byte)(p[(int)start] & firstMask));
        if (lastMask != 0) count -= byte.PopCount((byte)(p[(int)end] & lastMask));
        ctx.Reply.Integer(count);
    }

    private static void BitPos(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long bitArg)) return;
        if (bitArg != 0 && bitArg != 1)
        {
            ctx.Error("ERR The bit argument must be 1 or 0.");
            return;
        }
        int bit = (int)bitArg;
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        // A missing key is an infinite run of zero bits.
        if (rec == 0)
        {
            ctx.Reply.Integer(bit == 1 ? -1 : 0);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        ReadOnlySpan<byte> p = Record.Value(rec);
        long start, end;
        bool endGiven = false;
        int firstMask = 0, lastMask = 0;
        if (ctx.ArgCount is 4 or 5 or 6)
        {
            if (!ctx.TryGetLong(3, out start)) return;
            bool isBit = false;
            if (ctx.ArgCount == 6 && !TryGetUnit(ctx, 5, out isBit)) return;
            if (ctx.ArgCount >= 5)
            {
                if (!ctx.TryGetLong(4, out end)) return;
                endGiven = true;
            }
            else end = isBit ? ((long)p.Length << 3) + 7 : p.Length - 1;
            ClampRange(ref start, ref end, p.Length, isBit, out firstMask, out lastMask);
        }
        else if (ctx.ArgCount == 3)
        {
            start = 0;
            end = p.Length - 1;
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        // An empty range holds neither a 0 nor a 1.
        if (start > end)
        {
            ctx.Reply.Integer(-1);
            return;
        }
        ctx.Reply.Integer(FindBit(p, bit, start, end, firstMask, lastMask, endGiven));
    }

    /// <summary>The search of Redis 7.0's BITPOS over bytes start..end, excluding the masked edge bits.</summary>
    private static long FindBit(ReadOnlySpan<byte> p, int bit, long start, long end, int firstMask, int lastMask, bool endGiven)
    {
        long bytes = end - start + 1;
        long pos;
        Span<byte> one = stackalloc byte[1];
        if (firstMask != 0)
        {
            int b = bit == 1 ? p[(int)start] & ~firstMask : p[(int)start] | firstMask;
            if (lastMask != 0 && bytes == 1) b = bit == 1 ? b & ~lastMask : b | lastMask;
            one[0] = (byte)b;
            pos = BitOps.BitPos(one, bit);
            if (bytes == 1 || (pos != -1 && pos != 8)) return Result(pos, start, bytes, bit, endGiven);
            start++;
            bytes--;
        }
        // The last byte, when it has bits outside the range, is looked at on its own.
        long whole = bytes - (lastMask != 0 ? 1 : 0);
        if (whole > 0)
        {
            pos = BitOps.BitPos(p.Slice((int)start, (int)whole), bit);
            if (bytes == whole || (pos != -1 && pos != whole << 3)) return Result(pos, start, bytes, bit, endGiven);
            start += whole;
            bytes -= whole;
        }
        one[0] = (byte)(bit == 1 ? p[(int)end] & ~lastMask : p[(int)end] | lastMask);
        pos = BitOps.BitPos(one, bit);
        return Result(pos, start, bytes, bit, endGiven);

        static long Result(long pos, long start, long bytes, int bit, bool endGiven)
        {
            // Looking for a 0 in an explicit range: the zero padding to its right is not part of the range.
            if (endGiven && bit == 0 && pos == bytes << 3) return -1;
            return pos != -1 ? pos + (start << 3) : pos;
        }
    }

    // ---- BITOP ----

    private enum BitOpKind
    {
        And,
        Or,
        Xor,
        Not,
    }

    private static void BitOp(CommandContext ctx)
    {
        BitOpKind op;
        if (Is(ctx, 1, "AND"u8)) op = BitOpKind.And;
        else if (Is(ctx, 1, "OR"u8)) op = BitOpKind.Or;
        else if (Is(ctx, 1, "XOR"u8)) op = BitOpKind.Xor;
        else if (Is(ctx, 1, "NOT"u8)) op = BitOpKind.Not;
        else
        {
            ctx.SyntaxError();
            return;
        }
        if (op == BitOpKind.Not && ctx.ArgCount != 4)
        {
            ctx.Error("ERR BITOP NOT must be called with a single source key.");
            return;
        }

        // Sources may live on other shards (all parked for this command); missing keys read as empty strings.
        int count = ctx.ArgCount - 3;
        var sources = ArrayPool<nint>.Shared.Rent(count);
        try
        {
            long maxLength = 0;
            var dest = ctx.Arg(2);
            bool destIsSource = false;
            for (int j = 0; j < count; j++)
            {
                var key = ctx.Arg(3 + j);
                nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
                if (rec != 0 && Record.Type(rec) != KeyType.String)
                {
                    ctx.WrongType();
                    return;
                }
                sources[j] = rec;
                if (rec != 0) maxLength = Math.Max(maxLength, Record.ValueLength(rec));
                destIsSource |= key.SequenceEqual(dest);
            }

            var destDb = ctx.Db(dest);
            if (maxLength == 0)
            {
                if (destDb.Delete(dest)) ctx.Notify(NotifyClass.Generic, "del", dest);
                ctx.Reply.Integer(0);
                return;
            }
            int length = (int)maxLength;
            if (destIsSource)
            {
                // Replacing the destination frees a source record: compute aside, then store.
                byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    Compute(op, sources.AsSpan(0, count), buffer.AsSpan(0, length));
                    SetRaw(destDb.SetString(dest, buffer.AsSpan(0, length), 0, ctx.Now));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            else
            {
                nint target = destDb.Create(dest, length, 0, KeyType.String, ctx.Now);
                Compute(op, sources.AsSpan(0, count), Record.Value(target));
                SetRaw(target);
            }
            ctx.Notify(NotifyClass.String, "set", dest);
            ctx.Reply.Integer(length);
        }
        finally
        {
            ArrayPool<nint>.Shared.Return(sources);
        }
    }

    /// <summary>Combines the source values (0 = missing key) into <paramref name="result"/> (the longest length).</summary>
    private static void Compute(BitOpKind op, ReadOnlySpan<nint> sources, Span<byte> result)
    {
        ReadOnlySpan<byte> first = sources[0] == 0 ? default : Record.Value(sources[0]);
        first.CopyTo(result);
        result[first.Length..].Clear();
        if (op == BitOpKind.Not)
        {
            BitOps.Not(result);
            return;
        }
        for (int j = 1; j < sources.Length; j++)
        {
            ReadOnlySpan<byte> src = sources[j] == 0 ? default : Record.Value(sources[j]);
            switch (op)
            {
                case BitOpKind.And:
                    BitOps.And(result, src);
                    // Shorter strings are zero padded, and x AND 0 is 0.
                    result[src.Length..].Clear();
                    break;
                case BitOpKind.Or:
                    BitOps.Or(result, src);
                    break;
                default:
                    BitOps.Xor(result, src);
                    break;
            }
        }
    }

    // ---- BITFIELD / BITFIELD_RO ----

    private enum FieldOpcode : byte
    {
        Get,
        Set,
        IncrBy,
    }

    private struct FieldOp
    {
        public ulong Offset;
        public long Value;
        public FieldOpcode Opcode;
        public BitfieldOverflow Overflow;
        public int Bits;
        public bool Signed;
    }

    private static void BitField(CommandContext ctx) => BitFieldGeneric(ctx, readOnlyCommand: false);

    private static void BitFieldRo(CommandContext ctx) => BitFieldGeneric(ctx, readOnlyCommand: true);

    /// <summary>Redis's bitfieldGeneric: parses every operation, then looks the key up once and runs them in order.</summary>
    private static void BitFieldGeneric(CommandContext ctx, bool readOnlyCommand)
    {
        // At most one operation per two arguments after the key; pooled so the hot path allocates nothing.
        var ops = ArrayPool<FieldOp>.Shared.Rent(Math.Max(1, (ctx.ArgCount - 2) / 2));
        try
        {
            BitFieldGeneric(ctx, readOnlyCommand, ops);
        }
        finally
        {
            ArrayPool<FieldOp>.Shared.Return(ops);
        }
    }

    private static void BitFieldGeneric(CommandContext ctx, bool readOnlyCommand, FieldOp[] ops)
    {
        int opCount = 0;
        var overflow = BitfieldOverflow.Wrap;
        bool readOnly = true;
        ulong highestWrite = 0;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int remaining = ctx.ArgCount - j - 1;
            FieldOpcode opcode;
            if (Is(ctx, j, "GET"u8) && remaining >= 2) opcode = FieldOpcode.Get;
            else if (Is(ctx, j, "SET"u8) && remaining >= 3) opcode = FieldOpcode.Set;
            else if (Is(ctx, j, "INCRBY"u8) && remaining >= 3) opcode = FieldOpcode.IncrBy;
            else if (Is(ctx, j, "OVERFLOW"u8) && remaining >= 1)
            {
                j++;
                if (Is(ctx, j, "WRAP"u8)) overflow = BitfieldOverflow.Wrap;
                else if (Is(ctx, j, "SAT"u8)) overflow = BitfieldOverflow.Sat;
                else if (Is(ctx, j, "FAIL"u8)) overflow = BitfieldOverflow.Fail;
                else
                {
                    ctx.Error("ERR Invalid OVERFLOW type specified");
                    return;
                }
                continue;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }

            if (!TryGetBitfieldType(ctx, j + 1, out bool signed, out int bits)) return;
            if (!TryGetBitOffset(ctx, j + 2, bits, out ulong offset)) return;
            long value = 0;
            if (opcode != FieldOpcode.Get)
            {
                readOnly = false;
                highestWrite = Math.Max(highestWrite, offset + (ulong)bits - 1);
                if (!ctx.TryGetLong(j + 3, out value)) return;
            }
            ops[opCount++] = new FieldOp { Offset = offset, Value = value, Opcode = opcode, Overflow = overflow, Bits = bits, Signed = signed };
            j += opcode == FieldOpcode.Get ? 2 : 3;
        }

        nint rec;
        if (readOnly)
        {
            var key = ctx.Arg(1);
            rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
            if (rec != 0 && Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return;
            }
        }
        else
        {
            if (readOnlyCommand)
            {
                ctx.Error("ERR BITFIELD_RO only supports the GET subcommand");
                return;
            }
            // The farthest written bit may lie past what a record holds even though each offset was in range.
            if ((highestWrite >> 3) + 1 > int.MaxValue - 1024)
            {
                ctx.Error(BitOffsetError);
                return;
            }
            if (!LookupStringForBits(ctx, highestWrite, out rec, out _)) return;
        }

        int changes = 0;
        ctx.Reply.ArrayHeader(opCount);
        foreach (var op in ops.AsSpan(0, opCount))
        {
            if (op.Opcode == FieldOpcode.Get)
            {
                ReadOnlySpan<byte> src = rec == 0 ? default : Record.Value(rec);
                if (op.Signed) ctx.Reply.Integer(BitOps.GetSigned(src, op.Offset, op.Bits));
                else ctx.Reply.Integer((long)BitOps.GetUnsigned(src, op.Offset, op.Bits));
                continue;
            }
            var data = Record.Value(rec);
            if (op.Signed)
            {
                long oldValue = BitOps.GetSigned(data, op.Offset, op.Bits);
                long newValue, reply;
                int overflowed;
                if (op.Opcode == FieldOpcode.IncrBy)
                {
                    overflowed = BitOps.CheckSignedOverflow(oldValue, op.Value, op.Bits, op.Overflow, out long wrapped);
                    newValue = overflowed != 0 ? wrapped : unchecked(oldValue + op.Value);
                    reply = newValue;
                }
                else
                {
                    newValue = op.Value;
                    overflowed = BitOps.CheckSignedOverflow(newValue, 0, op.Bits, op.Overflow, out long wrapped);
                    if (overflowed != 0) newValue = wrapped;
                    reply = oldValue;
                }
                if (overflowed != 0 && op.Overflow == BitfieldOverflow.Fail) ctx.Reply.NullBulk();
                else
                {
                    ctx.Reply.Integer(reply);
                    BitOps.SetUnsigned(data, op.Offset, op.Bits, (ulong)newValue);
                    changes++;
                }
            }
            else
            {
                ulong oldValue = BitOps.GetUnsigned(data, op.Offset, op.Bits);
                ulong newValue, reply;
                int overflowed;
                if (op.Opcode == FieldOpcode.IncrBy)
                {
                    newValue = unchecked(oldValue + (ulong)op.Value);
                    overflowed = BitOps.CheckUnsignedOverflow(oldValue, op.Value, op.Bits, op.Overflow, out ulong wrapped);
                    if (overflowed != 0) newValue = wrapped;
                    reply = newValue;
                }
                else
                {
                    newValue = (ulong)op.Value;
                    overflowed = BitOps.CheckUnsignedOverflow(newValue, 0, op.Bits, op.Overflow, out ulong wrapped);
                    if (overflowed != 0) newValue = wrapped;
                    reply = oldValue;
                }
                if (overflowed != 0 && op.Overflow == BitfieldOverflow.Fail) ctx.Reply.NullBulk();
                else
                {
                    ctx.Reply.Integer((long)reply);
                    BitOps.SetUnsigned(data, op.Offset, op.Bits, newValue);
                    changes++;
                }
            }
        }
        // After the replies, as Redis: only when a SET/INCRBY was applied.
        if (changes > 0) ctx.Notify(NotifyClass.String, "setbit", ctx.Arg(1));
    }
}
