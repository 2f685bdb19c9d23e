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
