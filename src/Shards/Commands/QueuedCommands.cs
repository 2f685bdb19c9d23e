using TdbPlus.Resp;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Shards.Commands;

/// <summary>Commands queued by MULTI, with their arguments copied into a buffer of their own.</summary>
public sealed class QueuedCommands
{
    private byte[] _bytes = new byte[256];
    private int _used;

    /// <summary>The queued commands as a batch over the owned buffer, ready for the executor.</summary>
    public CommandBatch Batch { get; } = new();

    public int Count => Batch.Count;

    public void Add(CommandDef def, ReadOnlySpan<byte> source, ReadOnlySpan<ArgSlice> args)
    {
        int argStart = Batch.Args.Count;
        foreach (var a in args)
        {
            if (_bytes.Length - _used < a.Length) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + a.Length));
            source.Slice(a.Offset, a.Length).CopyTo(_bytes.AsSpan(_used));
            Batch.Args.Add(new ArgSlice(_used, a.Length));
            _used += a.Length;
        }
        Batch.Add(argStart, args.Length);
        Batch[Batch.Count - 1].Def = def;
        Batch.Buffer = _bytes;
    }

    public void Clear()
    {
        Batch.Clear();
        _used = 0;
        if (_bytes.Length > 64 * 1024) _bytes = new byte[256];
        Batch.Buffer = _bytes;
    }
}
