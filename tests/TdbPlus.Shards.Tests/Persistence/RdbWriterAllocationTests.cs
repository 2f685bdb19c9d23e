using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Storage;
using TdbPlus.Shards.Tests.Families;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>Writing string keys (the bulk of a snapshot) allocates nothing per key once the buffers are warm.</summary>
public sealed class RdbWriterAllocationTests
{
    [Fact]
    public void StringEntriesAllocateNothing()
    {
        using var h = new CommandHarness(1);
        for (int i = 0; i < 2000; i++)
        {
            h.Run("SET", "key:" + i, i % 3 == 0 ? new string((char)('a' + i % 26), 64) : "value:" + i, "EX", "1000");
        }
        long allocated = -1;
        RdbTestKit.OnShards(h, shard =>
        {
            var db = shard.Databases[0];
            var o = new RdbOutput(1 << 20);
            var opts = new RdbSaveOptions(compress: true, lru: true, lfu: false, RdbTestKit.Now);
            var writer = new Writer(o, db, opts);
            db.ForEach(ref writer);
            o.Clear();
            long before = GC.GetAllocatedBytesForCurrentThread();
            db.ForEach(ref writer);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(o.Length > 2000 * 10);
        });
        Assert.Equal(0, allocated);
    }

    private readonly struct Writer(RdbOutput o, Database db, RdbSaveOptions opts) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            RdbFormat.WriteEntry(o, db, rec, opts);
            return true;
        }
    }
}
