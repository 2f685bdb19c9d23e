using System.Numerics;
using System.Text;
using TdbPlus.Shards.Families.Bits;
using Record = TdbPlus.Shards.Storage.Record;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Bit primitives against naive references, and the bitmap commands through the executor.</summary>
public sealed class BitmapTests
{
    private static long NaivePopCount(ReadOnlySpan<byte> data)
    {
        long n = 0;
        foreach (byte b in data) n += BitOperations.PopCount(b);
        return n;
    }

    private static int NaiveBit(ReadOnlySpan<byte> data, long bit) =>
        bit >> 3 < data.Length ? (data[(int)(bit >> 3)] >> (7 - (int)(bit & 7))) & 1 : 0;

    [Fact]
    public void PopCountMatchesNaiveForEveryLengthAndAlignment()
    {
        var rnd = new Random(1);
        var data = new byte[5000];
        rnd.NextBytes(data);
        for (int start = 0; start < 70; start += 7)
        {
            for (int length = 0; length < 4000; length += length < 300 ? 1 : 97)
            {
                var span = data.AsSpan(start, length);
                Assert.Equal(NaivePopCount(span), BitOps.PopCount(span));
            }
        }
        var ones = new byte[8 * 1024 * 1024 + 13];
        ones.AsSpan().Fill(0xFF);
        Assert.Equal(8L * ones.Length, BitOps.PopCount(ones));
    }

    [Fact]
    public void BitPosMatchesNaive()
    {
        var rnd = new Random(2);
        for (int iter = 0; iter < 3000; iter++)
        {
            var data = new byte[rnd.Next(0, 80)];
            int fill = rnd.Next(3);
            if (fill == 0) data.AsSpan().Fill(0xFF);
            if (fill == 2) rnd.NextBytes(data);
            // A few scattered flips so the answer is anywhere.
            for (int f = rnd.Next(3); f > 0 && data.Length > 0; f--) data[rnd.Next(data.Length)] ^= (byte)(1 << rnd.Next(8));
            for (int bit = 0; bit <= 1; bit++)
            {
                long expected = bit == 1 ? -1 : data.Length * 8L;
                for (long i = 0; i < data.Length * 8L; i++)
                {
                    if (NaiveBit(data, i) == bit)
                    {
                        expected = i;
                        break;
                    }
                }
                Assert.Equal(expected, BitOps.BitPos(data, bit));
            }
        }
    }

    [Fact]
    public void BitfieldGetSetRoundTripsAndReadsZerosPastTheEnd()
    {
        var rnd = new Random(3);
        var data = new byte[64];
        for (int iter = 0; iter < 20000; iter++)
        {
            int bits = rnd.Next(1, 65);
            ulong offset = (ulong)rnd.Next(0, 64 * 8 - bits + 1);
            ulong value = (ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 40);
            ulong masked = bits == 64 ? value : value & ((1UL << bits) - 1);
            var before = (byte[])data.Clone();
            BitOps.SetUnsigned(data, offset, bits, value);
            Assert.Equal(masked, BitOps.GetUnsigned(data, offset, bits));
            long signed = bits == 64 ? (long)masked : (long)(masked << (64 - bits)) >> (64 - bits);
            Assert.Equal(signed, BitOps.GetSigned(data, offset, bits));
            // Bits outside the field are untouched.
            for (long b = 0; b < 64 * 8; b++)
            {
                if ((ulong)b >= offset && (ulong)b < offset + (ulong)bits) continue;
                if (NaiveBit(before, b) != NaiveBit(data, b)) Assert.Fail($"bit {b} changed");
            }
        }
        var shortValue = new byte[] { 0xFF, 0xFF };
        Assert.Equal(0xFFFFUL << 16, BitOps.GetUnsigned(shortValue, 0, 32));
        Assert.Equal(0x7FUL, BitOps.GetUnsigned(shortValue, 9, 8) >> 1);
        Assert.Equal(0UL, BitOps.GetUnsigned(shortValue, 100, 64));
    }

    [Theory]
    // value, increment, bits, overflow -> result code, stored value (as Redis 7.0 answers)
    [InlineData(3UL, 1L, 2, BitfieldOverflow.Wrap, 1, 0UL)]
    [InlineData(3UL, 1L, 2, BitfieldOverflow.Sat, 1, 3UL)]
    [InlineData(0UL, -1L, 4, BitfieldOverflow.Sat, -1, 0UL)]
    [InlineData(0UL, -1L, 4, BitfieldOverflow.Wrap, 1, 15UL)]
    [InlineData(16UL, 0L, 4, BitfieldOverflow.Sat, 1, 15UL)]
    [InlineData(17UL, 0L, 4, BitfieldOverflow.Wrap, 1, 1UL)]
    [InlineData(ulong.MaxValue, 0L, 4, BitfieldOverflow.Wrap, 1, 15UL)]
    [InlineData(9223372036854775807UL, 1L, 63, BitfieldOverflow.Wrap, 1, 0UL)]
    [InlineData(5UL, 3L, 8, BitfieldOverflow.Fail, 0, 0UL)]
    public void UnsignedOverflowAsRedis(ulong value, long incr, int bits, BitfieldOverflow ow, int code, ulong limit)
    {
        Assert.Equal(code, BitOps.CheckUnsignedOverflow(value, incr, bits, ow, out ulong got));
        if (code != 0 && ow != BitfieldOverflow.Fail) Assert.Equal(limit, got);
    }

