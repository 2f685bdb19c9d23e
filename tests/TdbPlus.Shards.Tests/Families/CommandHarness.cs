using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;

using TdbPlus.Shards.Tests.Execution;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>A started engine with the core families and one client, driven through the real executor (family tests).</summary>
internal sealed class CommandHarness : IDisposable
{
    private readonly RespWriter _out = new(1024);
    private readonly BatchExecutor _executor;

    public CommandHarness(int shards)
    {
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shards.ToString(), out _));
        Engine = new ShardSet(config);
        Engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        table.AddRange(TdbPlus.Shards.Persistence.DumpFamily.Commands());
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
    public string Pipeline(params string[][] commands) => Pipeline((IEnumerable<string[]>)commands);

    public string Pipeline(IEnumerable<string[]> commands)
    {
        var batch = TestBatch.Of(commands);
        _out.Clear();
        _executor.ExecuteAsync(batch).AsTask().GetAwaiter().GetResult();
        return Encoding.Latin1.GetString(_out.Written);
    }

    /// <summary>The integer of a ":n" reply.</summary>
    public long Integer(params string[] args)
    {
        string reply = Run(args);
        Assert.StartsWith(":", reply);
        return long.Parse(reply.AsSpan(1, reply.Length - 3));
    }

    /// <summary>The bytes of a bulk reply (null for a null bulk).</summary>
    public byte[]? Bulk(params string[] args)
    {
        string reply = Run(args);
        if (reply == "$-1\r\n") return null;
        int eol = reply.IndexOf("\r\n", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(reply.Substring(eol + 2, int.Parse(reply.AsSpan(1, eol - 1))));
    }

    /// <summary>The record flags of a key (encoding bits), read on its shard.</summary>
    public byte Flags(string key)
    {
        var k = Encoding.Latin1.GetBytes(key);
        nint rec = Engine.Db(k, 0).Find(k, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.NotEqual(0, rec);
        return TdbPlus.Shards.Storage.Record.Flags(rec);
    }

    /// <summary>Keys named prefix:n that live on pairwise different shards (as many as there are shards).</summary>
    public string[] KeysOnDifferentShards(string prefix)
    {
        var keys = new string?[Engine.Shards.Length];
        for (int i = 0; keys.Any(k => k is null); i++)
        {
            string k = prefix + ":" + i;
            keys[Engine.ShardIndexFor(Encoding.ASCII.GetBytes(k))] ??= k;
        }
        return keys!;
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
