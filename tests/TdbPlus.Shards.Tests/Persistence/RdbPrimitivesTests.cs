using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Persistence.Rdb;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>CRC-64, LZF, length and string encodings, listpacks and module ids against Redis's definitions.</summary>
public sealed class RdbPrimitivesTests
{
    [Fact]
    public void Crc64MatchesRedisCheckValue()
    {
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Compute("123456789"u8));
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var crc = new Crc64(0);
        crc.Append(data.AsSpan(0, 333));
        crc.Append(data.AsSpan(333));
        Assert.Equal(Crc64.Compute(data), crc.Value);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(5000)]
    [InlineData(300000)]
    public void LzfRoundTripsAndShrinksRepetitiveData(int size)
    {
        var rng = new Random(size);
        var input = new byte[size];
        for (int i = 0; i < size; i++) input[i] = (byte)"abcdefgh"[rng.Next(8) / 3];
        var packed = new byte[size];
        int n = new Lzf().Compress(input, packed);
        Assert.InRange(n, 1, size - 1);
        var back = new byte[size];
        Assert.True(Lzf.Decompress(packed.AsSpan(0, n), back));
        Assert.Equal(input, back);
    }

    [Fact]
    public void LzfGivesUpWhenTheOutputDoesNotFit()
    {
        var random = new byte[200];
        new Random(1).NextBytes(random);
        Assert.Equal(0, new Lzf().Compress(random, new byte[196]));
    }

    [Theory]
    [InlineData("ab*50", new byte[] { 195, 10, 64, 100, 2, 97, 98, 97, 224, 86, 1, 1, 97, 98 })]
    [InlineData("fox", new byte[] { 195, 55, 64, 89, 31, 84, 104, 101, 32, 113, 117, 105, 99, 107, 32, 98, 114, 111, 119, 110, 32, 102, 111, 120, 32, 106, 117, 109, 112, 115, 32, 111, 118, 101, 114, 32, 116, 32, 30, 10, 108, 97, 122, 121, 32, 100, 111, 103, 46, 32, 84, 32, 13, 224, 29, 44, 1, 103, 33 })]
    public void LzfStringsMatchRedisDumpBytes(string which, byte[] redis)
    {
        // The bytes redis-server 7.0.15 DUMPs for these strings (after the type byte).
        string value = which == "fox"
            ? "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog!"
            : string.Concat(Enumerable.Repeat("ab", 50));
        var o = new RdbOutput();
        o.WriteString(Encoding.ASCII.GetBytes(value), compress: true);
        Assert.Equal(redis, o.Written.ToArray());
        Assert.Equal(value, Encoding.ASCII.GetString(new RdbInput(new MemoryStream(redis)).ReadString()));
    }

    [Theory]
    [InlineData("0", new byte[] { 0xC0, 0x00 })]
    [InlineData("-128", new byte[] { 0xC0, 0x80 })]
    [InlineData("300", new byte[] { 0xC1, 0x2C, 0x01 })]
    [InlineData("-70000", new byte[] { 0xC2, 0x90, 0xEE, 0xFE, 0xFF })]
    [InlineData("3000000000", new byte[] { 0x0A, (byte)'3', (byte)'0', (byte)'0', (byte)'0', (byte)'0', (byte)'0', (byte)'0', (byte)'0', (byte)'0', (byte)'0' })]
    [InlineData("007", new byte[] { 0x03, (byte)'0', (byte)'0', (byte)'7' })]
    public void StringsTakeRedisIntegerEncodings(string value, byte[] expected)
    {
        var o = new RdbOutput();
        o.WriteString(Encoding.ASCII.GetBytes(value), compress: true);
        Assert.Equal(expected, o.Written.ToArray());
        var input = new RdbInput(new MemoryStream(o.Written.ToArray()));
        Assert.Equal(value, Encoding.ASCII.GetString(input.ReadString()));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(63UL)]
    [InlineData(64UL)]
    [InlineData(16383UL)]
    [InlineData(16384UL)]
    [InlineData(uint.MaxValue)]
    [InlineData(ulong.MaxValue)]
    public void LengthsRoundTrip(ulong len)
    {
        var o = new RdbOutput();
        o.WriteLength(len);
        Assert.Equal(len < 64 ? 1 : len < 16384 ? 2 : len <= uint.MaxValue ? 5 : 9, o.Length);
        Assert.Equal(len, new RdbInput(new MemoryStream(o.Written.ToArray())).ReadLength());
    }

    [Fact]
    public void ListpackEncodesEveryIntegerWidthAndStringSize()
    {
        long[] ints = [0, 127, 128, -1, 4095, -4096, 4096, 32767, -32768, 32768, 8388607, -8388608, 8388608, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue];
        string[] strings = ["", "a", new string('x', 63), new string('y', 64), new string('z', 4095), new string('w', 4096), "12a", "-0", "01"];
        var lp = new ListpackBuilder();
        foreach (long v in ints) lp.AppendInteger(v);
        foreach (var s in strings) lp.Append(Encoding.ASCII.GetBytes(s));
        lp.Append("-42"u8);
        var blob = lp.Finish().ToArray();
        Assert.Equal(ints.Length + strings.Length + 1, ListpackReader.CountEntries(blob));
        Span<byte> scratch = stackalloc byte[24];
        var r = new ListpackReader(blob, scratch);
        foreach (long v in ints)
        {
            Assert.True(r.Next(out _, out long got, out bool isInt));
            Assert.True(isInt);
            Assert.Equal(v, got);
        }
        foreach (var s in strings)
        {
            Assert.True(r.NextBytes(out var got));
            Assert.Equal(s, Encoding.ASCII.GetString(got));
        }
        Assert.True(r.Next(out _, out long last, out bool lastIsInt));
        Assert.True(lastIsInt);
        Assert.Equal(-42, last);
        Assert.False(r.Next(out _, out _, out _));
    }

    [Fact]
    public void ModuleIdsEncodeAsRedisDoes()
    {
        ulong id = RdbModuleTypes.EncodeId("tdbplus-a", 3);
        Assert.Equal(3, (int)(id & 1023));
        Assert.Equal("tdbplus-a", RdbModuleTypes.DecodeName(id, out int ver));
        Assert.Equal(3, ver);
        Assert.Throws<ArgumentException>(() => RdbModuleTypes.EncodeId("short", 0));
        Assert.Throws<ArgumentException>(() => RdbModuleTypes.EncodeId("bad name!", 0));
    }
}
