using System.Text;

namespace TdbPlus.Shards.Tests.Execution;

/// <summary>
/// The hot path allocates nothing: 100K pipelined commands parsed and executed by a connection's executor on
/// its home shard's thread, as the thread-per-core transport runs them, measured on that thread.
/// </summary>
public sealed class ShardThreadAllocationTests
{
    private const int Commands = 100_000;
    private const int Depth = 16;

    [Theory]
    [InlineData("GET", 1)]
    [InlineData("SET", 1)]
    [InlineData("INCR", 1)]
    [InlineData("MGET", 1)]
    [InlineData("MSET", 1)]
    [InlineData("DEL", 1)]
    [InlineData("EXISTS", 1)]
    [InlineData("GET", 2)]
    [InlineData("SET", 2)]
    [InlineData("MGET", 2)]
    [InlineData("MSET", 2)]
    [InlineData("DEL", 2)]
    [InlineData("EXISTS", 2)]
    public async Task CommandsAllocateNothingOnTheShardThread(string command, int shards)
    {
        using var driver = new ShardThreadDriver(shards);
        byte[] requests = Encoding.ASCII.GetBytes(BuildRequests(command));
        long allocated = await driver.MeasureOnHomeThread(
            d => { for (int warm = 0; warm < 2000; warm++) d.RunBatch(requests); },
            d => { for (int i = 0; i < Commands / Depth; i++) d.RunBatch(requests); });
        // Zero per command: less than one byte per command over 100K (a wait primitive may still create its
        // lock object once, the first time a shard thread has to block on it).
        Assert.True(allocated / Commands == 0, $"{command} with {shards} shards allocated {allocated} bytes over {Commands} commands");
    }

    /// <summary>With appendonly yes, logging a write appends into the shard's buffer: still nothing allocated per command.</summary>
    [Theory]
    [InlineData("SET", 1, "everysec")]
    [InlineData("INCR", 1, "everysec")]
    [InlineData("SET", 2, "everysec")]
    [InlineData("MSET", 2, "everysec")]
    [InlineData("SET", 1, "always")]
    [InlineData("SET", 2, "always")]
    public async Task LoggedWritesAllocateNothingOnTheShardThread(string command, int shards, string fsync)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tdbplus-alloc-aof-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var driver = new ShardThreadDriver(shards, dir, fsync);
            byte[] requests = Encoding.ASCII.GetBytes(BuildRequests(command));
            int batches = fsync == "always" ? 500 : Commands / Depth;
            long allocated = await driver.MeasureOnHomeThread(
                d => { for (int warm = 0; warm < 500; warm++) d.RunBatch(requests); },
                d => { for (int i = 0; i < batches; i++) d.RunBatch(requests); });
            Assert.True(allocated / (batches * Depth) == 0, $"{command} with {shards} shards ({fsync}) allocated {allocated} bytes over {batches * Depth} commands");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string BuildRequests(string command)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Depth; i++)
        {
            string a = $"key:{i:D9}";
            string b = $"key:{i + 100:D9}";
            string[] args = command switch
            {
                "SET" => ["SET", a, new string('v', 64)],
                "MGET" => ["MGET", a, b],
                "MSET" => ["MSET", a, "1", b, "2"],
                "DEL" => ["DEL", a, b],
                "EXISTS" => ["EXISTS", a, b],
                _ => [command, a],
            };
            ShardThreadDriver.AppendCommand(sb, args);
        }
        return sb.ToString();
    }
}
