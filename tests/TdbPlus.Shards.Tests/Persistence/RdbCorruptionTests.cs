using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Persistence.Rdb;
using TdbPlus.Shards.Tests.Families;

namespace TdbPlus.Shards.Tests.Persistence;

/// <summary>Truncated, mutated and foreign input fails with RdbFormatException: no other exception, no hang.</summary>
public sealed class RdbCorruptionTests
{
    private static List<byte[]> Bodies()
    {
        using var h = new CommandHarness(1);
        var keys = RdbRoundTripTests.Populate(h);
        return keys.Select(k => h.Bulk("DUMP", k)!).Select(p => p[..^10]).ToList();
    }

    [Fact]
    public void EveryTruncationOfEveryTypeIsRefused()
    {
        foreach (var body in Bodies())
        {
            int step = Math.Max(1, body.Length / 300);
            for (int n = 0; n < body.Length; n += step)
            {
                var cut = RdbLegacyEncodingTests.Payload(body[..n], 10);
                Assert.Throws<RdbFormatException>(() => DumpPayload.Read(cut, RdbLimits.Default));
            }
        }
    }

    [Fact]
    public void RandomByteChangesNeverEscapeAsOtherExceptions()
    {
        var rng = new Random(12345);
        int refused = 0, loaded = 0;
        foreach (var body in Bodies())
        {
            for (int k = 0; k < 300; k++)
            {
                var bad = (byte[])body.Clone();
                int changes = 1 + rng.Next(3);
                for (int c = 0; c < changes; c++) bad[rng.Next(bad.Length)] = (byte)rng.Next(256);
                try
                {
                    DumpPayload.Read(RdbLegacyEncodingTests.Payload(bad, 10), RdbLimits.Default);
                    loaded++;
                }
                catch (RdbFormatException)
                {
                    refused++;
                }
            }
        }
        Assert.True(refused > 0 && loaded > 0, $"refused {refused}, loaded {loaded}");
    }

    [Fact]
    public void HugeClaimedLengthsFailWithoutAllocating()
    {
        var o = new RdbOutput();
        o.WriteByte(RdbConstants.TypeString);
        o.WriteLength(1UL << 40);
        var e = Assert.Throws<RdbFormatException>(() => DumpPayload.Read(RdbLegacyEncodingTests.Payload(o.Written.ToArray(), 10), RdbLimits.Default));
        Assert.Contains("too large", e.Message);
        o.Clear();
        o.WriteByte(RdbConstants.TypeList);
        o.WriteLength(1UL << 30);
        Assert.Throws<RdbFormatException>(() => DumpPayload.Read(RdbLegacyEncodingTests.Payload(o.Written.ToArray(), 10), RdbLimits.Default));
        o.Clear();
        o.WriteByte(RdbConstants.TypeString);
        o.WriteByte(0xC3);
        o.WriteLength(2UL);
        o.WriteLength(1UL << 30);
        o.Write("ab"u8);
        Assert.Throws<RdbFormatException>(() => DumpPayload.Read(RdbLegacyEncodingTests.Payload(o.Written.ToArray(), 10), RdbLimits.Default));
    }

    [Fact]
    public void CorruptFilesAreRefusedWithWhatAndWhere()
    {
        using var h = new CommandHarness(1);
        RdbRoundTripTests.Populate(h);
        byte[] file = RdbTestKit.Save(h);
        var sink = new RdbTestKit.Sink(null!, null);
        Assert.Contains("checksum", Refuse(Flip(file, file.Length - 20)).Message);
        Assert.Contains("signature", Refuse(Encoding.ASCII.GetBytes("RUBBISH0010xxxxxxxx")).Message);
        Assert.Contains("version 11", Refuse(Encoding.ASCII.GetBytes("REDIS0011\xff")).Message);
        for (int n = 0; n < file.Length; n += 97) Refuse(file[..n]);
        var unseekable = new RdbReader(new UnseekableStream(file[..(file.Length / 2)]));
        Assert.Throws<RdbFormatException>(() => unseekable.Load(sink));
        new RdbReader(new UnseekableStream(file)).Load(sink);

        RdbFormatException Refuse(byte[] bytes) => Assert.Throws<RdbFormatException>(() => new RdbReader(new MemoryStream(bytes)).Load(sink));
    }

    private static byte[] Flip(byte[] file, int at)
    {
        var copy = (byte[])file.Clone();
        copy[at] ^= 0x55;
        return copy;
    }

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public void ModuleValuesNeedTheirRegisteredType()
    {
        TestModuleType.EnsureRegistered();
        var o = new RdbOutput();
        var value = new TestModuleValue(-42, "payload");
        o.WriteByte(RdbValueWriter.TypeOf(value));
        RdbValueWriter.WriteValue(o, value, true, -2);
        var read = DumpPayload.Read(RdbLegacyEncodingTests.Payload(o.Written.ToArray(), 10), RdbLimits.Default);
        Assert.Equal(KeyType.Module, read.Type);
        var back = Assert.IsType<TestModuleValue>(read.Object);
        Assert.Equal((-42L, "payload"), (back.Number, back.Text));

        o.Clear();
        o.WriteByte(RdbConstants.TypeModule2);
        o.WriteLength(RdbModuleTypes.EncodeId("unknown-x", 1));
        var e = Assert.Throws<RdbFormatException>(() => DumpPayload.Read(RdbLegacyEncodingTests.Payload(o.Written.ToArray(), 10), RdbLimits.Default));
        Assert.Contains("'unknown-x'", e.Message);
    }

    private sealed class TestModuleValue(long number, string text) : IKeyObject
    {
        public long Number { get; } = number;

        public string Text { get; } = text;

        public long MemoryBytes => 64;

        public string Encoding => "raw";

        public IKeyObject Clone() => new TestModuleValue(Number, Text);
    }

    private sealed class TestModuleType : IRdbModuleType
    {
        private static int s_registered;

        public static void EnsureRegistered()
        {
            if (Interlocked.Exchange(ref s_registered, 1) == 0) RdbModuleTypes.Register(new TestModuleType());
        }

        public string Name => "tdbtest01";

        public int EncodingVersion => 2;

        public bool Owns(object value) => value is TestModuleValue;

        public void Save(RdbModuleWriter writer, object value)
        {
            var v = (TestModuleValue)value;
            writer.WriteSigned(v.Number);
            writer.WriteString(System.Text.Encoding.UTF8.GetBytes(v.Text));
        }

        public IKeyObject Load(RdbModuleReader reader, int encodingVersion)
        {
            Assert.Equal(2, encodingVersion);
            long n = reader.ReadSigned();
            return new TestModuleValue(n, System.Text.Encoding.UTF8.GetString(reader.ReadString()));
        }
    }
}
