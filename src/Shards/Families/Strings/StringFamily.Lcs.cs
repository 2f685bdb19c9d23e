using System.Text;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Strings;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>LCS with LEN, IDX, MINMATCHLEN and WITHMATCHLEN.</summary>
public static partial class StringFamily
{
    private static void LcsCommand(CommandContext ctx)
    {
        var keyA = ctx.Arg(1);
        var keyB = ctx.Arg(2);
        nint recA = ctx.Db(keyA).FindTouch(keyA, ctx.Now, ctx.Session.NoTouch);
        nint recB = ctx.Db(keyB).FindTouch(keyB, ctx.Now, ctx.Session.NoTouch);
        if ((recA != 0 && Record.Type(recA) != KeyType.String) || (recB != 0 && Record.Type(recB) != KeyType.String))
        {
            ctx.Error("ERR The specified keys must contain string values");
            return;
        }
        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            var opt = StringArgs.CString(ctx.Arg(j));
            bool moreArgs = j < ctx.ArgCount - 1;
            if (Ascii.EqualsIgnoreCase(opt, "IDX"u8)) getIdx = true;
            else if (Ascii.EqualsIgnoreCase(opt, "LEN"u8)) getLen = true;
            else if (Ascii.EqualsIgnoreCase(opt, "WITHMATCHLEN"u8)) withMatchLen = true;
            else if (Ascii.EqualsIgnoreCase(opt, "MINMATCHLEN"u8) && moreArgs)
            {
                if (!ctx.TryGetLong(j + 1, out minMatchLen)) return;
                if (minMatchLen < 0) minMatchLen = 0;
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if (getIdx && getLen)
        {
            ctx.Error("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        ReadOnlySpan<byte> a = recA != 0 ? Record.Value(recA) : default;
        ReadOnlySpan<byte> b = recB != 0 ? Record.Value(recB) : default;
        if ((long)Lcs.TableBytes(a.Length, b.Length) > ctx.Engine.Config.ProtoMaxBulkLen)
        {
            ctx.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        var matches = getIdx ? new List<LcsMatch>() : null;
        int length = Lcs.Compute(a, b, wantSequence: !getIdx && !getLen, out var sequence, matches);
        if (getIdx)
        {
            ctx.Reply.MapHeader(2);
            ctx.Reply.Bulk("matches"u8);
            int count = 0;
            foreach (var m in matches!)
                if (minMatchLen == 0 || m.Length >= minMatchLen) count++;
            ctx.Reply.ArrayHeader(count);
            foreach (var m in matches)
            {
                if (minMatchLen != 0 && m.Length < minMatchLen) continue;
                ctx.Reply.ArrayHeader(withMatchLen ? 3 : 2);
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Integer(m.AStart);
                ctx.Reply.Integer(m.AEnd);
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Integer(m.BStart);
                ctx.Reply.Integer(m.BEnd);
                if (withMatchLen) ctx.Reply.Integer(m.Length);
            }
            ctx.Reply.Bulk("len"u8);
            ctx.Reply.Integer(length);
        }
        else if (getLen) ctx.Reply.Integer(length);
        else ctx.Reply.Bulk(sequence);
    }
}
