namespace TdbPlus.Shards.Codecs;

/// <summary>Corrupt, truncated or unsupported RDB input: says what was wrong and at which byte offset.</summary>
public sealed class RdbFormatException(string message) : Exception(message)
{
    public static RdbFormatException At(long offset, string what) => new($"RDB format error at byte {offset}: {what}");
}
