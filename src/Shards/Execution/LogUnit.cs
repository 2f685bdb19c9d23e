using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>
/// The records a holder of several shards produced (a multi-key command, EXEC, a script's effects), gathered
/// until the hold ends so they can be logged as one unit in every shard they changed.
/// </summary>
public sealed class LogUnit
{
    private readonly List<(int Db, int Start, int End, int Records)> _parts = [];

    /// <summary>The records, back to back.</summary>
    public EffectLog Records { get; } = new();

    /// <summary>Shards whose data the unit changed.</summary>
    public ulong Shards { get; private set; }

    public bool IsEmpty => _parts.Count == 0;

    public int Count => _parts.Count;

    /// <summary>Commands in the unit.</summary>
    public int CommandCount => Records.Records;

    /// <summary>The db of part <paramref name="i"/> (one command's records).</summary>
    public int PartDb(int i) => _parts[i].Db;

    /// <summary>The bytes of part <paramref name="i"/>.</summary>
    public ReadOnlySpan<byte> PartBytes(int i) => Records.Written[_parts[i].Start.._parts[i].End];

    /// <summary>Commands in part <paramref name="i"/>.</summary>
    public int PartRecords(int i) => _parts[i].Records;

    public void Add(int dbIndex, EffectLog records, ulong shards)
    {
        int start = Records.Length;
        Records.Append(records.Written, records.Records);
        _parts.Add((dbIndex, start, Records.Length, records.Records));
        Shards |= shards;
    }

    public void Clear()
    {
        _parts.Clear();
        Records.Clear();
        Records.Trim(1024 * 1024);
        Shards = 0;
    }
}
