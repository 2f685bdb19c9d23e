using TdbPlus.Resp;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// Reads one shard's log (its incremental files in order) item by item, tracking SELECT; remembers a torn
/// tail of the last file and refuses corruption.
/// </summary>
public sealed class AofShardCursor : IDisposable
{
    private readonly IReadOnlyList<string> _paths;
    private readonly Func<string, Stream> _open;
    private AofRecordReader _reader;
    private int _file;
    private long _before;
    private int _db;

    public AofShardCursor(IReadOnlyList<string> paths, Func<string, Stream> open)
    {
        _paths = paths;
        _open = open;
        _reader = new AofRecordReader(open(paths[0]));
    }

    /// <summary>One file read from a stream (tests).</summary>
    public AofShardCursor(string path, Stream stream) : this([path], _ => stream)
    {
    }

    /// <summary>The file being read.</summary>
    public string Path => _paths[_file];

    /// <summary>The item at the head, or null at the end (or at a torn tail).</summary>
    public AofItem? Head { get; private set; }

    /// <summary>Offset where an incomplete command, MULTI or unit starts at the end of the file; -1 when none.</summary>
    public long TornAt { get; private set; } = -1;

    /// <summary>Bytes read so far over all its files (loading progress).</summary>
    public long Position => _before + _reader.Position;

    /// <summary>Highest unit id seen in this file.</summary>
    public long MaxUnitId { get; private set; }

    /// <summary>Reads the next item into <see cref="Head"/>.</summary>
    public void Advance() => Head = ReadItem();

    private AofItem? ReadItem()
    {
        while (true)
        {
            var rec = Next(out long start);
            if (rec is null) return null;
            if (rec.NameIs("SELECT"))
            {
                Select(rec);
                continue;
            }
            if (rec.NameIs("MULTI")) return ReadGroup(start, "EXEC", 0, 0);
            if (rec.NameIs("TDB.TXBEGIN"))
            {
                if (rec.Args.Length != 3 || !NumberParser.TryParseInt64(rec.Arg(1), out long id) || id <= 0 ||
                    !NumberParser.TryParseInt64(rec.Arg(2), out long n) || n < 1)
                    throw Bad(start, "malformed TDB.TXBEGIN");
                MaxUnitId = Math.Max(MaxUnitId, id);
                return ReadGroup(start, "TDB.TXEND", id, (int)n);
            }
            if (rec.NameIs("EXEC") || rec.NameIs("TDB.TXEND")) throw Bad(start, $"{rec.Name} without its start");
            var item = new AofItem();
            item.Commands.Add(rec);
            return item;
        }
    }

    private AofItem? ReadGroup(long groupStart, string end, long id, int participants)
    {
        var item = new AofItem { UnitId = id, Participants = participants };
        while (true)
        {
            var rec = Next(out long start, inGroup: true);
            if (rec is null)
            {
                // The group never closed: what it began is a torn tail, from its first byte.
                TornAt = groupStart;
                return null;
            }
            if (rec.NameIs("SELECT"))
            {
                Select(rec);
                continue;
            }
            if (rec.NameIs(end)) return item;
            if (rec.NameIs("MULTI") || rec.NameIs("EXEC") || rec.NameIs("TDB.TXBEGIN") || rec.NameIs("TDB.TXEND"))
                throw Bad(start, $"{rec.Name} inside a {(id == 0 ? "MULTI" : "TDB.TXBEGIN")} group");
            item.Commands.Add(rec);
        }
    }

    private void Select(AofRecord rec)
    {
        if (rec.Args.Length != 2 || !NumberParser.TryParseInt64(rec.Arg(1), out long db) || db < 0 || db > int.MaxValue)
            throw Bad(rec.Offset, "malformed SELECT");
        _db = (int)db;
    }

    private AofRecord? Next(out long start, bool inGroup = false)
    {
        while (true)
        {
            var status = _reader.Read(out var rec, out start);
            bool last = _file == _paths.Count - 1;
            switch (status)
            {
                case AofReadStatus.Record:
                    rec!.Db = _db;
                    return rec;
                case AofReadStatus.Truncated when last:
                    TornAt = start;
                    return null;
                case AofReadStatus.Truncated:
                    throw Bad(start, "unexpected end of a file that is not the shard's last");
                case AofReadStatus.Corrupt:
                    throw Bad(_reader.ProblemOffset, _reader.Problem);
                default:
                    if (last) return null;
                    if (inGroup) throw Bad(start, "a MULTI or unit continues past the end of the file");
                    // The next file of the chain (written after a rewrite began) carries on from here.
                    _before += _reader.Position;
                    _reader.Dispose();
                    _reader = new AofRecordReader(_open(_paths[++_file]));
                    continue;
            }
        }
    }

    private AofLoadException Bad(long offset, string what) =>
        new($"Bad file format reading the append only file {System.IO.Path.GetFileName(Path)} at offset {offset} ({what}): " +
            "make a backup of your AOF file, then repair or remove the damaged part before starting again");

    public void Dispose() => _reader.Dispose();
}
