namespace TdbPlus.RedisCompat;

/// <summary>
/// xunit class fixture: starts the reference redis-server and the server under test on free
/// loopback ports, and stops both when the test class is done.
/// With <c>TDBPLUS_COMPAT_TARGET=redis</c> the server under test is a second redis-server,
/// which checks that the harness and the scripts are deterministic.
/// </summary>
public sealed class CompatServers : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly List<ServerProcess> _servers = [];

    public CompatServers()
    {
        var target = Environment.GetEnvironmentVariable("TDBPLUS_COMPAT_TARGET");
        TargetIsRedis = string.Equals(target, "redis", StringComparison.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(target) && !TargetIsRedis && !string.Equals(target, "tdbplus", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"TDBPLUS_COMPAT_TARGET must be 'redis' or 'tdbplus', not '{target}'.");
        }

        try
        {
            // Fail early and clearly when the reference server is missing.
            ServerProcess.FindRedisServer();

            var redis = Task.Run(() => StartReady(port => ServerProcess.StartRedis("redis-server (reference)", port)));
            var tdb = Task.Run(() => StartReady(port => TargetIsRedis
                ? ServerProcess.StartRedis("redis-server (standing in for TDB+)", port)
                : ServerProcess.StartTdbPlus("TDB+", port)));
            try
            {
                Task.WaitAll(redis, tdb);
            }
            catch (AggregateException e)
            {
                var inner = e.Flatten().InnerExceptions;
                throw inner.Count == 1
                    ? inner[0]
                    : new InvalidOperationException(string.Join("\n\n", inner.Select(x => x.Message)), e);
            }

            Redis = redis.Result;
            Tdb = tdb.Result;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public bool TargetIsRedis { get; }

    /// <summary>The server under test (TDB+, or a second redis-server when TDBPLUS_COMPAT_TARGET=redis).</summary>
    public ServerProcess Tdb { get; } = null!;

    /// <summary>The reference redis-server.</summary>
    public ServerProcess Redis { get; } = null!;

    public string Description =>
        $"server under test: {Tdb.Name} on 127.0.0.1:{Tdb.Port}; reference: {Redis.Name} on 127.0.0.1:{Redis.Port}";

    /// <summary>Starts a server on a free port and waits for PING; retries on a fresh port if the first was taken meanwhile.</summary>
    private ServerProcess StartReady(Func<int, ServerProcess> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = start(ServerProcess.FreePort());
            lock (_servers)
            {
                _servers.Add(server);
            }

            try
            {
                server.WaitUntilReady(StartTimeout);
                return server;
            }
            catch (PortInUseException) when (attempt < 3)
            {
                server.Dispose();
            }
        }
    }

    public void Dispose()
    {
        ServerProcess[] all;
        lock (_servers)
        {
            all = [.. _servers];
            _servers.Clear();
        }

        foreach (var s in all)
        {
            s.Dispose();
        }
    }
}
