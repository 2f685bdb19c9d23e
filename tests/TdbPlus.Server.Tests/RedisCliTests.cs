using System.Diagnostics;
using System.Text;

namespace TdbPlus.Server.Tests;

/// <summary>The server as redis-cli sees it: formatted replies, INFO, and a pipe of many commands.</summary>
public sealed class RedisCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string? Cli = new[] { "/usr/bin/redis-cli", "/usr/local/bin/redis-cli" }.FirstOrDefault(File.Exists);

    private (string Out, int Code) Run(string? stdin, params string[] args)
    {
        Assert.True(Cli is not null, "redis-cli is required (apt-get install redis-tools)");
        var psi = new ProcessStartInfo(Cli!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-p", fixture.Port.ToString() }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(30_000), "redis-cli did not finish");
        return (stdout.Result + stderr.Result, p.ExitCode);
    }

    [Fact]
    public void RdbOptionDownloadsASnapshotThatRedisCheckRdbAccepts()
    {
        Assert.Equal("OK\n", Run(null, "-n", "5", "set", "cli:rdb", "kept").Out);
        string file = Path.Combine(Path.GetTempPath(), $"tdbplus-cli-{Guid.NewGuid():N}.rdb");
        try
        {
            var (output, code) = Run(null, "--rdb", file);
            Assert.Equal(0, code);
            Assert.Contains("Transfer finished with success.", output);
            var psi = new ProcessStartInfo("/usr/bin/redis-check-rdb") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(file);
            using var check = Process.Start(psi)!;
            string report = check.StandardOutput.ReadToEnd() + check.StandardError.ReadToEnd();
            Assert.True(check.WaitForExit(30_000));
            Assert.Contains("RDB looks OK!", report);
            Assert.Equal("PONG\n", Run(null, "ping").Out);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void NoRawRepliesAreFormattedLikeRedis()
    {
        Assert.Equal("PONG\n", Run(null, "--no-raw", "ping").Out);
        Assert.Equal("OK\n", Run(null, "--no-raw", "-n", "3", "set", "cli:k", "v").Out);
        Assert.Equal("\"v\"\n", Run(null, "--no-raw", "-n", "3", "get", "cli:k").Out);
        Assert.Equal("(nil)\n", Run(null, "--no-raw", "-n", "3", "get", "cli:none").Out);
        Assert.Equal("(error) ERR unknown subcommand 'bogus'. Try CONFIG HELP.\n", Run(null, "--no-raw", "config", "bogus").Out);
        Assert.Equal("1) \"maxmemory\"\n2) \"0\"\n", Run(null, "--no-raw", "config", "get", "maxmemory").Out);
        Assert.Matches(@"^\(integer\) \d+\n$", Run(null, "--no-raw", "client", "id").Out);
        Assert.Equal("1# \"maxmemory\" => \"0\"\n", Run(null, "--no-raw", "-3", "config", "get", "maxmemory").Out);
    }

    [Fact]
    public void InfoPrintsSections()
    {
        var (output, code) = Run(null, "info");
        Assert.Equal(0, code);
        Assert.StartsWith("# Server\nredis_version:7.0.15\n", output.Replace("\r", ""));
        Assert.Contains("# Keyspace", output);
        Assert.Contains("tcp_port:" + fixture.Port, output);
        Assert.Contains("used_memory_human:", output);
    }

    [Fact]
    public void PipeOfManyCommands()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            string key = $"pipe:{i}", value = $"v{i}";
            sb.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n${value.Length}\r\n{value}\r\n");
        }
        var (output, code) = Run(sb.ToString(), "-n", "8", "--pipe");
        Assert.Equal(0, code);
        Assert.Contains("errors: 0, replies: 5000", output);
        var lines = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"GET pipe:{i * 25}")) + "\n";
        var (got, _) = Run(lines, "-n", "8");
        Assert.Equal(string.Join("", Enumerable.Range(0, 200).Select(i => $"v{i * 25}\n")), got);
    }
}
