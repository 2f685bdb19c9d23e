namespace TdbPlus.Shards.Tests;

/// <summary>
/// Tests that assert wall-clock timings (block timeouts) run alone, not beside the CPU-heavy 1M-element tests:
/// on two cores those can starve a timer by a second.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
