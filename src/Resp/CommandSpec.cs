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
    /// <summary>Name in upper case as bytes, for case-insensitive lookup without allocating.</summary>
    public byte[] NameBytes { get; } = System.Text.Encoding.ASCII.GetBytes(Name.ToUpperInvariant());

    /// <summary>True when <paramref name="argc"/> (name included) satisfies the arity.</summary>
    public bool ArityAccepts(int argc) => Arity >= 0 ? argc == Arity : argc >= -Arity;

    /// <summary>
    /// Keys counted by an argument (Redis's "keynum" key spec: SINTERCARD, ZUNIONSTORE, EVAL...), in addition to
    /// the fixed FirstKey/LastKey/KeyStep range; such commands carry <see cref="CommandFlags.MovableKeys"/>.
    /// </summary>
    public NumKeysSpec? NumKeys { get; init; }

    /// <summary>
    /// The keys a <see cref="NumKeys"/> spec designates, given the numkeys argument; empty when it is not a
    /// positive integer. The range is clipped to the arguments present (the handler reports the error).
    /// </summary>
    public KeyRange NumKeysFor(int argc, ReadOnlySpan<byte> numKeysArg)
    {
        if (NumKeys is not { } spec || !NumberParser.TryParseInt64(numKeysArg, out long n) || n <= 0) return default;
        int first = spec.NumKeysIndex + spec.FirstKeyOffset;
        if (first >= argc) return default;
        long last = first + (n - 1) * spec.KeyStep;
        if (last >= argc) last = argc - 1;
        return new KeyRange(first, (int)last, spec.KeyStep);
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

/// <summary>Positions of the keys of one command invocation.</summary>
public readonly record struct KeyRange(int First, int Last, int Step)
{
    public bool IsEmpty => Step == 0;

    public int Count => IsEmpty ? 0 : (Last - First) / Step + 1;
}

/// <summary>
/// Where a numkeys-counted list of keys sits: the numkeys argument's index, the first key's offset from it,
/// and the step between keys (Redis's keynum key spec, with its begin_search index folded in).
/// </summary>
public sealed record NumKeysSpec(int NumKeysIndex, int FirstKeyOffset = 1, int KeyStep = 1);
