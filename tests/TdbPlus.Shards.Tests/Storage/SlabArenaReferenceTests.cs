using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Tests.Storage;

public sealed unsafe class SlabArenaReferenceTests
{
    [Fact]
    public void SlabBlocksRoundTripThroughReferences()
    {
        using var arena = new SlabArena();
        var seen = new HashSet<uint>();
        // Enough 1000-byte blocks for several chunks, plus blocks of every small class on the way.
        for (int i = 0; i < 5000; i++)
        {
            int size = i % 7 == 0 ? SlabArena.MaxSmallSize : 1 + (i * 37) % 1000;
            byte* p = arena.Allocate(size);
            Assert.True(SlabArena.TryReference(p, size, out uint reference));
            Assert.True(reference < 1u << 31, "the top bit stays free for the caller");
            Assert.True(seen.Add(reference));
            Assert.Equal((nint)p, SlabArena.Resolve(arena.ChunkBases, reference));
        }
        Assert.True(arena.ReservedBytes > 4L * 1024 * 1024);
    }

    [Fact]
    public void LargeBlocksHaveNoReference()
    {
        using var arena = new SlabArena();
        byte* p = arena.Allocate(SlabArena.MaxSmallSize + 1);
        Assert.False(SlabArena.TryReference(p, SlabArena.MaxSmallSize + 1, out _));
        arena.Free(p, SlabArena.MaxSmallSize + 1);
    }
}
