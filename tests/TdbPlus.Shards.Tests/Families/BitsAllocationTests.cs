using System.Text;
using TdbPlus.Shards.Tests.Execution;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Bitmap and HyperLogLog commands allocate nothing on the shard thread once warm.</summary>
public sealed class BitsAllocationTests
{
    private const int Rounds = 4000;
    private const int Depth = 16;

    [Theory]
    [InlineData("SETBIT")]
    [InlineData("GETBIT")]
    [InlineData("BITCOUNT")]
    [InlineData("BITPOS")]
    [InlineData("BITFIELD")]
    [InlineData("BITFIELD_RO")]
    [InlineData("PFADD")]
    [InlineData("PFADD-DENSE")]
    [InlineData("PFCOUNT")]
    public async Task CommandsAllocateNothingOnTheShardThread(string command)
    {
        using var driver = new ShardThreadDriver(1);
        byte[] setup = Encoding.ASCII.GetBytes(Requests(command, setup: true, 0));
        // Requests are built up front: the measured loop only parses and executes.
        var requests = Enumerable.Range(0, 64).Select(i => Encoding.ASCII.GetBytes(Requests(command, false, i))).ToArray();
        long allocated = await driver.MeasureOnHomeThread(
            d =>
            {
                d.RunBatch(setup, check: true);
                for (int warm = 0; warm < 500; warm++) d.RunBatch(requests[warm % 64], check: warm < 64);
            },
            d => { for (int i = 0; i < Rounds; i++) d.RunBatch(requests[i % 64]); });
        Assert.True(allocated == 0, $"{command} allocated {allocated} bytes over {Rounds * Depth} commands");
    }

    private static string Requests(string command, bool setup, int round)
    {
        var sb = new StringBuilder();
        void Add(params string[] args) => ShardThreadDriver.AppendCommand(sb, args);
        if (setup)
        {
            Add("SETBIT", "bm", "100000", "1");
            Add("PFADD", "hll", "a", "b", "c");
            var dense = new List<string> { "PFADD", "dense" };
            for (int i = 0; i < 3000; i++) dense.Add("e" + i);
            Add([.. dense]);
            return sb.ToString();
        }
        for (int i = 0; i < Depth; i++)
        {
            string n = (round * Depth + i).ToString();
            switch (command)
            {
                case "SETBIT": Add("SETBIT", "bm", n, "1"); break;
                case "GETBIT": Add("GETBIT", "bm", n); break;
                case "BITCOUNT": Add("BITCOUNT", "bm", "0", n, "BIT"); break;
                case "BITPOS": Add("BITPOS", "bm", "1", "0", "-1", "BIT"); break;
                case "BITFIELD": Add("BITFIELD", "bm", "INCRBY", "u8", "#" + n, "1", "GET", "i5", n, "OVERFLOW", "SAT", "SET", "i7", n, "3"); break;
                case "BITFIELD_RO": Add("BITFIELD_RO", "bm", "GET", "u8", n, "GET", "i64", n); break;
                case "PFADD": Add("PFADD", "hll", "x" + n); break;
                case "PFADD-DENSE": Add("PFADD", "dense", "y" + n, "z" + n); break;
                default: Add("PFCOUNT", i % 2 == 0 ? "hll" : "dense"); break;
            }
        }
        return sb.ToString();
    }
}
