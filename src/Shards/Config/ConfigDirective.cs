namespace TdbPlus.Shards.Config;

/// <summary>
/// One configuration directive: the single declaration read by the config file, the command line,
/// CONFIG GET/SET and CONFIG REWRITE.
/// </summary>
public sealed class ConfigDirective
{
    public ConfigDirective(string name, ConfigKind kind, string defaultValue, bool mutable,
        long min = long.MinValue, long max = long.MaxValue, string[]? enumValues = null, string[]? aliases = null)
    {
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

    /// <summary>Canonical text as CONFIG GET shows it.</summary>
    public string Value { get; private set; }

    /// <summary>Parsed value for integer, memory and bool (1/0) directives.</summary>
    public long NumericValue { get; private set; }

    /// <summary>Called after a successful change, so the engine can pick the new value up.</summary>
    public event Action<ConfigDirective>? Changed;

    /// <summary>Validates and stores <paramref name="text"/>; on failure returns Redis's reason text.</summary>
    public bool TrySet(string text, out string? error)
    {
        if (!ConfigParsing.TryParse(this, text, out long numeric, out error)) return false;
        NumericValue = numeric;
        Value = ConfigParsing.Canonical(this, text, numeric);
        Changed?.Invoke(this);
        return true;
    }
}
