namespace TdbPlus.Shards.Config;

/// <summary>How a directive's text is read and written back (CONFIG GET shows the canonical form).</summary>
public enum ConfigKind
{
    String,
    Bool,
    Integer,
    Memory,
    Enum,
}
