using System.Text;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// The manifest naming the log's files, in Redis 7's multi-part format (one line per file: file, seq, type
/// b|i) plus the shard an incremental file belongs to: "file appendonly.aof.3.shard1.incr.aof seq 3 type i shard 1".
/// </summary>
public sealed class AofManifest
{
    /// <summary>The base (an RDB snapshot), if any.</summary>
    public string? BaseFile { get; set; }

    public long BaseSeq { get; set; }

    /// <summary>Incremental file per shard (index = shard).</summary>
    public List<string> IncrFiles { get; } = [];

    /// <summary>Generation of the incremental files.</summary>
    public long IncrSeq { get; set; }

    public int Shards => IncrFiles.Count;

    /// <summary>The incremental file of shard <paramref name="shard"/> in generation <paramref name="seq"/>.</summary>
    public static string IncrName(string appendFileName, long seq, int shard) => $"{appendFileName}.{seq}.shard{shard}.incr.aof";

    public static string BaseName(string appendFileName, long seq) => $"{appendFileName}.{seq}.base.rdb";

    /// <summary>A fresh generation of <paramref name="shards"/> incremental files.</summary>
    public static AofManifest Create(string appendFileName, long seq, int shards, string? baseFile = null, long baseSeq = 0)
    {
        var m = new AofManifest { IncrSeq = seq, BaseFile = baseFile, BaseSeq = baseSeq };
        for (int i = 0; i < shards; i++) m.IncrFiles.Add(IncrName(appendFileName, seq, i));
        return m;
    }

    public string Format()
    {
        var sb = new StringBuilder();
        if (BaseFile is not null) sb.Append($"file {BaseFile} seq {BaseSeq} type b\n");
        for (int i = 0; i < IncrFiles.Count; i++) sb.Append($"file {IncrFiles[i]} seq {IncrSeq} type i shard {i}\n");
        return sb.ToString();
    }

    /// <summary>Parses a manifest; a malformed one is an <see cref="AofLoadException"/> naming the line.</summary>
    public static AofManifest Parse(string text, string path)
    {
        var m = new AofManifest();
        var byShard = new SortedDictionary<int, string>();
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
            if (shard < 0 || byShard.ContainsKey(shard))
                throw new AofLoadException($"Invalid AOF manifest file format: {path} line {lineNo}: missing or repeated shard in '{line}'");
            byShard[shard] = file;
            m.IncrSeq = Math.Max(m.IncrSeq, seq);
        }
        int expect = 0;
        foreach (var (shard, file) in byShard)
        {
            if (shard != expect++) throw new AofLoadException($"Invalid AOF manifest {path}: no incremental file for shard {expect - 1}");
            m.IncrFiles.Add(file);
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
