namespace TdbPlus.Resp;

/// <summary>
/// What a command is, independent of how it runs: name, arity (negative = at least), flags, key positions
/// (1-based first/last/step; last -1 = to the end, -2 = all but the last), ACL categories and a summary.
/// </summary>
public sealed record CommandSpec(
    string Name,
    int Arity,
    CommandFlags Flags,
    int FirstKey,
    int LastKey,
    int KeyStep,
    AclCategories Categories,
    string Summary,
    string Since = "1.0.0",
    string Group = "generic")
{
    /// <summary>
    /// For commands whose keys depend on their arguments (a numkeys count, a STORE option): adds the indices of
    /// every key argument. Null means <see cref="FirstKey"/>, <see cref="LastKey"/> and <see cref="KeyStep"/>
    /// describe them; those stay what COMMAND INFO shows.
    /// </summary>
    public KeyFinder? FindKeys { get; init; }

    /// <summary>
    /// For a blocking command that blocks only with some option (XREAD BLOCK): false when an invocation
    /// cannot block, so it runs like any other command. Null means every invocation may block.
    /// </summary>
    public BlockingPredicate? MayBlock { get; init; }

    /// <summary>Name in upper case as bytes, for case-insensitive lookup without allocating.</summary>
    public byte[] NameBytes { get; } = System.Text.Encoding.ASCII.GetBytes(Name.ToUpperInvariant());

    /// <summary>True when <paramref name="argc"/> (name included) satisfies the arity.</summary>
    public bool ArityAccepts(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>Adds the indices of every key of an invocation: the key finder's, else first/last/step.</summary>
    public void CollectKeys(CommandArgs args, List<int> keys)
    {
        if (FindKeys is { } finder)
        {
            finder(args, keys);
            return;
        }
        var range = KeysFor(args.Count);
        if (range.IsEmpty) return;
        for (int k = range.First; k <= range.Last; k += range.Step) keys.Add(k);
    }

    /// <summary>Arguments that are keys, as indices into the argument list (0 = command name).</summary>
    public KeyRange KeysFor(int argc)
    {
        if (FirstKey <= 0 || argc <= FirstKey) return default;
        int last = LastKey >= 0 ? LastKey : argc + LastKey;
        if (last >= argc) last = argc - 1;
        if (last < FirstKey) return default;
        return new KeyRange(FirstKey, last, KeyStep <= 0 ? 1 : KeyStep);
    }
}

/// <summary>Whether an invocation of a blocking command may block (see <see cref="CommandSpec.MayBlock"/>).</summary>
public delegate bool BlockingPredicate(CommandArgs args);

/// <summary>Adds to <paramref name="keys"/> the indices of the key arguments in <paramref name="args"/>.</summary>
public delegate void KeyFinder(CommandArgs args, List<int> keys);

/// <summary>The arguments of one command invocation (index 0 is the command name), as key finders see them.</summary>
public readonly ref struct CommandArgs
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ReadOnlySpan<ArgSlice> _args;

    public CommandArgs(ReadOnlySpan<byte> buffer, ReadOnlySpan<ArgSlice> args)
    {
        _buffer = buffer;
        _args = args;
    }

    public int Count => _args.Length;

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var a = _args[index];
            return _buffer.Slice(a.Offset, a.Length);
        }
    }
}

/// <summary>Positions of the keys of one command invocation.</summary>
public readonly record struct KeyRange(int First, int Last, int Step)
{
    public bool IsEmpty => Step == 0;

    public int Count => IsEmpty ? 0 : (Last - First) / Step + 1;
}
