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
    /// positive integer or counts more keys than there are arguments (the handler then replies the error).
    /// </summary>
    public KeyRange NumKeysFor(int argc, ReadOnlySpan<byte> numKeysArg)
    {
        if (NumKeys is not { } spec || !NumberParser.TryParseInt64(numKeysArg, out long n) || n <= 0) return default;
        int first = spec.NumKeysIndex + spec.FirstKeyOffset;
        if (first >= argc) return default;
        long last = first + (n - 1) * spec.KeyStep;
        return last < argc ? new KeyRange(first, (int)last, spec.KeyStep) : default;
    }

    /// <summary>The index of the numkeys argument of this invocation, or -1 (no numkeys spec, or too few arguments).</summary>
    public int NumKeysArg(int argc) => NumKeys is { } spec && spec.NumKeysIndex < argc ? spec.NumKeysIndex : -1;

    /// <summary>
    /// Every key position of one invocation: the fixed range, then the numkeys-counted keys. Pass the argument
    /// at <see cref="NumKeysArg"/> (anything when that is -1). Routing, transactions and COMMAND GETKEYS use this.
    /// </summary>
    public KeyPositions AllKeysFor(int argc, ReadOnlySpan<byte> numKeysArg) =>
        new(KeysFor(argc), NumKeys is null ? default : NumKeysFor(argc, numKeysArg));

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

/// <summary>All key positions of one invocation: a fixed range and a numkeys-counted one, either possibly empty.</summary>
public readonly record struct KeyPositions(KeyRange Fixed, KeyRange Counted)
{
    public bool IsEmpty => Fixed.IsEmpty && Counted.IsEmpty;

    public int Count => Fixed.Count + Counted.Count;

    /// <summary>The first key's index (meaningless when empty).</summary>
    public int First => Fixed.IsEmpty ? Counted.First : Fixed.First;

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Yields the indices of the fixed range, then of the counted one.</summary>
    public struct Enumerator(KeyPositions keys)
    {
        private int _current = -1;
        private bool _inCounted;

        public readonly int Current => _current;

        public bool MoveNext()
        {
            if (!_inCounted)
            {
                var r = keys.Fixed;
                if (!r.IsEmpty)
                {
                    _current = _current < 0 ? r.First : _current + r.Step;
                    if (_current <= r.Last) return true;
                }
                _inCounted = true;
                _current = -1;
            }
            var c = keys.Counted;
            if (c.IsEmpty) return false;
            _current = _current < 0 ? c.First : _current + c.Step;
            return _current <= c.Last;
        }
    }
}

/// <summary>
/// Where a numkeys-counted list of keys sits: the numkeys argument's index, the first key's offset from it,
/// and the step between keys (Redis's keynum key spec, with its begin_search index folded in).
/// </summary>
public sealed record NumKeysSpec(int NumKeysIndex, int FirstKeyOffset = 1, int KeyStep = 1);
