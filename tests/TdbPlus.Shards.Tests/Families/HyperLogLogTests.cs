using System.Security.Cryptography;
using System.Text;
using TdbPlus.Shards.Families.HyperLogLog;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>
/// Redis's HLL format and estimator; the expected bytes and counts were produced by redis-server 7.0.15 from the
/// same inputs.
/// </summary>
public sealed class HyperLogLogTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private static byte[] Add(params string[] elements)
    {
        var buffer = new HllBuffer();
        buffer.LoadEmpty();
        foreach (var e in elements) buffer.Add(Encoding.ASCII.GetBytes(e), 3000);
        Hll.InvalidateCache(buffer.Value);
        return buffer.Value.ToArray();
    }

    [Fact]
    public void HashPatternAndRegisterOfAnElement()
    {
        // PFADD k foo on Redis gives XZERO:7348 VAL:5,1 XZERO:9035.
        Assert.Equal(5, Hll.PatternLength("foo"u8, out int index));
        Assert.Equal(7348, index);
        Assert.Equal(Hex("48594c4c010000000000000000000080" + "5cb390634a"), Add("foo"));
    }

    [Fact]
    public void SparseBytesMatchRedis()
    {
        Assert.Equal(Hex("48594c4c010000000000000000000080466d80560c80369042078441fb8438804621804a8e84498c80426d80425a"),
            Add("foo", "bar", "zap", "a", "b", "c", "d", "e", "f", "g"));
        var m200 = Add(Enumerable.Range(0, 200).Select(i => "m:" + i).ToArray());
        Assert.Equal(Hex(
            "48594c4c0100000000000000000000804079803884405a80405c880d883980008836800680404980208005843580358440649c30" +
            "8440438c40718012841d8c0c843c84404c8840cb80416a8041a8884072800b8036801b800d84407980378006800a842484419784" +
            "068c2c801b881980408d842180405b80406e800884405580228440618440558404801a80408e802780318017800d903f8c3f8840" +
            "60802480417e800e8040418040608827a0008018884054803380404680409184404b802490405280419c84078040a5803784408b" +
            "804072843c84405580158040578440478440948840d79440a48818800d842e8c308440d280168040448c07841e8840e984218021" +
            "8840b0800d80398421802b801b8840528018803f8007804044884058840590008025884069841980406c80407d80406394800b80" +
            "258841db8040d7902b80028015800580128040798040688840618440a3803584404c8429940d900c8800842f804063804134802e" +
            "84406a80148031801288406a88407384414288348840af84408d80411c84407a881b84405480404d80407b8c3d8c128040be8840" +
            "b0802d804068843c8c21842f8409804085804076800780368440fd80058840558040648040928005802384405394406b80409d8c" +
            "803a803590405c843280168040b18026840a800f8040d08429881784404a"), m200);
        Assert.Equal(199UL, Hll.Count(m200, out bool invalid));
        Assert.False(invalid);
    }

    [Fact]
    public void PromotionToDenseMatchesRedis()
    {
        var d = Add(Enumerable.Range(0, 3000).Select(i => "d:" + i).ToArray());
        Assert.Equal(Hll.DenseSize, d.Length);
        Assert.Equal("2cc09df81e4e00fa63dff6509bc63404", Convert.ToHexStringLower(MD5.HashData(d)));
        Assert.Equal(2971UL, Hll.Count(d, out _));
    }

    [Fact]
    public void MillionDistinctElementsCountAsRedis()
    {
        var buffer = new HllBuffer();
        buffer.LoadEmpty();
        for (int i = 0; i < 1_000_000; i++) buffer.Add(Encoding.ASCII.GetBytes("element:" + i), 3000);
        Hll.InvalidateCache(buffer.Value);
        var value = buffer.Value.ToArray();
        Assert.Equal("c4347a328e1f10f5b8fcc381ab6ff1d6", Convert.ToHexStringLower(MD5.HashData(value)));
        ulong count = Hll.Count(value, out _);
        Assert.Equal(1_010_357UL, count);
        Hll.SetCachedCardinality(value, count);
        Assert.Equal("374ae243dba6a902ac0811d003497461", Convert.ToHexStringLower(MD5.HashData(value)));
    }

    [Fact]
    public void SparseAndDenseAgreeAndMergeIsTheUnion()
    {
        var rnd = new Random(7);
        for (int round = 0; round < 20; round++)
        {
            int n = rnd.Next(1, 4000);
            var elements = Enumerable.Range(0, n).Select(i => $"r{round}:{rnd.Next()}").ToArray();
            var sparse = Add(elements);
            var dense = new byte[Hll.DenseSize];
            Assert.True(Hll.SparseToDense(sparse, dense) || sparse.Length == Hll.DenseSize);
            if (sparse.Length == Hll.DenseSize) sparse.CopyTo(dense);
            Assert.Equal(Hll.Count(sparse, out _), Hll.Count(dense, out _));

            var other = Add(elements.Take(n / 2).Concat(["x", "y", "z"]).ToArray());
            var max = new byte[Hll.Registers];
            Assert.True(Hll.Merge(max, sparse));
            Assert.True(Hll.Merge(max, other));
            var union = Add(elements.Concat(["x", "y", "z"]).ToArray());
            Assert.Equal(Hll.Count(union, out _), Hll.CountRaw(max));
        }
    }

    [Fact]
    public void CorruptAndOddValues()
    {
        // XZERO:16383 covers one register too few.
        var shortSparse = Hex("48594c4c010000000000000000000080" + "7ffe");
        Hll.Count(shortSparse, out bool invalid);
        Assert.True(invalid);
        Assert.False(Hll.Merge(new byte[Hll.Registers], shortSparse));
        Assert.False(Hll.SparseToDense(shortSparse, new byte[Hll.DenseSize]));
        Assert.Equal("Z:16383", Hll.Decode(shortSparse));
        Assert.False(Hll.IsValid(Hex("48594c4c02000000000000000000008000")));
        Assert.False(Hll.IsValid(Hex("48594c4c00000000000000000000008000")));
        Assert.False(Hll.IsValid(Hex("48594c4c0100")));
        Assert.True(Hll.IsValid(Hex("48594c4c010000000000000000000080")));
        // Every register at 63: Redis's estimate overflows llroundl and answers 2^63.
        var high = new byte[Hll.DenseSize];
        "HYLL"u8.CopyTo(high);
        high.AsSpan(Hll.HeaderSize).Fill(0xFF);
        Assert.Equal(0x8000000000000000UL, Hll.Count(high, out _));
        Assert.Equal("Z:1000 v:2,1 z:19 v:3,2 Z:15362", Hll.Decode(Hex("48594c4c01000000000000000000008043e78412897c01")));
    }

    [Fact]
    public void SelfTestPasses() => Assert.Null(HllSelfTest.Run(3000, elements: 200_000));

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void CommandsAcrossShards(int shards)
    {
        using var h = new CommandHarness(shards);
        var keys = h.KeysOnDifferentShards("hk");
        Assert.Equal(1, h.Integer("PFADD", keys[0], "foo", "bar", "zap", "a", "b", "c", "d", "e", "f", "g"));
        Assert.Equal(0, h.Integer("PFADD", keys[0], "foo"));
        Assert.Equal(10, h.Integer("PFCOUNT", keys[0]));
        Assert.Equal(Hex("48594c4c010000000a00000000000000466d80560c80369042078441fb8438804621804a8e84498c80426d80425a"),
            h.Bulk("GET", keys[0]));
        Assert.True((h.Flags(keys[0]) & Record.RawEncodingFlag) != 0);
        h.Run(["PFADD", keys[^1], .. Enumerable.Range(0, 200).Select(i => "m:" + i)]);
        Assert.Equal(208, h.Integer("PFCOUNT", keys[0], keys[^1], "nosuch"));
        Assert.Equal("+OK\r\n", h.Run("PFMERGE", "merged", keys[0], keys[^1]));
        Assert.Equal(208, h.Integer("PFCOUNT", "merged"));
        Assert.Equal("+sparse\r\n", h.Run("PFDEBUG", "ENCODING", "merged"));
        h.Run(["PFADD", "big", .. Enumerable.Range(0, 3000).Select(i => "d:" + i)]);
        Assert.Equal("+OK\r\n", h.Run("PFMERGE", "merged", "big"));
        Assert.Equal("+dense\r\n", h.Run("PFDEBUG", "ENCODING", "merged"));
        Assert.Equal(3193, h.Integer("PFCOUNT", "merged"));
        h.Run("SET", "str", "hello");
        Assert.Equal("-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", h.Run("PFADD", "str", "a"));
        h.Run("SET", "corrupt", Encoding.Latin1.GetString(Hex("48594c4c0100000000000000000000807ffe")));
        Assert.Equal("-INVALIDOBJ Corrupted HLL object detected\r\n", h.Run("PFCOUNT", "corrupt"));
    }
}
