using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace TdbPlus.Server.Tests;

/// <summary>Pub/Sub, keyspace notifications and client tracking over real connections.</summary>
public sealed class PubSubTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ConnectionMultiplexer _mux = ConnectionMultiplexer.Connect(
        $"127.0.0.1:{fixture.Port},allowAdmin=true,abortConnect=true,connectTimeout=10000,syncTimeout=10000");

    public void Dispose() => _mux.Dispose();

    private static async Task<T> Within<T>(Task<T> task, int ms = 10_000)
    {
        if (await Task.WhenAny(task, Task.Delay(ms)) != task) throw new TimeoutException("nothing arrived");
        return await task;
    }

    [Fact]
    public async Task SubscribeAndPublishAcrossConnections()
    {
        using var other = ConnectionMultiplexer.Connect($"127.0.0.1:{fixture.Port},abortConnect=true");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = RedisChannel.Literal("se:news");
        await _mux.GetSubscriber().SubscribeAsync(channel, (_, value) => received.TrySetResult(value!));
        long receivers = await other.GetSubscriber().PublishAsync(channel, "hello");
        Assert.Equal(1, receivers);
        Assert.Equal("hello", await Within(received.Task));
        Assert.Equal(0, await other.GetSubscriber().PublishAsync(RedisChannel.Literal("se:nobody"), "x"));
        await _mux.GetSubscriber().UnsubscribeAsync(channel);
        Assert.Equal(0, await other.GetSubscriber().PublishAsync(channel, "after"));
    }

    [Fact]
    public async Task PatternSubscriptionReceivesMatchingChannels()
    {
        using var other = ConnectionMultiplexer.Connect($"127.0.0.1:{fixture.Port},abortConnect=true");
        var got = new ConcurrentQueue<(string Channel, string Message)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _mux.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("se:p.*"), (ch, value) =>
        {
            got.Enqueue((ch!, value!));
            if (got.Count == 2) done.TrySetResult();
        });
        var pub = other.GetSubscriber();
        Assert.Equal(1, await pub.PublishAsync(RedisChannel.Literal("se:p.one"), "1"));
        Assert.Equal(0, await pub.PublishAsync(RedisChannel.Literal("se:q.two"), "x"));
        Assert.Equal(1, await pub.PublishAsync(RedisChannel.Literal("se:p.three"), "3"));
        await Within(done.Task.ContinueWith(_ => true));
        Assert.Equal([("se:p.one", "1"), ("se:p.three", "3")], got.ToArray());
    }

    [Fact]
    public async Task KeyspaceNotificationsArriveThroughASubscription()
    {
        var server = _mux.GetServer("127.0.0.1", fixture.Port);
        server.ConfigSet("notify-keyspace-events", "KE$");
        try
        {
            var events = new ConcurrentQueue<string>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // A channel queue delivers in order; handler callbacks may run concurrently in StackExchange.Redis.
            var queue = await _mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal("__keyspace@4__:se:watched"));
            queue.OnMessage(message =>
            {
                events.Enqueue(message.Message!);
                if (events.Count == 3) done.TrySetResult();
            });
            var db = _mux.GetDatabase(4);
            db.StringSet("se:watched", "1");
            db.StringIncrement("se:watched");
            db.StringSet("se:other", "x");
            db.StringAppend("se:watched", "0");
            await Within(done.Task.ContinueWith(_ => true));
            Assert.Equal(["set", "incrby", "append"], events.ToArray());
        }
        finally
        {
            server.ConfigSet("notify-keyspace-events", "");
        }
    }

    [Fact]
    public void TenThousandMessagesFromOnePublisherArriveInOrderOnAnotherShard()
    {
        // A server of its own with 4 shards: connections are spread round robin, so the two consecutive
        // connections below live on different shard threads.
        using var server = new ServerProcess("--shards", "4");
        using var publisher = new RawClient(server.Port);
        using var subscriber = new RawClient(server.Port);
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$5\r\norder\r\n:1\r\n", subscriber.Call("SUBSCRIBE", "order"));
        const int count = 10_000;
        var pipeline = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            string msg = i.ToString();
            pipeline.Append("*3\r\n$7\r\nPUBLISH\r\n$5\r\norder\r\n$").Append(msg.Length).Append("\r\n").Append(msg).Append("\r\n");
            if (pipeline.Length > 16_000 || i == count - 1)
            {
                publisher.SendRaw(pipeline.ToString());
                pipeline.Clear();
            }
        }
        for (int i = 0; i < count; i++)
        {
            string msg = i.ToString();
            Assert.Equal($"*3\r\n$7\r\nmessage\r\n$5\r\norder\r\n${msg.Length}\r\n{msg}\r\n", subscriber.ReadFrame());
        }
        for (int i = 0; i < count; i++) Assert.Equal(":1\r\n", publisher.ReadFrame());
    }

    [Fact]
    public void SubscriberContextAllowsOnlyPubSubCommandsInResp2()
    {
        using var c = new RawClient(fixture.Port);
        c.Call("SUBSCRIBE", "ctx");
        Assert.Equal("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
            c.Call("GET", "x"));
        Assert.Equal("*2\r\n$4\r\npong\r\n$0\r\n\r\n", c.Call("PING"));
        Assert.Equal("*3\r\n$11\r\nunsubscribe\r\n$3\r\nctx\r\n:0\r\n", c.Call("UNSUBSCRIBE"));
        Assert.Equal("$-1\r\n", c.Call("GET", "se:nokey"));
    }

    [Fact]
    public void TrackingInvalidatesInResp3()
    {
        using var reader = new RawClient(fixture.Port);
        using var writer = new RawClient(fixture.Port);
        reader.Call("HELLO", "3");
        Assert.Equal("+OK\r\n", reader.Call("CLIENT", "TRACKING", "on"));
        writer.Call("SET", "se:cached", "1");
        Assert.Equal("$1\r\n1\r\n", reader.Call("GET", "se:cached"));
        Assert.Equal("+OK\r\n", writer.Call("SET", "se:cached", "2"));
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\nse:cached\r\n", reader.ReadFrame());
        // Invalidated once: the next write sends nothing until the key is read again.
        writer.Call("SET", "se:cached", "3");
        Assert.Equal("+PONG\r\n", reader.Call("PING"));
        // The client's own write: the invalidation follows the reply.
        reader.Call("GET", "se:cached");
        Assert.Equal("+OK\r\n", reader.Call("SET", "se:cached", "4"));
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\nse:cached\r\n", reader.ReadFrame());
        // BCAST: keys under the prefix, sorted, once per writer's batch.
        reader.Call("CLIENT", "TRACKING", "off");
        reader.Call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "se:b:");
        writer.Call("MSET", "se:b:2", "x", "se:b:1", "y", "se:c", "z");
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nse:b:1\r\n$6\r\nse:b:2\r\n", reader.ReadFrame());
    }

    [Fact]
    public void SlowSubscriberOverTheHardLimitIsDisconnected()
    {
        using var server = new ServerProcess("--client-output-buffer-limit", "pubsub 256kb 0 0");
        using var subscriber = new RawClient(server.Port);
        using var publisher = new RawClient(server.Port);
        subscriber.Call("SUBSCRIBE", "flood");
        string payload = new('x', 64 * 1024);
        // The subscriber never reads: once the socket buffers fill, its queue passes 256 KB.
        bool dropped = false;
        for (int i = 0; i < 2000 && !dropped; i++)
        {
            string reply = publisher.Call("PUBLISH", "flood", payload);
            dropped = reply == ":0\r\n";
        }
        Assert.True(dropped, "the subscriber was never disconnected");
        // The log line is written by the server as it drops the client; give its output a moment to arrive.
        for (int i = 0; i < 50 && !server.Output.Contains("output buffer limits"); i++) Thread.Sleep(100);
        Assert.Contains("output buffer limits", server.Output);
    }
}
