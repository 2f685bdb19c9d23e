using System.Text;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>Reads one shard's log item by item, tracking SELECT; remembers a torn tail and refuses corruption.</summary>
public sealed class AofShardCursor(string path, Stream stream) : IDisposable
{
    private readonly AofRecordReader _reader = new(stream);
    private int _db;

    public string Path { get; } = path;

    /// <summary>The item at the head, or null at the end (or at a torn tail).</summary>
    public AofItem? Head { get; private set; }

    /// <summary>Offset where an incomplete command, MULTI or unit starts at the end of the file; -1 when none.</summary>
    public long TornAt { get; private set; } = -1;

    /// <summary>Bytes read so far (loading progress).</summary>
    public long Position => _reader.Position;

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
            var rec = Next(out long start);
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

    private AofRecord? Next(out long start)
    {
        var status = _reader.Read(out var rec, out start);
        switch (status)
        {
            case AofReadStatus.Record:
                rec!.Db = _db;
                return rec;
            case AofReadStatus.Truncated:
                TornAt = start;
                return null;
            case AofReadStatus.Corrupt:
                throw Bad(_reader.ProblemOffset, _reader.Problem);
            default:
                return null;
        }
    }

    private AofLoadException Bad(long offset, string what) =>
        new($"Bad file format reading the append only file {System.IO.Path.GetFileName(Path)} at offset {offset} ({what}): " +
            "make a backup of your AOF file, then repair or remove the damaged part before starting again");

    public void Dispose() => _reader.Dispose();

    public override string ToString() => new StringBuilder(Path).Append(" head=").Append(Head?.UnitId).ToString();
}
