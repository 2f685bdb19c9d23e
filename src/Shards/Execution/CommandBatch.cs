using TdbPlus.Resp;
using TdbPlus.Shards.Commands;

namespace TdbPlus.Shards.Execution;

/// <summary>One command of a pipeline batch: where its arguments are, what it resolved to, where it runs.</summary>
public struct BatchCommand
{
    public int ArgStart;
    public int ArgCount;
    public CommandDef? Def;
    /// <summary>Error found before running (unknown command, arity, NOAUTH); the reply is this error.</summary>
    public string? Error;
    public int Shard;
    public ulong ShardMask;
    public int DbIndex;
    /// <summary>The argument whose <see cref="KeyHash"/> was computed before running (0: none).</summary>
    public int HashedArg;
    /// <summary>Table hash of argument <see cref="HashedArg"/> (its bucket was prefetched).</summary>
    public ulong KeyHash;
    /// <summary>End of this command's reply in the writer of the shard that ran it (multi-shard runs).</summary>
    public int ReplyEnd;
}

/// <summary>The commands parsed from one read of a connection, with their arguments in the receive buffer.</summary>
public sealed class CommandBatch
{
    private BatchCommand[] _items = new BatchCommand[16];

    public byte[] Buffer { get; set; } = [];

    public ArgList Args { get; } = new();

    public int Count { get; private set; }

    /// <summary>Arguments that belong to complete commands (the rest belong to one still arriving).</summary>
    public int CommittedArgs { get; private set; }

    public ref BatchCommand this[int index] => ref _items[index];

    public void Add(int argStart, int argCount)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = new BatchCommand { ArgStart = argStart, ArgCount = argCount };
        CommittedArgs = argStart + argCount;
    }

    /// <summary>Forgets executed commands; arguments of a partially received command stay (moved to the front).</summary>
    public int Clear()
    {
        int removed = CommittedArgs;
        Args.RemoveFront(removed);
        CommittedArgs = 0;
        Count = 0;
        return removed;
    }
}
