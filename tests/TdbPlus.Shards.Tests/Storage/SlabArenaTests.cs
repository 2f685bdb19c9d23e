using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Tests.Storage;

public sealed unsafe class SlabArenaTests
{
    [Fact]
    public void ClassSizesFollowTheSteps()
    {
        Assert.Equal(8, SlabArena.ClassSize(0));
        Assert.Equal(8, SlabArena.ClassSize(1));
        Assert.Equal(8, SlabArena.ClassSize(8));
        Assert.Equal(12, SlabArena.ClassSize(9));
        Assert.Equal(84, SlabArena.ClassSize(84));
        Assert.Equal(124, SlabArena.ClassSize(121));
        Assert.Equal(256, SlabArena.ClassSize(253));
        Assert.Equal(272, SlabArena.ClassSize(257));
        Assert.Equal(512, SlabArena.ClassSize(497));
        Assert.Equal(576, SlabArena.ClassSize(513));
        Assert.Equal(SlabArena.MaxSmallSize, SlabArena.ClassSize(SlabArena.MaxSmallSize));
        Assert.Equal(SlabArena.MaxSmallSize + 1, SlabArena.ClassSize(SlabArena.MaxSmallSize + 1));

        int previous = 0;
        for (int size = 1; size <= SlabArena.MaxSmallSize; size++)
        {
            int c = SlabArena.ClassSize(size);
            Assert.True(c >= size);
            Assert.True(c >= previous);
            Assert.Equal(0, c % 4);
            if (size > 512)
            {
                Assert.Equal(0, c % 16);
                Assert.True(c <= size + size / 8 + 16, $"class {c} too loose for {size}");
            }
            previous = c;
        }
    }

    [Fact]
    public void AllocationsAreAlignedAndDistinct()
    {
        using var arena = new SlabArena();
        var seen = new HashSet<nint>();
        var rng = new Random(1);
        for (int i = 0; i < 5000; i++)
        {
            int size = rng.Next(0, 3000);
            byte* p = arena.Allocate(size);
            Assert.Equal(0, (long)p % 4);
            Assert.True(seen.Add((nint)p));
            new Span<byte>(p, size).Fill((byte)i);
        }
    }

    [Fact]
    public void FreedBlocksAreReused()
    {
        using var arena = new SlabArena();
        byte* a = arena.Allocate(40);
        byte* b = arena.Allocate(40);
        arena.Free(a, 40);
        Assert.Equal((nint)a, (nint)arena.Allocate(37));
        arena.Free(b, 40);
        Assert.Equal((nint)b, (nint)arena.Allocate(40));
    }

    [Fact]
    public void ReuseKeepsReservedFlat()
    {
        using var arena = new SlabArena();
        var blocks = new List<nint>();
        for (int i = 0; i < 10_000; i++)
            blocks.Add((nint)arena.Allocate(100));
        long reserved = arena.ReservedBytes;
        for (int round = 0; round < 3; round++)
        {
            foreach (nint p in blocks)
                arena.Free((byte*)p, 100);
            for (int i = 0; i < blocks.Count; i++)
                blocks[i] = (nint)arena.Allocate(100);
        }
        Assert.Equal(reserved, arena.ReservedBytes);
        Assert.Equal(10_000L * SlabArena.ClassSize(100), arena.UsedBytes);
    }

    [Fact]
    public void CountersTrackSmallAndLarge()
    {
        using var arena = new SlabArena();
        Assert.Equal(0, arena.UsedBytes);
        Assert.Equal(0, arena.ReservedBytes);

        // Pages come from 1 MB chunks reserved at once.
        const long chunk = 1024 * 1024;
        byte* small = arena.Allocate(21);
        Assert.Equal(24, arena.UsedBytes);
        Assert.Equal(chunk, arena.ReservedBytes);

        int largeSize = 100_000;
        byte* large = arena.Allocate(largeSize);
        Assert.Equal(0, (long)large % 8);
        new Span<byte>(large, largeSize).Fill(7);
        Assert.Equal(24 + largeSize, arena.UsedBytes);
        Assert.Equal(chunk + largeSize, arena.ReservedBytes);

        arena.Free(large, largeSize);
        Assert.Equal(24, arena.UsedBytes);
        Assert.Equal(chunk, arena.ReservedBytes);

        arena.Free(small, 21);
        Assert.Equal(0, arena.UsedBytes);
        Assert.Equal(chunk, arena.ReservedBytes);
    }

    [Fact]
    public void BiggestSmallClassSpansPages()
    {
        using var arena = new SlabArena();
        // The chunk's first page starts with the chunk's index; a small block takes that page.
        arena.Allocate(8);
        var blocks = new List<nint>();
        for (int i = 0; i < 5; i++)
        {
            byte* p = arena.Allocate(SlabArena.MaxSmallSize);
            new Span<byte>(p, SlabArena.MaxSmallSize).Fill((byte)i);
            blocks.Add((nint)p);
        }
        // Five 32 KB blocks take three 64 KB pages, all from the first 1 MB chunk.
        Assert.Equal(1024L * 1024, arena.ReservedBytes);
        Assert.Equal(2 * SlabArena.PageSize, blocks[4] - blocks[0]);
        for (int i = 0; i < blocks.Count; i++)
            Assert.True(new Span<byte>((byte*)blocks[i], SlabArena.MaxSmallSize).IndexOfAnyExcept((byte)i) < 0);
    }

    [Fact]
    public void DisposeReleasesEverything()
    {
        var arena = new SlabArena();
        arena.Allocate(10);
        arena.Allocate(1 << 20);
        arena.Dispose();
        Assert.Equal(0, arena.UsedBytes);
        Assert.Equal(0, arena.ReservedBytes);
        Assert.Throws<ObjectDisposedException>(() => { arena.Allocate(8); });
        arena.Dispose();
    }
}
