using System.Net.Sockets;
using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence;

/// <summary>
/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k...]:
/// pipelines [AUTH], SELECT and one RESTORE per live key (with its remaining TTL and DUMP payload) to the
/// target, then deletes each key the target accepted unless COPY, as Redis's migrateCommand does.
/// </summary>
internal static class Migrate
{
    public static void Run(CommandContext ctx)
    {
        bool copy = false, replace = false;
        byte[]? user = null, password = null;
        int firstKey = 3, numKeys = 1;
        for (int j = 6; j < ctx.ArgCount; j++)
        {
            int more = ctx.ArgCount - 1 - j;
            if (ctx.ArgIs(j, "COPY"u8)) copy = true;
            else if (ctx.ArgIs(j, "REPLACE"u8)) replace = true;
            else if (ctx.ArgIs(j, "AUTH"u8))
            {
                if (more < 1)
                {
                    ctx.SyntaxError();
                    return;
                }
                password = ctx.Arg(++j).ToArray();
            }
            else if (ctx.ArgIs(j, "AUTH2"u8))
            {
                if (more < 2)
                {
                    ctx.SyntaxError();
                    return;
                }
                user = ctx.Arg(++j).ToArray();
                password = ctx.Arg(++j).ToArray();
            }
            else if (ctx.ArgIs(j, "KEYS"u8))
            {
                if (ctx.Arg(3).Length != 0)
                {
                    ctx.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
                    return;
                }
                firstKey = j + 1;
                numKeys = ctx.ArgCount - j - 1;
                break;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (!ctx.TryGetLong(5, out long timeout) || !ctx.TryGetLong(4, out long dbid)) return;
        if (timeout <= 0) timeout = 1000;

        var keys = new List<byte[]>();
        for (int j = 0; j < numKeys; j++)
        {
            var key = ctx.Arg(firstKey + j);
            if (ctx.Db(key).FindTouch(key, ctx.Now, ctx.Session.NoTouch) != 0) keys.Add(key.ToArray());
        }
        if (keys.Count == 0)
        {
            ctx.Reply.SimpleString("NOKEY");
            return;
        }

        using var conn = MigrateConnection.Connect(ctx.ArgString(1), ParsePort(ctx.Arg(2)), (int)Math.Min(timeout, int.MaxValue));
        if (conn is null)
        {
            ctx.Error("IOERR error or timeout connecting to the client");
            return;
        }

        var cmd = new RdbOutput();
        if (password is not null)
        {
            Array(cmd, user is null ? 2 : 3);
            Bulk(cmd, "AUTH"u8);
            if (user is not null) Bulk(cmd, user);
            Bulk(cmd, password);
        }
        Array(cmd, 2);
        Bulk(cmd, "SELECT"u8);
        Bulk(cmd, Encoding.ASCII.GetBytes(dbid.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        bool compress = DumpFamily.Compression(ctx.Engine.Config);
        int fill = ctx.Engine.Config.ListMaxListpackSize;
        var payload = new RdbOutput();
        var sent = new List<byte[]>(keys.Count);
        foreach (var key in keys)
        {
            var db = ctx.Db(key);
            nint rec = db.Find(key, ctx.Now);
            if (rec == 0) continue;
            long ttl = 0;
            if (Record.HasExpire(rec))
            {
                ttl = Record.ExpireAt(rec) - ctx.Now;
                if (ttl < 0) continue;
                if (ttl < 1) ttl = 1;
            }
            sent.Add(key);
            Array(cmd, replace ? 5 : 4);
            Bulk(cmd, "RESTORE"u8);
            Bulk(cmd, key);
            Bulk(cmd, Encoding.ASCII.GetBytes(ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            payload.Clear();
            DumpPayload.Write(payload, db, rec, compress, fill, DumpFamily.CompressDepth(ctx.Engine.Config));
            Bulk(cmd, payload.Written);
            if (replace) Bulk(cmd, "REPLACE"u8);
        }

        bool writing = true;
        try
        {
            conn.Send(cmd.Written);
            writing = false;
            string? authReply = password is not null ? conn.ReadLine() : null;
            string selectReply = conn.ReadLine();
            string? error = null;
            foreach (var key in sent)
            {
                string reply = conn.ReadLine();
                if (authReply is ['-', ..] || selectReply is ['-', ..] || reply is ['-', ..])
                {
                    error ??= authReply is ['-', ..] ? authReply : selectReply is ['-', ..] ? selectReply : reply;
                    continue;
                }
                if (copy) continue;
                ctx.Db(key).Delete(key);
                ctx.Notify(NotifyClass.Generic, "del", key);
                // Logged as the DEL it is here (Redis propagates DEL of the moved keys, never MIGRATE).
                if (ctx.Effects is { } effects)
                {
                    effects.Begin(2);
                    effects.Arg("DEL"u8);
                    effects.Arg(key);
                }
            }
            if (error is not null)
            {
                ctx.Error("ERR Target instance replied with error: " + error[1..]);
                return;
            }
            ctx.Reply.Ok();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            ctx.Error($"IOERR error or timeout {(writing ? "writing" : "reading")} to target instance");
        }
    }

    private static int ParsePort(ReadOnlySpan<byte> arg) =>
        NumberParser.TryParseInt64(arg, out long p) && p is > 0 and <= 65535 ? (int)p : 0;

    private static void Array(RdbOutput o, int n)
    {
        o.WriteByte((byte)'*');
        o.Write(Encoding.ASCII.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        o.Write("\r\n"u8);
    }

    private static void Bulk(RdbOutput o, ReadOnlySpan<byte> s)
    {
        o.WriteByte((byte)'$');
        o.Write(Encoding.ASCII.GetBytes(s.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        o.Write("\r\n"u8);
        o.Write(s);
        o.Write("\r\n"u8);
    }
}
