using System.Buffers.Binary;
using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Tests.Families;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>
/// Encodings only older Redis versions write (ziplists, zipmaps, quicklist v1, plain lists/sets, text
/// scores, second-resolution expiry), built by hand and loaded through RESTORE and the file reader.
/// </summary>
public sealed class RdbLegacyEncodingTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    /// <summary>A DUMP payload: body, 2-byte version, CRC-64.</summary>
    internal static byte[] Payload(byte[] body, ushort version = 9)
    {
        var p = new byte[body.Length + 10];
        body.CopyTo(p, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(body.Length), version);
        BinaryPrimitives.WriteUInt64LittleEndian(p.AsSpan(body.Length + 2), Crc64.Compute(p.AsSpan(0, body.Length + 2)));
        return p;
    }

    /// <summary>A ziplist of strings (6-bit lengths) and small integers (4-bit immediates, int16).</summary>
    internal static byte[] Ziplist(params object[] entries)
    {
        var body = new List<byte>();
        int prev = 0;
        foreach (var e in entries)
        {
            var entry = new List<byte> { (byte)prev };
            if (e is int v)
            {
                if (v is >= 0 and <= 12) entry.Add((byte)(0xF1 + v));
                else
                {
                    entry.Add(0xC0);
                    entry.AddRange(BitConverter.GetBytes((short)v));
                }
            }
            else
            {
                var s = B((string)e);
                entry.Add((byte)s.Length);
                entry.AddRange(s);
            }
            body.AddRange(entry);
            prev = entry.Count;
        }
        var zl = new byte[10 + body.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(zl, (uint)zl.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(zl.AsSpan(4), (uint)(10 + body.Count - prev));
        BinaryPrimitives.WriteUInt16LittleEndian(zl.AsSpan(8), (ushort)entries.Length);
        body.CopyTo(zl, 10);
        zl[^1] = 0xFF;
        return zl;
    }

    private static byte[] Body(byte type, Action<RdbOutput> write)
    {
        var o = new RdbOutput();
        o.WriteByte(type);
        write(o);
        return o.Written.ToArray();
    }

    private static void Restore(CommandHarness h, string key, byte[] body) =>
        Assert.Equal("+OK\r\n", h.RunBytes(B("RESTORE"), B(key), B("0"), Payload(body)));

    [Fact]
    public void ZiplistEncodingsLoad()
    {
        using var h = new CommandHarness(1);
        Restore(h, "l", Body(RdbConstants.TypeListZiplist, o => o.WriteString(Ziplist("a", 5, 1000, "bc"), false)));
        Assert.Equal("*4\r\n$1\r\na\r\n$1\r\n5\r\n$4\r\n1000\r\n$2\r\nbc\r\n", h.Run("LRANGE", "l", "0", "-1"));
        Assert.Equal("$9\r\nquicklist\r\n", h.Run("OBJECT", "ENCODING", "l"));
        Restore(h, "h", Body(RdbConstants.TypeHashZiplist, o => o.WriteString(Ziplist("f1", "v1", "f2", 7), false)));
        Assert.Equal("*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$1\r\n7\r\n", h.Run("HGETALL", "h"));
        Assert.Equal("$8\r\nlistpack\r\n", h.Run("OBJECT", "ENCODING", "h"));
        Restore(h, "z", Body(RdbConstants.TypeZSetZiplist, o => o.WriteString(Ziplist("m1", "1.5", "m2", 3), false)));
        Assert.Equal("*4\r\n$2\r\nm1\r\n$3\r\n1.5\r\n$2\r\nm2\r\n$1\r\n3\r\n", h.Run("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        Restore(h, "q", Body(RdbConstants.TypeListQuicklist, o =>
        {
            o.WriteLength(2UL);
            o.WriteString(Ziplist("x", "y"), true);
            o.WriteString(Ziplist(1, 2, 3), true);
        }));
        Assert.Equal("*5\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", h.Run("LRANGE", "q", "0", "-1"));
    }

    [Fact]
    public void PlainEncodingsAndTextScoresLoad()
    {
        using var h = new CommandHarness(1);
        Restore(h, "l", Body(RdbConstants.TypeList, o =>
        {
            o.WriteLength(2UL);
            o.WriteString("one"u8, false);
            o.WriteString("2"u8, false);
        }));
        Assert.Equal("*2\r\n$3\r\none\r\n$1\r\n2\r\n", h.Run("LRANGE", "l", "0", "-1"));
        Restore(h, "s", Body(RdbConstants.TypeSet, o =>
        {
            o.WriteLength(3UL);
            foreach (var m in new[] { "3", "1", "2" }) o.WriteString(B(m), false);
        }));
        Assert.Equal("$6\r\nintset\r\n", h.Run("OBJECT", "ENCODING", "s"));
        Assert.Equal("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", h.Run("SMEMBERS", "s"));
        Restore(h, "z", Body(RdbConstants.TypeZSet, o =>
        {
            o.WriteLength(3UL);
            o.WriteString("a"u8, false);
            o.WriteByte(3);
            o.Write("2.5"u8);
            o.WriteString("b"u8, false);
            o.WriteByte(254);
            o.WriteString("c"u8, false);
            o.WriteByte(255);
        }));
        Assert.Equal("*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$3\r\n2.5\r\n$1\r\nb\r\n$3\r\ninf\r\n", h.Run("ZRANGE", "z", "0", "-1", "WITHSCORES"));
        Restore(h, "h", Body(RdbConstants.TypeHash, o =>
        {
            o.WriteLength(1UL);
            o.WriteString("f"u8, false);
            o.WriteString("v"u8, false);
        }));
        Assert.Equal("*2\r\n$1\r\nf\r\n$1\r\nv\r\n", h.Run("HGETALL", "h"));
        Assert.Equal("$8\r\nlistpack\r\n", h.Run("OBJECT", "ENCODING", "h"));
    }

    [Fact]
    public void ZipmapHashLoads()
    {
        using var h = new CommandHarness(1);
        // zmlen, then (keylen key vallen free value)*, 0xFF.
        byte[] zipmap = [2, 2, (byte)'f', (byte)'1', 2, 0, (byte)'v', (byte)'1', 1, (byte)'g', 3, 1, (byte)'x', (byte)'y', (byte)'z', 0, 0xFF];
        Restore(h, "h", Body(RdbConstants.TypeHashZipmap, o => o.WriteString(zipmap, false)));
        Assert.Equal("*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$1\r\ng\r\n$3\r\nxyz\r\n", h.Run("HGETALL", "h"));
    }

    [Fact]
    public void IntsetWithWideEncodingLoadsAndConvertsPastTheLimit()
    {
        using var h = new CommandHarness(1);
        var blob = new byte[8 + 3 * 8];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 3);
        long[] values = [-5, 7, 9_000_000_000];
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(8 + i * 8), values[i]);
        Restore(h, "s", Body(RdbConstants.TypeSetIntset, o => o.WriteString(blob, false)));
        Assert.Equal("*3\r\n$2\r\n-5\r\n$1\r\n7\r\n$10\r\n9000000000\r\n", h.Run("SMEMBERS", "s"));
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(16), -6);
        Assert.Equal("-ERR Bad data format\r\n", h.RunBytes(B("RESTORE"), B("t"), B("0"), Payload(Body(RdbConstants.TypeSetIntset, o => o.WriteString(blob, false)))));
    }

    [Fact]
    public void OldFilesWithSecondExpiriesAndVersion9Load()
    {
        var o = new RdbOutput();
        o.Write("REDIS0009"u8);
        RdbFormat.WriteAux(o, "redis-ver", "6.2.0");
        RdbFormat.WriteSelectDb(o, 2);
        o.WriteByte(RdbConstants.OpExpireTime);
        BinaryPrimitives.WriteInt32LittleEndian(o.GetSpan(4), 2_000_000_000);
        o.Advance(4);
        o.WriteByte(RdbConstants.TypeListZiplist);
        o.WriteString("old"u8, false);
        o.WriteString(Ziplist("a"), false);
        o.WriteByte(RdbConstants.OpIdle);
        o.WriteLength(42UL);
        o.WriteByte(RdbConstants.TypeString);
        o.WriteString("k"u8, false);
        o.WriteString("v"u8, false);
        o.WriteByte(RdbConstants.OpEof);
        o.WriteUInt64LittleEndian(0); // checksum disabled
        var sink = new RdbTestKit.Sink(null!, null);
        var reader = new RdbReader(new MemoryStream(o.Written.ToArray()));
        reader.Load(sink);
        Assert.Equal(9, reader.Version);
        Assert.Equal(o.Length, reader.BytesRead);
        Assert.Equal((2, "old", TdbPlus.Shards.Keyspace.KeyType.List, 2_000_000_000_000L, -1L, -1), sink.Entries[0]);
        Assert.Equal((2, "k", TdbPlus.Shards.Keyspace.KeyType.String, 0L, 42L, -1), sink.Entries[1]);
    }
}
