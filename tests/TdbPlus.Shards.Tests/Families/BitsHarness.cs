using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Config;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Execution;
using TdbPlus.Shards.Families;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>A started engine with the core families and one client, for bitmap and HyperLogLog command tests.</summary>
internal sealed class BitsHarness : IDisposable
{
    private readonly RespWriter _out = new(1024);
    private readonly BatchExecutor _executor;

    public BitsHarness(int shards)
    {
        var config = new ServerConfig();
        Assert.True(config["shards"].TrySet(shards.ToString(), out _));
        Engine = new ShardSet(config);
        Engine.Start();
        var table = new CommandTable();
        table.AddRange(CoreFamilies.Commands());
        _executor = new BatchExecutor(Engine, table, new ClientSession(), _out);
    }

    public ShardSet Engine { get; }

    /// <summary>Runs one command and returns its raw reply (Latin-1, so every byte shows).</summary>
    public string Run(params string[] args) => Run(args.Select(a => Encoding.Latin1.GetBytes(a)).ToArray());

    public string Run(params byte[][] args)
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

    /// <summary>Runs commands as one pipelined batch and returns all replies concatenated.</summary>
    public string Pipeline(IEnumerable<string[]> commands)
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
        return Record.Flags(rec);
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

    public void Dispose() => Engine.Dispose();
}
