using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Generic per-key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE. Every key goes
/// through <see cref="CommandContext.Db(ReadOnlySpan{byte})"/>, so the same code runs on one shard or with
/// several parked.
/// </summary>
public static class KeyFamily
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;
    private const CommandFlags WriteFast = CommandFlags.Write | CommandFlags.Fast;
    private const AclCategories ReadFastCat = AclCategories.Keyspace | AclCategories.Read | AclCategories.Fast;
    private const AclCategories WriteFastCat = AclCategories.Keyspace | AclCategories.Write | AclCategories.Fast;
    private const AclCategories WriteSlowCat = AclCategories.Keyspace | AclCategories.Write | AclCategories.Slow;

    public const string SameObject = "ERR source and destination objects are the same";
    public const string IntOutOfRange = "ERR value is out of range, value must between -2147483648 and 2147483647";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("DEL", -2, CommandFlags.Write, 1, -1, 1, WriteSlowCat, Del, "Deletes one or more keys."),
        Declare.Keyed("UNLINK", -2, WriteFast, 1, -1, 1, WriteFastCat, Del,
            "Asynchronously deletes one or more keys.", since: "4.0.0"),
        Declare.Keyed("EXISTS", -2, ReadFast, 1, -1, 1, ReadFastCat, Exists, "Determines whether one or more keys exist."),
        Declare.Keyed("TYPE", 2, ReadFast, 1, 1, 1, ReadFastCat, Type, "Determines the type of value stored at a key."),
        Declare.Keyed("TOUCH", -2, ReadFast, 1, -1, 1, ReadFastCat, Touch,
            "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
            since: "3.2.1"),
        Declare.Keyed("RENAME", 3, CommandFlags.Write, 1, 2, 1, WriteSlowCat, Rename, "Renames a key and overwrites the destination."),
        Declare.Keyed("RENAMENX", 3, WriteFast, 1, 2, 1, WriteFastCat, RenameNx, "Renames a key only when the target key name doesn't exist."),
        Declare.Keyed("COPY", -3, CommandFlags.Write | CommandFlags.DenyOom, 1, 2, 1, WriteSlowCat, Copy,
            "Copies the value of a key to a new key.", since: "6.2.0"),
        Declare.Keyed("MOVE", 3, WriteFast, 1, 1, 1, WriteFastCat, Move, "Moves a key to another database."),
    ];

    private static void Del(CommandContext ctx)
    {
        long deleted = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            var db = ctx.Db(key);
            // Find first: an expired key is reclaimed as expired, not counted as deleted.
            if (db.Find(key, ctx.Now) != 0 && db.Delete(key))
            {
                deleted++;
                ctx.Notify(NotifyClass.Generic, "del", key);
            }
        }
        ctx.Reply.Integer(deleted);
    }

    private static void Exists(CommandContext ctx)
    {
        long found = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            if (ctx.Db(key).FindTouch(key, ctx.Now, noTouch: true) != 0) found++;
        }
        ctx.Reply.Integer(found);
    }

    private static void Type(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        nint rec = ctx.Db(key).FindTouch(key, ctx.Now, noTouch: true);
        ctx.Reply.SimpleString(rec == 0 ? "none" : KeyType.Name(Record.Type(rec)));
    }

    private static void Touch(CommandContext ctx)
    {
        long touched = 0;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var key = ctx.Arg(i);
            if (ctx.Db(key).FindTouch(key, ctx.Now) != 0) touched++;
        }
        ctx.Reply.Integer(touched);
    }

    private static void Rename(CommandContext ctx) => RenameGeneric(ctx, nx: false);

    private static void RenameNx(CommandContext ctx) => RenameGeneric(ctx, nx: true);

    private static void RenameGeneric(CommandContext ctx, bool nx)
    {
        var key = ctx.Arg(1);
        var newKey = ctx.Arg(2);
        var source = ctx.Db(key);
        nint rec = source.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Error(Errors.NoSuchKey);
            return;
        }
        if (key.SequenceEqual(newKey))
        {
            if (nx) ctx.Reply.Integer(0);
            else ctx.Reply.Ok();
            return;
        }
        var target = ctx.Db(newKey);
        if (target.FindForWrite(newKey, ctx.Now, ctx.Session.NoTouch) != 0)
        {
            if (nx)
            {
                ctx.Reply.Integer(0);
                return;
            }
            target.Delete(newKey);
        }
        KeyTransfer.Move(source, rec, target, newKey, ctx.Now);
        ctx.Notify(NotifyClass.Generic, "rename_from", key);
        ctx.Notify(NotifyClass.Generic, "rename_to", newKey);
        if (nx) ctx.Reply.Integer(1);
        else ctx.Reply.Ok();
    }

    private static void Copy(CommandContext ctx)
    {
        bool replace = false;
        int targetDb = ctx.DbIndex;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (ctx.ArgIs(j, "REPLACE"u8))
            {
                replace = true;
            }
            else if (ctx.ArgIs(j, "DB"u8) && j + 1 < ctx.ArgCount)
            {
                if (!TryGetDbIndex(ctx, j + 1, out targetDb)) return;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var key = ctx.Arg(1);
        var newKey = ctx.Arg(2);
        if (targetDb == ctx.DbIndex && key.SequenceEqual(newKey))
        {
            ctx.Error(SameObject);
            return;
        }
        var source = ctx.Db(key);
        nint rec = source.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var target = ctx.Db(newKey, targetDb);
        if (target.FindForWrite(newKey, ctx.Now, ctx.Session.NoTouch) != 0)
        {
            if (!replace)
            {
                ctx.Reply.Integer(0);
                return;
            }
            target.Delete(newKey);
        }
        if (KeyTransfer.Copy(rec, source, target, newKey, ctx.Now) == 0)
        {
            ctx.Error("ERR unknown type object");
            return;
        }
        ctx.Notify(NotifyClass.Generic, "copy_to", newKey, targetDb);
        ctx.Reply.Integer(1);
    }

    private static void Move(CommandContext ctx)
    {
        if (!TryGetDbIndex(ctx, 2, out int targetDb)) return;
        if (targetDb == ctx.DbIndex)
        {
            ctx.Error(SameObject);
            return;
        }
        var key = ctx.Arg(1);
        var source = ctx.Db(key);
        nint rec = source.FindForWrite(key, ctx.Now, ctx.Session.NoTouch);
        if (rec == 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        var target = ctx.Db(key, targetDb);
        if (target.FindForWrite(key, ctx.Now, ctx.Session.NoTouch) != 0)
        {
            ctx.Reply.Integer(0);
            return;
        }
        KeyTransfer.Move(source, rec, target, key, ctx.Now);
        ctx.Notify(NotifyClass.Generic, "move_from", key);
        ctx.Notify(NotifyClass.Generic, "move_to", key, targetDb);
        ctx.Reply.Integer(1);
    }

    /// <summary>
    /// A target db index as MOVE and COPY parse it (getIntFromObjectOrReply, then selectDb); false when the
    /// error reply is written.
    /// </summary>
    private static bool TryGetDbIndex(CommandContext ctx, int arg, out int index)
    {
        index = 0;
        if (!TryGetInt(ctx, arg, out index)) return false;
        if (index < 0 || index >= ctx.Engine.Config.Databases)
        {
            ctx.Error(Errors.DbIndexOutOfRange);
            return false;
        }
        return true;
    }

    /// <summary>Redis's getIntFromObjectOrReply: an integer, then a check that it fits an int.</summary>
    internal static bool TryGetInt(CommandContext ctx, int arg, out int value, string? error = null)
    {
        value = 0;
        if (!NumberParser.TryParseInt64(ctx.Arg(arg), out long v))
        {
            ctx.Error(error ?? Errors.NotInteger);
            return false;
        }
        if (v < int.MinValue || v > int.MaxValue)
        {
            ctx.Error(error ?? IntOutOfRange);
            return false;
        }
        value = (int)v;
        return true;
    }
}
