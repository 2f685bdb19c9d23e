using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Tests.Engine;

/// <summary>Test-side await of <see cref="ShardSet.Schedule"/> without a coordinator shard.</summary>
internal static class EngineHolds
{
    /// <summary>Parks the shards in <paramref name="mask"/>; the caller must <see cref="ExclusiveHold.Release"/>.</summary>
    public static Task<ExclusiveHold> AcquireAsync(this ShardSet engine, ulong mask)
    {
        var acquired = new TaskCompletionSource<ExclusiveHold>(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.Schedule(mask, null, hold => acquired.SetResult(hold));
        return acquired.Task;
    }
}
