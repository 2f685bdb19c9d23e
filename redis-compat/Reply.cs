using System.Text;

namespace TdbPlus.RedisCompat;

/// <summary>How a read of a server reply ended.</summary>
public enum ReplyEnd
{
    /// <summary>One (or, for collected reads, a series of) complete frame(s) was read.</summary>
    Frames,

    /// <summary>The server closed the connection (possibly after sending some bytes).</summary>
    Closed,

    /// <summary>Nothing at all arrived within the wait of a collected read.</summary>
    NoReply,

    /// <summary>A partial frame arrived and then nothing more within the time limit.</summary>
    Timeout,

    /// <summary>Bytes that are not valid RESP arrived.</summary>
    Invalid,

    /// <summary>The harness could not (re)open a connection to the server.</summary>
    ConnectFailed,
}

/// <summary>Raw bytes of what a server sent back for one case, plus how the read ended.</summary>
public sealed record Reply(byte[] Bytes, ReplyEnd End)
{
    /// <summary>Byte-exact comparison key: the raw bytes plus the way the read ended.</summary>
    public string Exact => Render();

    /// <summary>The RESP type/shape of the reply (for <c>@type</c> cases).</summary>
    public string ShapeKey
    {
        get
        {
            if (End != ReplyEnd.Frames)
            {
                return Render();
            }

            var shape = RespFrame.Shape(Bytes);
            return shape ?? "<not one frame> " + Render();
        }
    }

    public string Render()
    {
        var sb = new StringBuilder();
        if (Bytes.Length > 0 || End == ReplyEnd.Frames)
        {
            sb.Append(RespFrame.Escape(Bytes));
        }

        var marker = End switch
        {
            ReplyEnd.Closed => "<connection closed>",
            ReplyEnd.NoReply => "<no reply>",
            ReplyEnd.Timeout => "<timeout: incomplete reply>",
            ReplyEnd.Invalid => "<invalid RESP>",
            ReplyEnd.ConnectFailed => "<connect failed>",
            _ => null,
        };
        if (marker != null)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(marker);
        }

        return sb.ToString();
    }

    public override string ToString() => Render();
}