    [Theory]
    [InlineData(-100L, -32668L, 16, BitfieldOverflow.Wrap, 0, 0L)]
    [InlineData(-32768L, -1L, 16, BitfieldOverflow.Wrap, 1, 32767L)]
    [InlineData(30000L, 10000L, 16, BitfieldOverflow.Sat, 1, 32767L)]
    [InlineData(32767L, -70000L, 16, BitfieldOverflow.Sat, -1, -32768L)]
    [InlineData(8L, 0L, 4, BitfieldOverflow.Wrap, 1, -8L)]
    [InlineData(-9L, 0L, 4, BitfieldOverflow.Wrap, 1, 7L)]
    [InlineData(long.MaxValue, 1L, 64, BitfieldOverflow.Wrap, 1, long.MinValue)]
    [InlineData(long.MinValue, -1L, 64, BitfieldOverflow.Sat, -1, long.MinValue)]
    [InlineData(-9223372036854775807L, long.MinValue, 64, BitfieldOverflow.Fail, -1, 0L)]
    [InlineData(-1L, 0L, 1, BitfieldOverflow.Wrap, 0, 0L)]
    public void SignedOverflowAsRedis(long value, long incr, int bits, BitfieldOverflow ow, int code, long limit)
    {
        Assert.Equal(code, BitOps.CheckSignedOverflow(value, incr, bits, ow, out long got));
        if (code != 0 && ow != BitfieldOverflow.Fail) Assert.Equal(limit, got);
    }

