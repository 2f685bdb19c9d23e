using TdbPlus.Resp;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>What reading the next command of a log found.</summary>
public enum AofReadStatus { Record, End, Truncated, Corrupt }

/// <summary>
/// Reads a log's commands strictly as Redis's loadSingleAppendOnlyFile does: each one a RESP multibulk
/// (*argc, then $len bulks). The end of the file inside a command is a truncated tail; anything else out
/// of place is corruption, reported with its offset.
/// </summary>
public sealed class AofRecordReader(Stream stream) : IDisposable
{
    private readonly byte[] _buf = new byte[64 * 1024];
    private int _pos;
    private int _len;
    private long _base;

    /// <summary>File offset of the next byte to read.</summary>
    public long Position => _base + _pos;

    /// <summary>With <see cref="AofReadStatus.Corrupt"/>: what was wrong, and where.</summary>
    public string Problem { get; private set; } = "";

    public long ProblemOffset { get; private set; }

    public AofReadStatus Read(out AofRecord? record, out long start)
    {
        record = null;
        start = Position;
        int first = NextByte();
        if (first < 0) return AofReadStatus.End;
        if (first != '*') return Corrupt("expected '*'");
        var argc = ReadNumber();
        if (argc.Status != AofReadStatus.Record) return argc.Status;
        if (argc.Value < 1 || argc.Value > 1024 * 1024 * 1024) return Corrupt("invalid argument count");
        var args = new ArgSlice[argc.Value];
        var data = new MemoryStream();
        for (int i = 0; i < args.Length; i++)
        {
            int dollar = NextByte();
            if (dollar < 0) return AofReadStatus.Truncated;
            if (dollar != '$') return Corrupt("expected '$'");
            var len = ReadNumber();
            if (len.Status != AofReadStatus.Record) return len.Status;
            if (len.Value < 0) return Corrupt("invalid bulk length");
            args[i] = new ArgSlice((int)data.Length, (int)len.Value);
            long need = len.Value;
            while (need > 0)
            {
                if (_pos == _len && !Fill()) return AofReadStatus.Truncated;
                int take = (int)Math.Min(need, _len - _pos);
                data.Write(_buf, _pos, take);
                _pos += take;
                need -= take;
            }
            int cr = NextByte(), lf = cr < 0 ? -1 : NextByte();
            if (cr < 0 || lf < 0) return AofReadStatus.Truncated;
            if (cr != '\r' || lf != '\n') return Corrupt("expected CRLF after a bulk");
        }
        record = new AofRecord(data.ToArray(), args, start, Position);
        return AofReadStatus.Record;
    }

    private (AofReadStatus Status, long Value) ReadNumber()
    {
        long value = 0;
        int digits = 0;
        bool negative = false;
        while (true)
        {
            int b = NextByte();
            if (b < 0) return (AofReadStatus.Truncated, 0);
            if (b == '\r')
            {
                int lf = NextByte();
                if (lf < 0) return (AofReadStatus.Truncated, 0);
                if (lf != '\n' || digits == 0) return (Corrupt("malformed length line"), 0);
                return (AofReadStatus.Record, negative ? -value : value);
            }
            if (b == '-' && digits == 0 && !negative)
            {
                negative = true;
                continue;
            }
            if (b < '0' || b > '9' || ++digits > 18) return (Corrupt("malformed length line"), 0);
            value = value * 10 + (b - '0');
        }
    }

    private AofReadStatus Corrupt(string what)
    {
        Problem = what;
        ProblemOffset = Position - 1;
        return AofReadStatus.Corrupt;
    }

    private int NextByte()
    {
        if (_pos == _len && !Fill()) return -1;
        return _buf[_pos++];
    }

    private bool Fill()
    {
        _base += _len;
        _pos = 0;
        _len = stream.Read(_buf, 0, _buf.Length);
        return _len > 0;
    }

    public void Dispose() => stream.Dispose();
}
