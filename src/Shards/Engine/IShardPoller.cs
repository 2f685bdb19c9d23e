namespace TdbPlus.Shards.Engine;

/// <summary>
/// Lets a transport run its socket I/O on a shard's own thread: the shard calls <see cref="Poll"/> instead of
/// sleeping, and <see cref="Wake"/> when a message arrives for a sleeping shard.
/// </summary>
public interface IShardPoller
{
    /// <summary>Handles ready I/O, waiting at most <paramref name="timeoutMs"/> (0 = don't wait) for some.</summary>
    void Poll(int timeoutMs);

    /// <summary>Interrupts a <see cref="Poll"/> in progress (called from other threads).</summary>
    void Wake();
}
