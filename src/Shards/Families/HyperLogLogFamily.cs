using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.HyperLogLog;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// HyperLogLog commands with Redis 7.0 semantics: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. Values are Redis's
/// own HLL strings (see <see cref="Hll"/>), so they can be moved between TDB+ and Redis with GET/SET.
/// </summary>
/// <remarks>
/// Dense values are updated in place in the record; sparse ones in a per-thread <see cref="HllBuffer"/> and
/// written back once per command. Every command that touches an HLL leaves the string raw, as Redis's
/// dbUnshareStringValue does.
/// </remarks>
public static class HyperLogLogFamily
{
    private const string Group = "hyperloglog";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("PFADD", -2, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, 1, 1, 1,
            AclCategories.Write | AclCategories.HyperLogLog | AclCategories.Fast, PfAdd,
            "Adds the specified elements to the specified HyperLogLog.", "2.8.9", Group),
        Declare.Keyed("PFCOUNT", -2, CommandFlags.ReadOnly | CommandFlags.MayReplicate, 1, -1, 1,
            AclCategories.Read | AclCategories.HyperLogLog | AclCategories.Slow, PfCount,
            "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", "2.8.9", Group),
        Declare.Keyed("PFMERGE", -2, CommandFlags.Write | CommandFlags.DenyOom, 1, -1, 1,
            AclCategories.Write | AclCategories.HyperLogLog | AclCategories.Slow, PfMerge,
            "Merge N different HyperLogLogs into a single one.", "2.8.9", Group),
        Declare.Keyed("PFDEBUG", 3, CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Admin, 2, 2, 1,
            AclCategories.Write | AclCategories.HyperLogLog | AclCategories.Admin | AclCategories.Slow, PfDebug,
            "Internal commands for debugging HyperLogLog values", "2.8.9", Group),
        Declare.Local("PFSELFTEST", 1, CommandFlags.Admin,
            AclCategories.HyperLogLog | AclCategories.Admin | AclCategories.Slow | AclCategories.Dangerous, PfSelfTest,
            "An internal command for testing HyperLogLog values", "2.8.9", Group),
    ];

    private static void SetRaw(nint rec) =>
        Record.SetFlags(rec, (byte)((Record.Flags(rec) & ~Record.EmbstrEncodingFlag) | Record.RawEncodingFlag));

    /// <summary>Redis's isHLLObjectOrReply on an existing record: false (error replied) unless a valid HLL string.</summary>
    private static bool CheckHll(CommandContext ctx, nint rec)
    {
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return false;
        }
        if (!Hll.IsValid(Record.Value(rec)))
        {
            ctx.Error(Hll.InvalidHllError);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Stores the buffer as the value of <paramref name="key"/>: a new record when <paramref name="rec"/> is 0,
    /// else the record resized if needed (TTL kept). Returns the record.
    /// </summary>
    private static nint Store(CommandContext ctx, Database db, ReadOnlySpan<byte> key, nint rec, HllBuffer buffer)
    {
        if (rec == 0) rec = db.Create(key, buffer.Length, 0, KeyType.String, ctx.Now);
        else if (Record.ValueLength(rec) != buffer.Length) rec = db.Reshape(rec, buffer.Length, Record.ExpireAt(rec));
        buffer.Value.CopyTo(Record.Value(rec));
        SetRaw(rec);
        return rec;
    }

    // ---- PFADD ----

    private static void PfAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        long sparseMax = ctx.Engine.Config.HllSparseMaxBytes;
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        int updated = 0;
        if (rec != 0)
        {
            if (!CheckHll(ctx, rec)) return;
            SetRaw(rec);
            var value = Record.Value(rec);
            if (Hll.IsDense(value))
            {
                // Dense: registers change in place, the length never does.
                var registers = value.Slice(Hll.HeaderSize, Hll.DenseRegistersSize);
                for (int j = 2; j < ctx.ArgCount; j++)
                {
                    int count = Hll.PatternLength(ctx.Arg(j), out int index);
                    if (Hll.DenseSetIfGreater(registers, index, count)) updated++;
                }
                if (updated > 0)
                {
                    Hll.InvalidateCache(value);
                    ctx.Notify(NotifyClass.String, "pfadd", key);
                }
                ctx.Reply.Integer(updated > 0 ? 1 : 0);
                return;
            }
        }

        var buffer = HllBuffer.Current;
        if (rec == 0)
        {
            buffer.LoadEmpty();
            updated++;
        }
        else buffer.Load(Record.Value(rec));
        bool corrupt = false;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int result = buffer.Add(ctx.Arg(j), sparseMax);
            if (result == 1) updated++;
            else if (result < 0)
            {
                corrupt = true;
                break;
            }
        }
        // Whatever was set before a corruption was found stays set, as in Redis's in-place update.
        if (updated > 0 && !corrupt) Hll.InvalidateCache(buffer.Value);
        if (rec == 0 || updated > 0) Store(ctx, db, key, rec, buffer);
        if (updated > 0) ctx.Notify(NotifyClass.String, "pfadd", key);
        if (corrupt) ctx.Error(Hll.CorruptedError);
        else ctx.Reply.Integer(updated > 0 ? 1 : 0);
    }

    // ---- PFCOUNT ----

    private static void PfCount(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            // Several keys: the cardinality of their union, computed on one-byte registers and not stored.
            Span<byte> max = stackalloc byte[Hll.Registers];
            max.Clear();
            for (int j = 1; j < ctx.ArgCount; j++)
            {
                var k = ctx.Arg(j);
                nint r = ctx.Db(k).FindTouch(k, ctx.Now, ctx.Session.NoTouch);
                if (r == 0) continue;
                if (!CheckHll(ctx, r)) return;
                if (!Hll.Merge(max, Record.Value(r)))
                {
                    ctx.Error(Hll.CorruptedError);
                    return;
                }
            }
            ctx.Reply.Integer((long)Hll.CountRaw(max));
            return;
        }

        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        if (!CheckHll(ctx, rec)) return;
        SetRaw(rec);
        var value = Record.Value(rec);
        ulong card;
        if (Hll.CacheValid(value)) card = Hll.CachedCardinality(value);
        else
        {
            card = Hll.Count(value, out bool invalid);
            if (invalid)
            {
                ctx.Error(Hll.CorruptedError);
                return;
            }
            Hll.SetCachedCardinality(value, card);
            // Redis signals the key as modified when it refreshes the cache: WATCHes on it fire.
            var watches = ctx.ShardOf(key).Store.Watches;
            if (watches.Any) watches.Touch(ctx.DbIndex, key);
        }
        ctx.Reply.Integer((long)card);
    }

    // ---- PFMERGE ----

    private static void PfMerge(CommandContext ctx)
    {
        // The destination (argument 1) is merged in too; every source may be on another (parked) shard.
        Span<byte> max = stackalloc byte[Hll.Registers];
        max.Clear();
        bool useDense = false;
        for (int j = 1; j < ctx.ArgCount; j++)
        {
            var k = ctx.Arg(j);
            nint r = ctx.Db(k).FindTouch(k, ctx.Now, ctx.Session.NoTouch);
            if (r == 0) continue;
            if (!CheckHll(ctx, r)) return;
            var v = Record.Value(r);
            if (Hll.IsDense(v)) useDense = true;
            if (!Hll.Merge(max, v))
            {
                ctx.Error(Hll.CorruptedError);
                return;
            }
        }

        var key = ctx.Arg(1);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        var buffer = HllBuffer.Current;
        if (rec == 0) buffer.LoadEmpty();
        else buffer.Load(Record.Value(rec));
        // (A sparse destination that cannot convert was already rejected by the merge above.)
        if (useDense && !buffer.ToDense())
        {
            ctx.Error(Hll.CorruptedError);
            return;
        }
        long sparseMax = ctx.Engine.Config.HllSparseMaxBytes;
        for (int j = 0; j < Hll.Registers; j++)
        {
            if (max[j] != 0) buffer.Set(j, max[j], sparseMax);
        }
        Hll.InvalidateCache(buffer.Value);
        Store(ctx, db, key, rec, buffer);
        ctx.Notify(NotifyClass.String, "pfadd", key);
        ctx.Reply.Ok();
    }

    // ---- PFDEBUG / PFSELFTEST ----

    private static void PfDebug(CommandContext ctx)
    {
        var key = ctx.Arg(2);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Error("ERR The specified key does not exist");
            return;
        }
        if (!CheckHll(ctx, rec)) return;
        SetRaw(rec);
        var sub = StringArgs.CString(ctx.Arg(1));
        if (Ascii.EqualsIgnoreCase(sub, "GETREG"u8))
        {
            if (!Hll.IsDense(Record.Value(rec)) && !ToDense(ctx, db, key, ref rec)) return;
            var registers = Record.Value(rec)[Hll.HeaderSize..];
            ctx.Reply.ArrayHeader(Hll.Registers);
            for (int j = 0; j < Hll.Registers; j++) ctx.Reply.Integer(Hll.DenseGet(registers, j));
        }
        else if (Ascii.EqualsIgnoreCase(sub, "DECODE"u8))
        {
            var value = Record.Value(rec);
            if (Hll.IsDense(value))
            {
                ctx.Error("ERR HLL encoding is not sparse");
                return;
            }
            ctx.Reply.Bulk(Hll.Decode(value));
        }
        else if (Ascii.EqualsIgnoreCase(sub, "ENCODING"u8))
        {
            ctx.Reply.SimpleString(Hll.IsDense(Record.Value(rec)) ? "dense"u8 : "sparse"u8);
        }
        else if (Ascii.EqualsIgnoreCase(sub, "TODENSE"u8))
        {
            bool convert = !Hll.IsDense(Record.Value(rec));
            if (convert && !ToDense(ctx, db, key, ref rec)) return;
            ctx.Reply.Integer(convert ? 1 : 0);
        }
        else ctx.Error($"ERR Unknown PFDEBUG subcommand '{Encoding.Latin1.GetString(sub)}'");
    }

    private static bool ToDense(CommandContext ctx, Database db, ReadOnlySpan<byte> key, ref nint rec)
    {
        var buffer = HllBuffer.Current;
        buffer.Load(Record.Value(rec));
        if (!buffer.ToDense())
        {
            ctx.Error(Hll.CorruptedError);
            return false;
        }
        rec = Store(ctx, db, key, rec, buffer);
        return true;
    }

    /// <summary>
    /// Redis's PFSELFTEST: random dense registers read back exactly, then 10M elements added to a dense and a
    /// sparse HLL, which must agree and stay within the expected error. Runs on the connection, no keys.
    /// </summary>
    private static void PfSelfTest(CommandContext ctx)
    {
        string? failure = HllSelfTest.Run(ctx.Engine.Config.HllSparseMaxBytes);
        if (failure is null) ctx.Reply.Ok();
        else ctx.Error(failure);
    }
}
