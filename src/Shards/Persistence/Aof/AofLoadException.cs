namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>The append-only log cannot be loaded (corrupt, truncated with aof-load-truncated no, unknown command...): the server must not start.</summary>
public sealed class AofLoadException(string message) : Exception(message);
