using TdbPlus.Resp;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>One command read back from a log: its argument bytes, where it starts and ends in the file.</summary>
public sealed class AofRecord(byte[] buffer, ArgSlice[] args, long offset, long end)
{
    public byte[] Buffer { get; } = buffer;

    public ArgSlice[] Args { get; } = args;

    public long Offset { get; } = offset;

    public long End { get; } = end;

    /// <summary>The database the command runs in (the log's last SELECT before it).</summary>
    public int Db { get; set; }

    public ReadOnlySpan<byte> Arg(int i) => Buffer.AsSpan(Args[i].Offset, Args[i].Length);

    public bool NameIs(string upper)
    {
        var name = Arg(0);
        if (name.Length != upper.Length) return false;
        for (int i = 0; i < name.Length; i++)
            if (char.ToUpperInvariant((char)name[i]) != upper[i]) return false;
        return true;
    }

    public string Name => System.Text.Encoding.Latin1.GetString(Arg(0));
}
