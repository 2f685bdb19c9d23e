using TdbPlus.Resp;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// Reads back a reply the command just wrote (RESP2 or RESP3), for rewrites that log what the command
/// produced: the member SPOP popped, the ID XADD generated, the key a blocking pop was served from.
/// </summary>
internal ref struct ReplyCursor(ReadOnlySpan<byte> reply)
{
    private readonly ReadOnlySpan<byte> _reply = reply;
    private int _pos;

    /// <summary>An aggregate header (array, set, push); false for anything else (nulls included).</summary>
    public bool TryArray(out int count)
    {
        count = 0;
        if (_pos >= _reply.Length || _reply[_pos] is not ((byte)'*' or (byte)'~' or (byte)'>')) return false;
        return TryHeader(out count) && count >= 0;
    }

    /// <summary>A bulk or simple string; false for nulls and other types.</summary>
    public bool TryString(out ReadOnlySpan<byte> value)
    {
        value = default;
        if (_pos >= _reply.Length) return false;
        byte kind = _reply[_pos];
        if (kind is (byte)'+' or (byte)',' or (byte)':')
        {
            int end = _reply[_pos..].IndexOf("\r\n"u8);
            if (end < 0) return false;
            value = _reply.Slice(_pos + 1, end - 1);
            _pos += end + 2;
            return true;
        }
        if (kind != (byte)'$' || !TryHeader(out int len) || len < 0 || _pos + len + 2 > _reply.Length) return false;
        value = _reply.Slice(_pos, len);
        _pos += len + 2;
        return true;
    }

    /// <summary>Skips one whole value (nested aggregates included).</summary>
    public bool Skip()
    {
        if (_pos >= _reply.Length) return false;
        byte kind = _reply[_pos];
        if (kind is (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%')
        {
            if (!TryHeader(out int n)) return false;
            if (kind == (byte)'%') n *= 2;
            for (int i = 0; i < n; i++)
                if (!Skip()) return false;
            return true;
        }
        if (kind is (byte)'$' or (byte)'=')
        {
            if (!TryHeader(out int len)) return false;
            if (len > 0) _pos += len + 2;
            return _pos <= _reply.Length;
        }
        int end = _reply[_pos..].IndexOf("\r\n"u8);
        if (end < 0) return false;
        _pos += end + 2;
        return true;
    }

    private bool TryHeader(out int n)
    {
        n = 0;
        int end = _reply[_pos..].IndexOf("\r\n"u8);
        if (end < 0 || !NumberParser.TryParseInt64(_reply.Slice(_pos + 1, end - 1), out long v)) return false;
        _pos += end + 2;
        n = (int)v;
        return true;
    }
}
