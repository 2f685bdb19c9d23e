using System.Text;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// The manifest naming the log's files, in Redis 7's multi-part format (one line per file: file, seq, type
/// b|i) plus the shard an incremental file belongs to: "file appendonly.aof.3.shard1.incr.aof seq 3 type i shard 1".
/// While a rewrite runs a shard has two incremental files (the one before the rewrite and the one after it),
/// replayed in seq order.
/// </summary>
public sealed class AofManifest
{
    /// <summary>The base (an RDB snapshot), if any.</summary>
    public string? BaseFile { get; set; }

    public long BaseSeq { get; set; }

    /// <summary>Per shard (index = shard), its incremental files in replay order with their seq.</summary>
    public List<List<(string File, long Seq)>> Incr { get; } = [];

    /// <summary>Highest seq of the incremental files.</summary>
    public long IncrSeq => Incr.Count == 0 ? 0 : Incr.Max(chain => chain.Count == 0 ? 0 : chain[^1].Seq);

    public int Shards => Incr.Count;

    /// <summary>Every file the manifest names.</summary>
    public IEnumerable<string> Files => Incr.SelectMany(c => c.Select(f => f.File)).Concat(BaseFile is null ? [] : [BaseFile]);

    /// <summary>The incremental files of the newest generation, one per shard (where the log appends).</summary>
    public IReadOnlyList<string> CurrentIncr => Incr.Select(c => c[^1].File).ToList();

    /// <summary>The incremental file of shard <paramref name="shard"/> in generation <paramref name="seq"/>.</summary>
    public static string IncrName(string appendFileName, long seq, int shard) => $"{appendFileName}.{seq}.shard{shard}.incr.aof";

    public static string BaseName(string appendFileName, long seq) => $"{appendFileName}.{seq}.base.rdb";

    /// <summary>A generation of <paramref name="shards"/> new incremental files after <paramref name="baseFile"/> (if any).</summary>
    public static AofManifest Create(string appendFileName, long seq, int shards, string? baseFile = null, long baseSeq = 0)
    {
        var m = new AofManifest { BaseFile = baseFile, BaseSeq = baseSeq };
        for (int i = 0; i < shards; i++) m.Incr.Add([(IncrName(appendFileName, seq, i), seq)]);
        return m;
    }

    /// <summary>This manifest with each shard's chain continued by <paramref name="next"/>'s files (a rewrite in progress).</summary>
    public AofManifest ContinuedBy(AofManifest next)
    {
        var m = new AofManifest { BaseFile = BaseFile, BaseSeq = BaseSeq };
        for (int i = 0; i < next.Shards; i++) m.Incr.Add([.. i < Shards ? Incr[i] : [], .. next.Incr[i]]);
        return m;
    }

    public string Format()
    {
        var sb = new StringBuilder();
        if (BaseFile is not null) sb.Append($"file {BaseFile} seq {BaseSeq} type b\n");
        for (int i = 0; i < Incr.Count; i++)
            foreach (var (file, seq) in Incr[i]) sb.Append($"file {file} seq {seq} type i shard {i}\n");
        return sb.ToString();
    }

    /// <summary>Parses a manifest; a malformed one is an <see cref="AofLoadException"/> naming the line.</summary>
    public static AofManifest Parse(string text, string path)
    {
        var m = new AofManifest();
        var byShard = new SortedDictionary<int, List<(string, long)>>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string? file = null, type = null;
            long seq = -1;
            int shard = -1;
            for (int i = 0; i + 1 < parts.Length; i += 2)
            {
                switch (parts[i])
                {
                    case "file": file = parts[i + 1]; break;
                    case "seq": long.TryParse(parts[i + 1], out seq); break;
                    case "type": type = parts[i + 1]; break;
                    case "shard": int.TryParse(parts[i + 1], out shard); break;
                }
            }
            if (file is null || seq < 0 || type is not ("b" or "i") || parts.Length % 2 != 0 ||
                file.Contains('/') || file.Contains('\\'))
                throw new AofLoadException($"Invalid AOF manifest file format: {path} line {lineNo}: '{line}'");
            if (type == "b")
            {
                if (m.BaseFile is not null) throw new AofLoadException($"Found duplicate base file information in {path} line {lineNo}");
                m.BaseFile = file;
                m.BaseSeq = seq;
                continue;
            }
            if (shard < 0) throw new AofLoadException($"Invalid AOF manifest file format: {path} line {lineNo}: no shard in '{line}'");
            if (!byShard.TryGetValue(shard, out var chain)) byShard[shard] = chain = [];
            chain.Add((file, seq));
        }
        int expect = 0;
        foreach (var (shard, chain) in byShard)
        {
            if (shard != expect++) throw new AofLoadException($"Invalid AOF manifest {path}: no incremental file for shard {expect - 1}");
            chain.Sort((a, b) => a.Item2.CompareTo(b.Item2));
            m.Incr.Add(chain);
        }
        return m;
    }

    /// <summary>Writes the manifest atomically: a temporary file, fsync, rename over the old one, fsync of the directory.</summary>
    public void WriteAtomically(string dir, string manifestName)
    {
        string path = Path.Combine(dir, manifestName);
        string temp = Path.Combine(dir, "temp-" + manifestName);
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(Encoding.UTF8.GetBytes(Format()));
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        FileSync.Directory(dir);
    }
}
