using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

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
        var config = new ServerConfig();
        config["shards"].TrySet(shards.ToString(), out _);
        using var engine = new ShardSet(config);
        engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        var home = engine.Shards[0];
        var output = new RespWriter();
        var executor = new BatchExecutor(engine, table, new ClientSession(), output, home);
        byte[] requests = Encoding.ASCII.GetBytes(BuildRequests(command));
        var parser = new RespParser();
        var batch = new CommandBatch { Buffer = requests };

        var measured = new TaskCompletionSource<long>();
        home.Post(new ActionWork(() =>
        {
            try
            {
                for (int warm = 0; warm < 2000; warm++) RunBatch(executor, parser, batch, requests, output);
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Commands / Depth; i++) RunBatch(executor, parser, batch, requests, output);
                measured.SetResult(GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception ex)
            {
                measured.SetException(ex);
            }
        }));
        long allocated = await measured.Task.WaitAsync(TimeSpan.FromSeconds(60));
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
            sb.Append('*').Append(args.Length).Append("\r\n");
            foreach (var arg in args) sb.Append('$').Append(arg.Length).Append("\r\n").Append(arg).Append("\r\n");
        }
        return sb.ToString();
    }

    // Runs one pipeline on the home thread; waits for other shards the way the shard loop would, by spinning.
    private static void RunBatch(BatchExecutor executor, RespParser parser, CommandBatch batch, byte[] requests, RespWriter output)
    {
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
        batch.Clear();
        output.Clear();
    }

    private sealed class ActionWork(Action action) : IShardWork
    {
        public void Execute(Shard shard) => action();
    }
}
