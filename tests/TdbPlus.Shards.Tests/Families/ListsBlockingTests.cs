using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>
/// Blocking list commands driven through real <see cref="BatchExecutor"/>s against a started two-shard engine,
/// one executor per simulated client, as connections run them.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ListsBlockingTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ShardSet _engine;
    private readonly CommandTable _table = new();

    public ListsBlockingTests()
    {
        var config = new ServerConfig();
        config["shards"].TrySet("2", out _);
        _engine = new ShardSet(config);
        _engine.Start();
        _table.AddRange(CoreFamilies.Commands());
    }

    public void Dispose() => _engine.Dispose();

    private sealed class Client(ShardSet engine, CommandTable table)
    {
        private readonly RespParser _parser = new();
        private readonly CommandBatch _batch = new();
        private readonly RespWriter _out = new();

        public ClientSession Session { get; } = new();

        /// <summary>RESP version of the replies (HELLO is a server command, absent here).</summary>
        public int Protocol
        {
            set
            {
                Session.Protocol = value;
                _out.Protocol = value;
            }
        }

        public BatchExecutor Executor => _executor ??= new BatchExecutor(engine, table, Session, _out);

        private BatchExecutor? _executor;

        /// <summary>Sends one command; the task completes with its raw reply.</summary>
        public Task<string> Send(params string[] args) => SendPipeline(args);

        /// <summary>Sends several commands as one batch (a pipeline); the task completes with all replies.</summary>
        public Task<string> SendPipeline(params string[][] commands)
        {
            var sb = new StringBuilder();
            foreach (var args in commands)
            {
                sb.Append('*').Append(args.Length).Append("\r\n");
                foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
            }
            byte[] request = Encoding.UTF8.GetBytes(sb.ToString());
            int pos = 0;
            _batch.Buffer = request;
            foreach (var _ in commands)
            {
                int argStart = _batch.CommittedArgs;
                Assert.Equal(ParseStatus.Complete, _parser.TryParse(request, ref pos, _batch.Args));
                _batch.Add(argStart, _batch.Args.Count - argStart);
            }
            var pending = Executor.ExecuteAsync(_batch).AsTask();
            return pending.ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                string reply = Encoding.UTF8.GetString(_out.Written);
                _out.Clear();
                _parser.ArgsRemoved(_batch.Clear());
                return reply;
            }, TaskScheduler.Default);
        }

        public Task<string> Call(params string[] args) => Send(args).WaitAsync(Patience);
    }

    private Client NewClient() => new(_engine, _table);

    private static string Bulk(string s) => $"${Encoding.UTF8.GetByteCount(s)}\r\n{s}\r\n";

    private static string Pair(string key, string value) => "*2\r\n" + Bulk(key) + Bulk(value);

    /// <summary>Waits until <paramref name="n"/> clients are blocked (registration happens on the shards).</summary>
    private void WaitBlocked(long n)
    {
        var until = DateTime.UtcNow + Patience;
        while (_engine.BlockedClients != n)
        {
            Assert.True(DateTime.UtcNow < until, $"expected {n} blocked clients, have {_engine.BlockedClients}");
            Thread.Sleep(1);
        }
    }

    private static Task<string> Result(Task<string> t) => t.WaitAsync(Patience);

    /// <summary>True when <paramref name="t"/> is still pending after <paramref name="ms"/>.</summary>
    private static async Task<bool> StillPending(Task t, int ms)
    {
        await Task.WhenAny(t, Task.Delay(ms));
        return !t.IsCompleted;
    }

    /// <summary>Two keys guaranteed to live on different shards of a two-shard engine.</summary>
    private static (string A, string B) KeysOnDifferentShards(string prefix)
    {
        string a = prefix + "a";
        int shard = KeyHash.ShardOf(Encoding.UTF8.GetBytes(a), 2);
        for (int i = 0; ; i++)
        {
            string b = $"{prefix}b{i}";
            if (KeyHash.ShardOf(Encoding.UTF8.GetBytes(b), 2) != shard) return (a, b);
        }
    }

    [Fact]
    public async Task BlpopWaitsUntilAPushServesIt()
    {
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLPOP", "q", "0");
        WaitBlocked(1);
        Assert.True(await StillPending(pending, 50));
        Assert.True(a.Executor.IsBlocked);
        Assert.Equal(":1\r\n", await b.Call("RPUSH", "q", "x"));
        Assert.Equal(Pair("q", "x"), await Result(pending));
        Assert.Equal(0, _engine.BlockedClients);
        Assert.False(a.Executor.IsBlocked);
        // The element went to the blocked client: the list is gone.
        Assert.Equal(":0\r\n", await b.Call("LLEN", "q"));
        // The client goes on normally afterwards.
        Assert.Equal(":0\r\n", await a.Call("LLEN", "q"));
    }

    [Fact]
    public async Task PushToAKeyWithDataServesAtOnce()
    {
        var a = NewClient();
        Assert.Equal(":2\r\n", await a.Call("RPUSH", "q", "x", "y"));
        Assert.Equal(Pair("q", "y"), await a.Call("BRPOP", "q", "0"));
        Assert.Equal(Pair("q", "x"), await a.Call("BLPOP", "nothing", "q", "0"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task BlockedClientsAreServedInFifoOrder()
    {
        var clients = new[] { NewClient(), NewClient(), NewClient() };
        var pending = new Task<string>[3];
        for (int i = 0; i < 3; i++)
        {
            pending[i] = clients[i].Send("BLPOP", "fifo", "0");
            WaitBlocked(i + 1);
        }
        var producer = NewClient();
        Assert.Equal(":3\r\n", await producer.Call("RPUSH", "fifo", "1", "2", "3"));
        for (int i = 0; i < 3; i++) Assert.Equal(Pair("fifo", (i + 1).ToString()), await Result(pending[i]));
        Assert.Equal(":0\r\n", await producer.Call("LLEN", "fifo"));
    }

    [Fact]
    public async Task OnePushServesOnlyTheFirstWaiter()
    {
        var first = NewClient();
        var second = NewClient();
        var p1 = first.Send("BLPOP", "one", "0");
        WaitBlocked(1);
        var p2 = second.Send("BLPOP", "one", "0");
        WaitBlocked(2);
        var producer = NewClient();
        await producer.Call("LPUSH", "one", "a");
        Assert.Equal(Pair("one", "a"), await Result(p1));
        Assert.True(await StillPending(p2, 100));
        WaitBlocked(1);
        await producer.Call("LPUSH", "one", "b");
        Assert.Equal(Pair("one", "b"), await Result(p2));
    }

    [Fact]
    public async Task TimeoutRepliesNullArray()
    {
        var a = NewClient();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("*-1\r\n", await a.Call("BLPOP", "empty", "0.2"));
        Assert.InRange(watch.ElapsedMilliseconds, 150, 5000);
        // Redis 7.0 times every list block out with a null array, BLMOVE included.
        Assert.Equal("*-1\r\n", await a.Call("BLMOVE", "empty", "dst", "LEFT", "LEFT", "0.05"));
        Assert.Equal("*-1\r\n", await a.Call("BLMPOP", "0.05", "2", "e1", "e2", "LEFT"));
        Assert.Equal(0, _engine.BlockedClients);
        Assert.Equal(":0\r\n", await a.Call("LLEN", "dst"));
    }

    [Fact]
    public async Task Resp3TimeoutIsNull()
    {
        var a = NewClient();
        a.Protocol = 3;
        Assert.Equal("_\r\n", await a.Call("BRPOP", "empty3", "0.05"));
    }

    [Fact]
    public async Task BlmoveAcrossShardsIsServedByThePush()
    {
        var (src, dst) = KeysOnDifferentShards("mv:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLMOVE", src, dst, "LEFT", "RIGHT", "0");
        WaitBlocked(1);
        Assert.True(await StillPending(pending, 50));
        Assert.Equal(":2\r\n", await b.Call("RPUSH", src, "v1", "v2"));
        Assert.Equal(Bulk("v1"), await Result(pending));
        Assert.Equal("*1\r\n" + Bulk("v1"), await b.Call("LRANGE", dst, "0", "-1"));
        Assert.Equal("*1\r\n" + Bulk("v2"), await b.Call("LRANGE", src, "0", "-1"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task BlpopOnKeysOfTwoShardsIsServedFromEither()
    {
        var (k1, k2) = KeysOnDifferentShards("two:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLPOP", k1, k2, "0");
        WaitBlocked(1);
        await b.Call("RPUSH", k2, "x");
        Assert.Equal(Pair(k2, "x"), await Result(pending));
        pending = a.Send("BRPOP", k1, k2, "0");
        WaitBlocked(1);
        await b.Call("RPUSH", k1, "y");
        Assert.Equal(Pair(k1, "y"), await Result(pending));
        // Registrations left on the other shard are done and serve nobody.
        await b.Call("RPUSH", k2, "z");
        Assert.Equal("*1\r\n" + Bulk("z"), await b.Call("LRANGE", k2, "0", "-1"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task BlmpopAcrossShardsPopsACount()
    {
        var (k1, k2) = KeysOnDifferentShards("mp:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLMPOP", "0", "2", k1, k2, "RIGHT", "COUNT", "2");
        WaitBlocked(1);
        await b.Call("RPUSH", k2, "1", "2", "3");
        Assert.Equal("*2\r\n" + Bulk(k2) + "*2\r\n" + Bulk("3") + Bulk("2"), await Result(pending));
    }

    [Fact]
    public async Task AWaiterOnTwoShardsIsServedBeforeTheNextCommand()
    {
        var (k1, k2) = KeysOnDifferentShards("ps:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLPOP", k1, k2, "0");
        WaitBlocked(1);
        // As in Redis, the blocked client gets the element before the LPOP right behind the push.
        string replies = await Result(b.SendPipeline(["RPUSH", k1, "x"], ["LPOP", k1]));
        Assert.Equal(":1\r\n$-1\r\n", replies);
        Assert.Equal(Pair(k1, "x"), await Result(pending));
    }

    [Fact]
    public async Task BlmoveAcrossShardsIsVisibleToTheFeedersNextCommand()
    {
        var (src, dst) = KeysOnDifferentShards("vis:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLMOVE", src, dst, "RIGHT", "LEFT", "0");
        WaitBlocked(1);
        // The push reaches the destination's shard before anything the feeder sends after the RPUSH reply.
        // (Within one pipeline, commands on other shards run alongside and may not see it yet.)
        Assert.Equal(":1\r\n", await b.Call("RPUSH", src, "x"));
        Assert.Equal("*1\r\n" + Bulk("x"), await b.Call("LRANGE", dst, "0", "-1"));
        Assert.Equal(":0\r\n", await b.Call("LLEN", src));
        Assert.Equal(Bulk("x"), await Result(pending));
    }

    [Fact]
    public async Task BlmoveAcrossShardsToAWrongTypeLeavesTheElement()
    {
        var (src, dst) = KeysOnDifferentShards("wt:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLMOVE", src, dst, "LEFT", "LEFT", "0");
        WaitBlocked(1);
        await b.Call("SET", dst, "string");
        Assert.Equal(":1\r\n", await b.Call("RPUSH", src, "v"));
        Assert.StartsWith("-WRONGTYPE", await Result(pending));
        // The element went back to where it came from.
        Assert.Equal("*1\r\n" + Bulk("v"), await b.Call("LRANGE", src, "0", "-1"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task AKeyOfAnotherTypeAmongTheWaitedKeysDoesNotFailTheWaiter()
    {
        var (k1, k2) = KeysOnDifferentShards("ot:");
        var a = NewClient();
        var b = NewClient();
        var pending = a.Send("BLPOP", k1, k2, "0");
        WaitBlocked(1);
        await b.Call("SET", k1, "string");
        await b.Call("RPUSH", k2, "v");
        Assert.Equal(Pair(k2, "v"), await Result(pending));
    }

    /// <summary>A blocking pop that does not declare per-shard serving (as a family might): the retry path.</summary>
    private static void RetryingPop(CommandContext ctx)
    {
        for (int j = 1; j < ctx.ArgCount - 1; j++)
        {
            var key = ctx.Arg(j);
            var db = ctx.Db(key);
            nint rec = db.FindForWrite(key, ctx.Now);
            if (rec == 0) continue;
            var list = db.GetObject<TdbPlus.Shards.Families.Lists.QuickList>(rec);
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk(key);
            ctx.Reply.Bulk(list.Head);
            list.RemoveHead();
            if (list.Count == 0) db.Delete(key);
            return;
        }
        for (int j = 1; j < ctx.ArgCount - 1; j++) ctx.AddBlockingKey(j);
        long seconds = long.Parse(ctx.ArgString(ctx.ArgCount - 1), System.Globalization.CultureInfo.InvariantCulture);
        ctx.Block(seconds, timeoutReplyIsNullArray: true);
    }

    [Fact]
    public async Task ARetriedWaiterKeepsItsFirstDeadline()
    {
        _table.AddRange([Declare.Keyed("TESTBPOP", -3, CommandFlags.Write | CommandFlags.Blocking, 1, -2, 1,
            AclCategories.Write, RetryingPop, "test: blocking pop served by retries")]);
        var (k1, k2) = KeysOnDifferentShards("rt:");
        var a = NewClient();
        var b = NewClient();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var pending = a.Send("TESTBPOP", k1, k2, "600"); // milliseconds
        WaitBlocked(1);
        await Task.Delay(300);
        // The push wakes the waiter for a retry, but the LPOP right behind it in the pipeline takes the element:
        // the retry finds nothing and blocks again, until the first deadline (not a fresh 600 ms).
        string replies = await Result(b.SendPipeline(["RPUSH", k1, "x"], ["LPOP", k1]));
        Assert.Equal(":1\r\n" + Bulk("x"), replies);
        Assert.Equal("*-1\r\n", await Result(pending));
        Assert.InRange(watch.ElapsedMilliseconds, 550, 850);
        Assert.Equal(0, _engine.BlockedClients);
        // And a retry that finds the element serves it.
        pending = a.Send("TESTBPOP", k1, k2, "0");
        WaitBlocked(1);
        await b.Call("RPUSH", k2, "y");
        Assert.Equal(Pair(k2, "y"), await Result(pending));
    }

    [Fact]
    public async Task PipelinedCommandsAfterABlockedOneWaitForIt()
    {
        var a = NewClient();
        var b = NewClient();
        var pending = a.SendPipeline(["BLPOP", "pq", "0"], ["RPUSH", "after", "1"]);
        WaitBlocked(1);
        Assert.Equal(":0\r\n", await b.Call("LLEN", "after"));
        await b.Call("RPUSH", "pq", "v");
        Assert.Equal(Pair("pq", "v") + ":1\r\n", await Result(pending));
    }

    [Fact]
    public async Task ClientUnblockEndsTheWait()
    {
        var a = NewClient();
        var pending = a.Send("BLPOP", "ub", "0");
        WaitBlocked(1);
        Assert.True(a.Executor.Unblock(withError: false));
        Assert.Equal("*-1\r\n", await Result(pending));
        Assert.False(a.Executor.Unblock(withError: false));
        pending = a.Send("BLMOVE", "ub", "ub2", "LEFT", "LEFT", "0");
        WaitBlocked(1);
        Assert.True(a.Executor.Unblock(withError: true));
        Assert.Equal("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", await Result(pending));
        Assert.Equal(0, _engine.BlockedClients);
        // A later push serves nobody: the done registrations are skipped.
        var b = NewClient();
        Assert.Equal(":1\r\n", await b.Call("RPUSH", "ub", "v"));
        Assert.Equal(":1\r\n", await b.Call("LLEN", "ub"));
    }

    [Fact]
    public async Task WhereBlockingIsNotAllowedTheTimeoutReplyComesAtOnce()
    {
        var a = NewClient();
        a.Session.BlockingAllowed = false;
        Assert.Equal("*-1\r\n", await a.Call("BLPOP", "nb", "0"));
        Assert.Equal("$-1\r\n", await a.Call("BRPOPLPUSH", "nb", "x", "0"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task WrongTypeIsAnErrorAtOnce()
    {
        var a = NewClient();
        await a.Call("SET", "str", "v");
        Assert.StartsWith("-WRONGTYPE", await a.Call("BLPOP", "missing", "str", "0"));
        Assert.StartsWith("-WRONGTYPE", await a.Call("BLMOVE", "str", "x", "LEFT", "LEFT", "0"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task ServedBlmoveFeedsClientsBlockedOnItsDestination()
    {
        var a = NewClient();
        var b = NewClient();
        var c = NewClient();
        var pa = a.Send("BLMOVE", "chain1", "chain2", "LEFT", "LEFT", "0");
        WaitBlocked(1);
        var pb = b.Send("BLPOP", "chain2", "0");
        WaitBlocked(2);
        await c.Call("RPUSH", "chain1", "v");
        Assert.Equal(Bulk("v"), await Result(pa));
        Assert.Equal(Pair("chain2", "v"), await Result(pb));
        Assert.Equal(":0\r\n", await c.Call("LLEN", "chain2"));
    }

    [Fact]
    public async Task LmpopRoutesToEveryCountedKey()
    {
        var (k1, k2) = KeysOnDifferentShards("lm:");
        var a = NewClient();
        await a.Call("RPUSH", k2, "1", "2", "3");
        Assert.Equal("*2\r\n" + Bulk(k2) + "*2\r\n" + Bulk("1") + Bulk("2"), await a.Call("LMPOP", "2", k1, k2, "LEFT", "COUNT", "2"));
        await a.Call("RPUSH", k1, "x");
        Assert.Equal("*2\r\n" + Bulk(k1) + "*1\r\n" + Bulk("x"), await a.Call("LMPOP", "2", k1, k2, "RIGHT"));
        Assert.Equal(":0\r\n", await a.Call("LLEN", k1));
        Assert.Equal(":1\r\n", await a.Call("LLEN", k2));
    }

    [Fact]
    public async Task BlockingCommandsInsideMultiAnswerAtOnce()
    {
        var a = NewClient();
        Assert.Equal("+OK\r\n", await a.Call("MULTI"));
        Assert.Equal("+QUEUED\r\n", await a.Call("BLPOP", "mq", "0"));
        Assert.Equal("+QUEUED\r\n", await a.Call("BLMOVE", "mq", "md", "LEFT", "LEFT", "0"));
        Assert.Equal("+QUEUED\r\n", await a.Call("BLMPOP", "0", "1", "mq", "LEFT"));
        Assert.Equal("*3\r\n*-1\r\n$-1\r\n*-1\r\n", await a.Call("EXEC"));
        Assert.Equal(0, _engine.BlockedClients);
    }

    [Fact]
    public async Task VeryLongTimeoutsDoNotBreakTheTimer()
    {
        var a = NewClient();
        // 100 days: longer than one Timer period.
        var pending = a.Send("BLPOP", "long", "8640000");
        WaitBlocked(1);
        await NewClient().Call("RPUSH", "long", "v");
        Assert.Equal(Pair("long", "v"), await Result(pending));
    }
}
