using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

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
        var config = new ServerConfig();
        config["shards"].TrySet("1", out _);
        using var engine = new ShardSet(config);
        engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        var home = engine.Shards[0];
        var output = new RespWriter();
        var executor = new BatchExecutor(engine, table, new ClientSession(), output, home);
        byte[] setup = Encoding.ASCII.GetBytes(Requests(command, setup: true, 0));
        var parser = new RespParser();

        var measured = new TaskCompletionSource<long>();
        home.Post(new ActionWork(() =>
        {
            try
            {
                RunBatch(executor, parser, setup, output, check: true);
                // Requests are built up front: the measured loop only parses and executes.
                var requests = Enumerable.Range(0, 64).Select(i => Encoding.ASCII.GetBytes(Requests(command, false, i))).ToArray();
                for (int warm = 0; warm < 500; warm++) RunBatch(executor, parser, requests[warm % 64], output, check: warm < 64);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Rounds; i++) RunBatch(executor, parser, requests[i % 64], output);
                measured.SetResult(GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception ex)
            {
                measured.SetException(ex);
            }
        }));
        long allocated = await measured.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(allocated == 0, $"{command} allocated {allocated} bytes over {Rounds * Depth} commands");
    }

    private static string Requests(string command, bool setup, int round)
    {
        var sb = new StringBuilder();
        void Add(params string[] args)
        {
            sb.Append('*').Append(args.Length).Append("\r\n");
            foreach (var arg in args) sb.Append('$').Append(arg.Length).Append("\r\n").Append(arg).Append("\r\n");
        }
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

    private static void RunBatch(BatchExecutor executor, RespParser parser, byte[] requests, RespWriter output, bool check = false)
    {
        var batch = t_batch ??= new CommandBatch();
        batch.Buffer = requests;
        int pos = 0;
        while (true)
        {
            int argStart = batch.CommittedArgs;
            if (parser.TryParse(requests, ref pos, batch.Args) != ParseStatus.Complete) break;
            batch.Add(argStart, batch.Args.Count - argStart);
        }
        executor.Begin(batch);
        var spin = new SpinWait();
        while (!executor.Continue())
        {
            while (!executor.CanContinue)
            {
                executor.Home!.RunQueuedWork();
                spin.SpinOnce(-1);
            }
        }
        if (check)
        {
            string replies = Encoding.Latin1.GetString(output.Written);
            if (replies.StartsWith('-') || replies.Contains("\r\n-", StringComparison.Ordinal)) throw new InvalidOperationException(replies);
        }
        batch.Clear();
        output.Clear();
    }

    [ThreadStatic]
    private static CommandBatch? t_batch;

    private sealed class ActionWork(Action action) : IShardWork
    {
        public void Execute(Shard shard) => action();
    }
}
