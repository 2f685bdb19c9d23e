using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>APPEND, STRLEN, GETRANGE/SUBSTR and SETRANGE.</summary>
public static partial class StringFamily
{
    private static void Append(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var append = ctx.Arg(2);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            db.SetString(key, append, 0, ctx.Now);
            ctx.Notify(NotifyClass.String, "append", key);
            ctx.Reply.Integer(append.Length);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        int oldLength = Record.ValueLength(rec);
        if (!CheckStringLength(ctx, oldLength, append.Length)) return;
        int total = oldLength + append.Length;
        if (append.Length > 0)
        {
            rec = db.Reshape(rec, total, Record.ExpireAt(rec));
            append.CopyTo(Record.Value(rec)[oldLength..]);
        }
        // Redis unshares the value before appending, so even an empty append leaves a raw string.
        SetEncoding(rec, Record.RawEncodingFlag);
        ctx.Notify(NotifyClass.String, "append", key);
        ctx.Reply.Integer(total);
    }

    /// <summary>Redis's checkStringLength against proto-max-bulk-len (and what a record can hold).</summary>
    private static bool CheckStringLength(CommandContext ctx, long size, long append)
    {
        long limit = Math.Min(ctx.Engine.Config.ProtoMaxBulkLen, int.MaxValue - 1024);
        if (size > limit || append > limit - size)
        {
            ctx.Error(Errors.StringTooLong);
            return false;
        }
        return true;
    }

    private static void SetEncoding(nint rec, byte encodingFlag) =>
        Record.SetFlags(rec, (byte)((Record.Flags(rec) & ~EncodingFlags) | encodingFlag));

    private static void StrLen(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0) ctx.Reply.Integer(0);
        else if (Record.Type(rec) != KeyType.String) ctx.WrongType();
        else ctx.Reply.Integer(Record.ValueLength(rec));
    }

    private static void GetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (Record.Type(rec) != KeyType.String)
        {
            ctx.WrongType();
            return;
        }
        var value = Record.Value(rec);
        long length = value.Length;
        if (start < 0 && end < 0 && start > end)
        {
            ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
            return;
        }
        if (start < 0) start = length + start;
        if (end < 0) end = length + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= length) end = length - 1;
        if (start > end || length == 0) ctx.Reply.Bulk(ReadOnlySpan<byte>.Empty);
        else ctx.Reply.Bulk(value.Slice((int)start, (int)(end - start + 1)));
    }

    private static void SetRange(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long offset)) return;
        if (offset < 0)
        {
            ctx.Error("ERR offset is out of range");
            return;
        }
        var key = ctx.Arg(1);
        var value = ctx.Arg(3);
        var db = ctx.Db(key);
        nint rec = db.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        int oldLength;
        if (rec == 0)
        {
            if (value.Length == 0)
            {
                ctx.Reply.Integer(0);
                return;
            }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            oldLength = 0;
            rec = db.Create(key, (int)offset + value.Length, 0, KeyType.String, ctx.Now);
        }
        else
        {
            if (Record.Type(rec) != KeyType.String)
            {
                ctx.WrongType();
                return;
            }
            oldLength = Record.ValueLength(rec);
            if (value.Length == 0)
            {
                ctx.Reply.Integer(oldLength);
                return;
            }
            if (!CheckStringLength(ctx, offset, value.Length)) return;
            if (offset + value.Length > oldLength)
                rec = db.Reshape(rec, (int)offset + value.Length, Record.ExpireAt(rec));
        }
        var target = Record.Value(rec);
        if (offset > oldLength) target[oldLength..(int)offset].Clear();
        value.CopyTo(target[(int)offset..]);
        SetEncoding(rec, Record.RawEncodingFlag);
        ctx.Notify(NotifyClass.String, "setrange", key);
        ctx.Reply.Integer(target.Length);
    }
}
