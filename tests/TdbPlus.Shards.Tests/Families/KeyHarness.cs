using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>A started engine with the core families and one client, driven through the real executor.</summary>
internal sealed class KeyHarness : IDisposable
{
    private readonly RespWriter _out = new(1024);
    private readonly BatchExecutor _executor;

    public KeyHarness(int shards)
    {
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shards.ToString(), out _));
        Engine = new ShardSet(config);
        Engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        Table = table;
        _executor = new BatchExecutor(Engine, table, Session, _out);
    }

    public ShardSet Engine { get; }

    public CommandTable Table { get; }

    public ClientSession Session { get; } = new();

    public int Protocol
    {
        get => _out.Protocol;
        set => _out.Protocol = value;
    }

    /// <summary>Runs one command and returns its raw reply (Latin-1, so every byte shows).</summary>
    public string Run(params string[] args) => RunBytes(args.Select(a => Encoding.Latin1.GetBytes(a)).ToArray());

    public string RunBytes(params byte[][] args)
    {
        var batch = new CommandBatch();
        var buffer = new MemoryStream();
        foreach (var a in args)
        {
            batch.Args.Add(new ArgSlice((int)buffer.Length, a.Length));
            buffer.Write(a);
        }
        batch.Buffer = buffer.ToArray();
        batch.Add(0, args.Length);
        _out.Clear();
        _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
        return Encoding.Latin1.GetString(_out.Written);
    }

    /// <summary>Runs commands as one pipeline batch and returns all replies concatenated.</summary>
    public string Pipeline(params string[][] commands)
    {
        var batch = new CommandBatch();
        var buffer = new MemoryStream();
        foreach (var cmd in commands)
        {
            int start = batch.Args.Count;
            foreach (var a in cmd)
            {
                var bytes = Encoding.Latin1.GetBytes(a);
                batch.Args.Add(new ArgSlice((int)buffer.Length, bytes.Length));
                buffer.Write(bytes);
            }
            batch.Add(start, cmd.Length);
        }
        batch.Buffer = buffer.ToArray();
        _out.Clear();
        _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
        return Encoding.Latin1.GetString(_out.Written);
    }

    /// <summary>Keys of an array-of-bulks reply, in reply order.</summary>
    public static List<string> Bulks(string reply)
    {
        var list = new List<string>();
        int i = reply.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        while (i < reply.Length)
        {
            int eol = reply.IndexOf("\r\n", i, StringComparison.Ordinal);
            if (reply[i] == '$')
            {
                int len = int.Parse(reply.AsSpan(i + 1, eol - i - 1));
                list.Add(reply.Substring(eol + 2, len));
                i = eol + 2 + len + 2;
            }
            else i = eol + 2;
        }
        return list;
    }

    /// <summary>(cursor, keys) of a SCAN reply.</summary>
    public static (ulong Cursor, List<string> Keys) ParseScan(string reply)
    {
        var parts = reply.Split("\r\n");
        ulong cursor = ulong.Parse(parts[2]);
        var keys = new List<string>();
        for (int i = 4; i + 1 < parts.Length; i += 2) keys.Add(parts[i + 1]);
        return (cursor, keys);
    }

    /// <summary>Two keys on different shards (when there are several) and one more on the first key's shard.</summary>
    public (string A, string B, string SameAsA) KeysOnDifferentShards()
    {
        string a = "k:0";
        int sa = Engine.ShardIndexFor(Encoding.ASCII.GetBytes(a));
        string? b = null, same = null;
        for (int i = 1; b is null || same is null; i++)
        {
            string k = "k:" + i;
            int s = Engine.ShardIndexFor(Encoding.ASCII.GetBytes(k));
            if (b is null && (s != sa || Engine.Count == 1)) b = k;
            else if (s == sa) same ??= k;
        }
        return (a, b, same);
    }

    public void Dispose() => Engine.Dispose();
}
