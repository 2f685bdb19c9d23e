using System.Text;
using TdbPlus.Shards.Keyspace;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>
/// Every hash and set write reports its size change: after each of many random commands (conversions, SPOP
/// rebuilds, keys emptied and deleted, stores across shards...) the shards' object bytes equal the sizes of
/// the live values, and deleting every key brings them back to zero.
/// </summary>
public sealed class HashesAndSetsAccountingTests
{
    private static readonly string[] Keys = ["h1", "h2", "h3", "s1", "s2", "s3", "d1", "d2"];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ObjectBytesFollowEveryWrite(int shards)
    {
        using var h = new CommandHarness(shards);
        var rng = new Random(1234 + shards);
        string Member() => rng.Next(4) == 0 ? "m" + rng.Next(700) : rng.Next(700).ToString();
        string Value() => new('v', rng.Next(3) == 0 ? rng.Next(60, 80) : rng.Next(1, 10));
        string SetKey() => Keys[3 + rng.Next(3)];
        for (int op = 0; op < 20_000; op++)
        {
            string hk = Keys[rng.Next(3)], sk = SetKey(), dk = Keys[6 + rng.Next(2)];
            string[] command = rng.Next(16) switch
            {
                0 => ["HSET", hk, "f" + rng.Next(600), Value(), "g" + rng.Next(600), Value()],
                1 => ["HDEL", hk, "f" + rng.Next(600), "g" + rng.Next(600)],
                2 => ["HINCRBY", hk, "n" + rng.Next(50), rng.Next(-5, 5).ToString()],
                3 => ["HINCRBYFLOAT", hk, "x" + rng.Next(50), "1.5"],
                4 => ["HSETNX", hk, "f" + rng.Next(600), Value()],
                5 => ["SADD", sk, Member(), Member(), Member()],
                6 => ["SREM", sk, Member(), Member()],
                7 => ["SPOP", sk, rng.Next(0, 50).ToString()],
                8 => ["SPOP", sk],
                9 => ["SMOVE", sk, SetKey(), Member()],
                10 => ["SINTERSTORE", dk, sk, SetKey()],
                11 => ["SUNIONSTORE", dk, sk, SetKey()],
                12 => ["SDIFFSTORE", dk, sk, SetKey()],
                13 => ["SADD", sk, .. Enumerable.Range(0, 20).Select(_ => rng.Next(100_000).ToString())],
                14 => ["HDEL", hk, .. Enumerable.Range(0, 200).Select(i => "f" + i)],
                _ => ["SREM", sk, .. Enumerable.Range(0, 200).Select(i => i.ToString())],
            };
            h.Run(command);
            long accounted = h.Engine.Shards.Sum(s => s.Store.ObjectBytes);
            Assert.True(LiveObjectBytes(h) == accounted, $"after op {op} ({string.Join(' ', command.Take(3))})");
        }
        Assert.True(h.Engine.Shards.Sum(s => s.Store.ObjectBytes) > 0);
        foreach (var k in Keys) h.Run("DEL", k);
        foreach (var s in h.Engine.Shards) Assert.Equal(0, s.Store.ObjectBytes);
    }

    private static long LiveObjectBytes(CommandHarness h)
    {
        long live = 0;
        foreach (var k in Keys)
        {
            var key = Encoding.ASCII.GetBytes(k);
            var db = h.Engine.Db(key, 0);
            nint rec = db.Find(key, 0);
            if (rec != 0 && Record.Type(rec) != KeyType.String) live += ((IKeyObject)db.Store.Objects.Get(Record.Handle(rec))).MemoryBytes;
        }
        return live;
    }
}
