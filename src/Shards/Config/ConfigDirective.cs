namespace TdbPlus.Shards.Config;

/// <summary>Reads a directive with its own syntax: the canonical text CONFIG GET shows, or Redis's error.</summary>
public delegate bool CustomConfigParser(string text, out string canonical, out string? error);

/// <summary>
/// One configuration directive: the single declaration read by the config file, the command line,
/// CONFIG GET/SET and CONFIG REWRITE.
/// </summary>
public sealed class ConfigDirective
{
    public ConfigDirective(string name, ConfigKind kind, string defaultValue, bool mutable,
        long min = long.MinValue, long max = long.MaxValue, string[]? enumValues = null, string[]? aliases = null,
        CustomConfigParser? parser = null)
    {
        Parser = parser;
        Name = name;
        Kind = kind;
        DefaultValue = defaultValue;
        Mutable = mutable;
        Min = min;
        Max = max;
        EnumValues = enumValues ?? [];
        Aliases = aliases ?? [];
        Value = defaultValue;
        if (kind is ConfigKind.Integer or ConfigKind.Memory or ConfigKind.Bool)
            NumericValue = ConfigParsing.TryParse(this, defaultValue, out long n, out _) ? n : 0;
    }

    public string Name { get; }
    public ConfigKind Kind { get; }
    public string DefaultValue { get; }
    public bool Mutable { get; }
    public long Min { get; }
    public long Max { get; }
    public string[] EnumValues { get; }
    public string[] Aliases { get; }

    /// <summary>Changed at run time only where enable-protected-configs allows (dir, dbfilename: Redis's PROTECTED_CONFIG).</summary>
    public bool Protected { get; init; }

    /// <summary>A String directive with its own syntax (notify-keyspace-events, client-output-buffer-limit), or null.</summary>
    public CustomConfigParser? Parser { get; }

    /// <summary>Canonical text as CONFIG GET shows it.</summary>
    public string Value { get; private set; }

    /// <summary>Parsed value for integer, memory and bool (1/0) directives.</summary>
    public long NumericValue { get; private set; }

    /// <summary>
    /// For integer, memory and bool directives: may refuse a valid value in the server's current state (CONFIG
    /// SET appendonly yes that cannot start), returning the reason; null accepts it.
    /// </summary>
    public Func<long, string?>? Veto { get; set; }

    /// <summary>Called after a successful change, so the engine can pick the new value up.</summary>
    public event Action<ConfigDirective>? Changed;

    /// <summary>Validates and stores <paramref name="text"/>; on failure returns Redis's reason text.</summary>
    public bool TrySet(string text, out string? error)
    {
        if (Parser is { } parser)
        {
            if (!parser(text, out string canonical, out error)) return false;
            Value = canonical;
            Changed?.Invoke(this);
            return true;
        }
        if (!ConfigParsing.TryParse(this, text, out long numeric, out error)) return false;
        if (Veto?.Invoke(numeric) is { } veto)
        {
            error = veto;
            return false;
        }
        NumericValue = numeric;
        Value = ConfigParsing.Canonical(this, text, numeric);
        Changed?.Invoke(this);
        return true;
    }
}
