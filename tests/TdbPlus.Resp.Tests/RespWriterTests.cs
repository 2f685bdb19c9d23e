using System.Text;

namespace TdbPlus.Resp.Tests;

public class RespWriterTests
{
    private static string Out(RespWriter w) => Encoding.Latin1.GetString(w.Written);

    [Fact]
    public void NullsDependOnProtocol()
    {
        var w = new RespWriter();
        w.NullBulk();
        w.NullArray();
        Assert.Equal("$-1\r\n*-1\r\n", Out(w));
        var w3 = new RespWriter { Protocol = 3 };
        w3.NullBulk();
        w3.NullArray();
        Assert.Equal("_\r\n_\r\n", Out(w3));
    }

    [Fact]
    public void MapsAreFlatArraysInResp2()
    {
        var w = new RespWriter();
        w.MapHeader(2);
        var w3 = new RespWriter { Protocol = 3 };
        w3.MapHeader(2);
        Assert.Equal("*4\r\n", Out(w));
        Assert.Equal("%2\r\n", Out(w3));
    }

    [Fact]
    public void DeferredArrayGetsItsHeaderInFront()
    {
        var w = new RespWriter();
        w.SimpleString("x"u8);
        int start = w.BeginDeferred();
        w.Integer(5);
        w.Bulk("ab"u8);
        w.EndDeferredArray(start, 2);
        Assert.Equal("+x\r\n*2\r\n:5\r\n$2\r\nab\r\n", Out(w));
    }

    [Theory]
    [InlineData(1.5, "1.5")]
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1e-5, "1.0000000000000001e-05")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(100000.0, "100000")]
    public void DoublesFormatLikePrintfG17(double value, string expected)
    {
        Span<byte> buf = stackalloc byte[40];
        int n = DoubleFormatter.FormatG17(value, buf);
        Assert.Equal(expected, Encoding.ASCII.GetString(buf[..n]));
    }

    [Fact]
    public void ErrorTextsKeepClientBytesOnOneLine()
    {
        var w = new RespWriter();
        w.Error("ERR a\r\nb\u00ff");
        Assert.Equal("-ERR a  b\u00ff\r\n", Out(w));
    }

    [Fact]
    public void GrowsForLargeBulks()
    {
        var w = new RespWriter(16);
        var big = new byte[100_000];
        w.Bulk(big);
        Assert.Equal(100_000 + "$100000\r\n".Length + 2, w.Length);
    }
}