    [Fact]
    public void AndOrXorNotMatchNaive()
    {
        var rnd = new Random(4);
        foreach (int length in new[] { 0, 1, 7, 8, 31, 32, 33, 100, 1000 })
        {
            var a = new byte[length + 5];
            var b = new byte[length];
            rnd.NextBytes(a);
            rnd.NextBytes(b);
            var and = (byte[])a.Clone();
            var or = (byte[])a.Clone();
            var xor = (byte[])a.Clone();
            var not = (byte[])a.Clone();
            BitOps.And(and, b);
            BitOps.Or(or, b);
            BitOps.Xor(xor, b);
            BitOps.Not(not);
            for (int i = 0; i < a.Length; i++)
            {
                byte bi = i < length ? b[i] : (byte)0;
                Assert.Equal(i < length ? (byte)(a[i] & bi) : a[i], and[i]);
                Assert.Equal((byte)(a[i] | bi), or[i]);
                Assert.Equal((byte)(a[i] ^ bi), xor[i]);
                Assert.Equal((byte)~a[i], not[i]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void MillionBitBitmapMatchesAModel(int shards)
    {
        using var h = new CommandHarness(shards);
        var rnd = new Random(5);
        const int bits = 1_000_000;
        var model = new bool[bits];
        for (int chunk = 0; chunk < 20; chunk++)
        {
            var commands = new List<string[]>();
            var expected = new StringBuilder();
            for (int i = 0; i < 10_000; i++)
            {
                int offset = rnd.Next(bits);
                int value = rnd.Next(2);
                commands.Add(["SETBIT", "big", offset.ToString(), value.ToString()]);
                expected.Append(model[offset] ? ":1\r\n" : ":0\r\n");
                model[offset] = value == 1;
            }
            Assert.Equal(expected.ToString(), h.Pipeline(commands));
        }
        long ones = model.LongCount(b => b);
        Assert.Equal(ones, h.Integer("BITCOUNT", "big"));
        var value1 = h.Bulk("GET", "big")!;
        for (int i = 0; i < bits; i += 997) Assert.Equal(model[i] ? 1 : 0, NaiveBit(value1, i));
        Assert.Equal(Array.IndexOf(model, true), h.Integer("BITPOS", "big", "1"));
        Assert.Equal(Array.IndexOf(model, false), h.Integer("BITPOS", "big", "0"));
        // A bit range: [123457, 876543].
        long inRange = 0;
        for (int i = 123_457; i <= 876_543; i++) inRange += model[i] ? 1 : 0;
        Assert.Equal(inRange, h.Integer("BITCOUNT", "big", "123457", "876543", "BIT"));
        Assert.Equal(Array.IndexOf(model, true, 500_001), h.Integer("BITPOS", "big", "1", "500001", "-1", "BIT"));
        Assert.True((h.Flags("big") & Record.RawEncodingFlag) != 0);
    }

    [Fact]
    public void BitopAcrossShardsAndIntoASource()
    {
        using var h = new CommandHarness(4);
        var keys = h.KeysOnDifferentShards("bk");
        Assert.Equal("+OK\r\n", h.Run("SET", keys[0], "foobar"));
        Assert.Equal("+OK\r\n", h.Run("SET", keys[1], "abcdef"));
        Assert.Equal("+OK\r\n", h.Run("SET", keys[2], "\u0001\u0002"));
        Assert.Equal(6, h.Integer("BITOP", "AND", keys[3], keys[0], keys[1]));
        Assert.Equal("`bc`ab", Encoding.Latin1.GetString(h.Bulk("GET", keys[3])!));
        Assert.Equal(6, h.Integer("BITOP", "XOR", keys[0], keys[0], keys[1], keys[2]));
        Assert.Equal("\u0006\u000f\u000c\u0006\u0004\u0014", Encoding.Latin1.GetString(h.Bulk("GET", keys[0])!));
        Assert.Equal(0, h.Integer("BITOP", "OR", keys[3], "nosuch1", "nosuch2"));
        Assert.Null(h.Bulk("GET", keys[3]));
        Assert.Equal(2, h.Integer("BITOP", "NOT", keys[3], keys[2]));
        Assert.Equal("\u00fe\u00fd", Encoding.Latin1.GetString(h.Bulk("GET", keys[3])!));
        Assert.True((h.Flags(keys[3]) & Record.RawEncodingFlag) != 0);
    }

    [Fact]
    public void WritersLeaveRawStringsAndReadersDoNot()
    {
        using var h = new CommandHarness(1);
        h.Run("SET", "n", "123");
        Assert.Equal(0, h.Flags("n") & Record.RawEncodingFlag);
        h.Run("GETBIT", "n", "3");
        h.Run("BITCOUNT", "n");
        h.Run("BITFIELD", "n", "GET", "u8", "0");
        Assert.Equal(0, h.Flags("n") & Record.RawEncodingFlag);
        Assert.Equal(":1\r\n", h.Run("SETBIT", "n", "2", "1"));
        Assert.True((h.Flags("n") & Record.RawEncodingFlag) != 0);
        h.Run("SET", "m", "abc");
        Assert.Equal("*1\r\n:97\r\n", h.Run("BITFIELD", "m", "SET", "u8", "0", "98"));
        Assert.True((h.Flags("m") & Record.RawEncodingFlag) != 0);
        Assert.Equal("bbc", Encoding.Latin1.GetString(h.Bulk("GET", "m")!));
    }

    [Fact]
    public void ErrorsAndLimits()
    {
        using var h = new CommandHarness(1);
        Assert.Equal("-ERR bit offset is not an integer or out of range\r\n", h.Run("SETBIT", "k", "4294967296", "1"));
        Assert.Equal("-ERR bit is not an integer or out of range\r\n", h.Run("SETBIT", "k", "0", "2"));
        Assert.Equal("-ERR The bit argument must be 1 or 0.\r\n", h.Run("BITPOS", "k", "2"));
        Assert.Equal("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n",
            h.Run("BITFIELD", "k", "GET", "u64", "0"));
        Assert.Equal("-ERR Invalid OVERFLOW type specified\r\n", h.Run("BITFIELD", "k", "OVERFLOW", "X"));
        Assert.Equal("-ERR BITFIELD_RO only supports the GET subcommand\r\n", h.Run("BITFIELD_RO", "k", "SET", "u8", "0", "1"));
        Assert.Equal("-ERR BITOP NOT must be called with a single source key.\r\n", h.Run("BITOP", "NOT", "d", "a", "b"));
        // "#n" offsets multiply with C's wrap-around: #2^58 * 64 is 0.
        Assert.Equal("*1\r\n:0\r\n", h.Run("BITFIELD", "k", "GET", "i64", "#288230376151711744"));
        Assert.Equal("-ERR bit offset is not an integer or out of range\r\n", h.Run("BITFIELD", "k", "GET", "i64", "#144115188075855872"));
        Assert.Equal("*1\r\n$-1\r\n", h.Run("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "4"));
        Assert.Equal("*1\r\n:1\r\n", h.Run("BITFIELD", "k", "INCRBY", "u2", "0", "5"));
    }

    [Fact]
    public void SequentialGrowthIsLinear()
    {
        // 600 KB grown one byte at a time: copying the value at every step would move ~180 GB.
        using var h = new CommandHarness(1);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int chunk = 0; chunk < 60; chunk++)
            h.Pipeline(Enumerable.Range(chunk * 10_000, 10_000).Select(i => new[] { "SETBIT", "grow", (i * 8L).ToString(), "1" }));
        Assert.Equal(600_000, h.Integer("STRLEN", "grow"));
        Assert.Equal(600_000, h.Integer("BITCOUNT", "grow"));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }
}
