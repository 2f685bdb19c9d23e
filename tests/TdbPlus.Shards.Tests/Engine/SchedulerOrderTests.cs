using System.Collections.Concurrent;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Tests.Engine;

/// <summary>
/// The multi-shard scheduler under contention: many tasks park random sets of shards at once, mixed with
/// ordinary single-shard work. Every shard must see holds in increasing TxId order, no two holders (or a
/// holder and the shard's own work) may overlap on a shard, and everything must finish.
/// </summary>
public sealed class SchedulerOrderTests
{
    private sealed class Probe(int shards)
    {
        public readonly long[] Owner = new long[shards];
        public readonly List<long>[] Seen = Enumerable.Range(0, shards).Select(_ => new List<long>()).ToArray();
        public readonly long[] WorkDone = new long[shards];
        public int Violations;
    }

    /// <summary>Single-shard work: runs on the shard thread and must never see the shard held.</summary>
    private sealed class CountWork(Probe probe, CountdownEvent done) : IShardWork
    {
        public void Execute(Shard shard)
        {
            if (Interlocked.Read(ref probe.Owner[shard.Id]) != 0) Interlocked.Increment(ref probe.Violations);
            probe.WorkDone[shard.Id]++;
            done.Signal();
        }
    }

    [Theory]
    [InlineData(2, 16, 200)]
    [InlineData(4, 32, 150)]
    [InlineData(8, 64, 60)]
    public async Task HoldsAreTotallyOrderedAndNeverOverlap(int shardCount, int tasks, int perTask)
    {
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shardCount.ToString(), out _));
        using var engine = new ShardSet(config);
        engine.Start();
        var probe = new Probe(shardCount);
        using var workDone = new CountdownEvent(tasks * perTask);

        async Task Client(int seed)
        {
            var rng = new Random(seed);
            for (int i = 0; i < perTask; i++)
            {
                ulong mask = (ulong)rng.NextInt64(1, 1L << shardCount);
                if (rng.Next(4) == 0) mask = engine.AllShardsMask;
                engine.Shards[rng.Next(shardCount)].Post(new CountWork(probe, workDone));
                if (rng.Next(3) == 0)
                {
                    // Thread-per-core style: a participating shard coordinates and runs the body itself.
                    int home = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    engine.Schedule(mask, engine.Shards[home], hold =>
                    {
                        Enter(mask, hold.TxId);
                        Leave(mask, hold.TxId);
                        hold.Release();
                        ran.SetResult();
                    });
                    await ran.Task;
                    continue;
                }
                var held = await engine.AcquireAsync(mask);
                long tx = held.TxId;
                try
                {
                    Enter(mask, tx);
                    if (rng.Next(8) == 0) await Task.Yield();
                    Leave(mask, tx);
                }
                finally
                {
                    held.Release();
                }
            }
        }

        void Enter(ulong mask, long tx)
        {
            for (ulong m = mask; m != 0; m &= m - 1)
            {
                int s = System.Numerics.BitOperations.TrailingZeroCount(m);
                if (Interlocked.CompareExchange(ref probe.Owner[s], tx, 0) != 0)
                    Interlocked.Increment(ref probe.Violations);
                probe.Seen[s].Add(tx);
            }
        }

        void Leave(ulong mask, long tx)
        {
            for (ulong m = mask; m != 0; m &= m - 1)
                Interlocked.CompareExchange(ref probe.Owner[System.Numerics.BitOperations.TrailingZeroCount(m)], 0, tx);
        }

        var all = Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(() => Client(t))));
        await all.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(workDone.Wait(TimeSpan.FromSeconds(30)), "single-shard work did not finish");

        Assert.Equal(0, probe.Violations);
        long holds = 0;
        for (int s = 0; s < shardCount; s++)
        {
            var seen = probe.Seen[s];
            holds += seen.Count;
            for (int i = 1; i < seen.Count; i++)
                Assert.True(seen[i - 1] < seen[i], $"shard {s} saw tx {seen[i]} after {seen[i - 1]}");
        }
        Assert.True(holds >= tasks * perTask);
        Assert.Equal(tasks * perTask, engine.TransactionsScheduled);
        Assert.Equal(tasks * perTask, probe.WorkDone.Sum());
    }

    [Fact]
    public async Task CrossShardRenamesFromManyClientsStayConsistent()
    {
        // Keys move around a ring of names through RENAME from many concurrent executors; values must
        // never be lost or duplicated whatever shards the names land on.
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet("4", out _));
        using var engine = new ShardSet(config);
        engine.Start();
        var table = new TdbPlus.Shards.Commands.CommandTable();
        table.AddRange(TdbPlus.Shards.Families.CoreFamilies.Commands());
        const int ring = 40;
        var errors = new ConcurrentBag<string>();

        static byte[] Resp(params string[] args)
        {
            var sb = new System.Text.StringBuilder();
            sb.Append('*').Append(args.Length).Append("\r\n");
            foreach (var a in args) sb.Append('$').Append(a.Length).Append("\r\n").Append(a).Append("\r\n");
            return System.Text.Encoding.ASCII.GetBytes(sb.ToString());
        }

        async Task<string> Run(TdbPlus.Shards.Execution.BatchExecutor ex, TdbPlus.Resp.RespWriter w, params string[] args)
        {
            var batch = new TdbPlus.Shards.Execution.CommandBatch();
            var bytes = Resp(args);
            var parser = new TdbPlus.Resp.RespParser();
            int pos = 0;
            int start = batch.Args.Count;
            Assert.Equal(TdbPlus.Resp.ParseStatus.Complete, parser.TryParse(bytes, ref pos, batch.Args));
            batch.Buffer = bytes;
            batch.Add(start, batch.Args.Count - start);
            w.Clear();
            await ex.ExecuteAsync(batch);
            return System.Text.Encoding.ASCII.GetString(w.Written);
        }

        var setupWriter = new TdbPlus.Resp.RespWriter();
        var setup = new TdbPlus.Shards.Execution.BatchExecutor(engine, table, new TdbPlus.Shards.Commands.ClientSession(), setupWriter);
        for (int i = 0; i < ring; i += 2) await Run(setup, setupWriter, "SET", "r" + i, "v" + i);

        async Task Client(int seed)
        {
            var w = new TdbPlus.Resp.RespWriter();
            var ex = new TdbPlus.Shards.Execution.BatchExecutor(engine, table, new TdbPlus.Shards.Commands.ClientSession(), w);
            var rng = new Random(seed);
            for (int i = 0; i < 300; i++)
            {
                int from = rng.Next(ring), to = rng.Next(ring);
                string reply = await Run(ex, w, "RENAMENX", "r" + from, "r" + to);
                if (reply is not (":0\r\n" or ":1\r\n" or "-ERR no such key\r\n")) errors.Add(reply);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() => Client(t)))).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Empty(errors);
        Assert.Equal($":{ring / 2}\r\n", await Run(setup, setupWriter, "DBSIZE"));
        var values = new HashSet<string>();
        for (int i = 0; i < ring; i++)
        {
            string r = await Run(setup, setupWriter, "GET", "r" + i);
            if (r != "$-1\r\n") Assert.True(values.Add(r));
        }
        Assert.Equal(ring / 2, values.Count);
    }
}
