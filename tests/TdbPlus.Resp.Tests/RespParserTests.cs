using System.Text;

namespace TdbPlus.Resp.Tests;

public class RespParserTests
{
    private const string Stream =
        "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n" +
        "PING\r\n" +
        "*2\r\n$3\r\nGET\r\n$0\r\n\r\n" +
        "set a \"b c\" 'd e'\n" +
        "*0\r\n" +
        "\r\n" +
        "*1\r\n$4\r\nPING\r\n";

    private static readonly string[][] Expected =
    [
        ["SET", "key", "va\r\nl"],
        ["PING"],
        ["GET", ""],
        ["set", "a", "b c", "d e"],
        ["PING"],
    ];

    [Fact]
    public void ParsesMixedMultibulkAndInline()
    {
        Assert.Equal(Expected, ParserHarness.ParseAll(Stream));
    }

    [Fact]
    public void SameResultWhenSplitAtEveryByte()
    {
        var bytes = Encoding.Latin1.GetBytes(Stream);
        for (int split = 1; split < bytes.Length; split++)
        {
            var h = new ParserHarness();
            h.Feed(bytes.AsSpan(0, split));
            h.Feed(bytes.AsSpan(split));
            Assert.Null(h.Error);
            Assert.Equal(Expected, h.Commands);
        }
    }

    [Fact]
    public void SameResultWhenFedOneByteAtATime()
    {
        Assert.Equal(Expected, ParserHarness.ParseAll(Stream, chunk: 1));
    }

    [Fact]
    public void ManyArgumentsArrivingInPiecesAreAllKept()
    {
        var sb = new StringBuilder("*1001\r\n$4\r\nMSET\r\n");
        for (int i = 0; i < 500; i++) sb.Append($"$2\r\nk{i % 10}\r\n$3\r\nv{i % 100:D2}\r\n");
        var cmds = ParserHarness.ParseAll(sb.ToString(), chunk: 7);
        Assert.Single(cmds);
        Assert.Equal(1001, cmds[0].Length);
        Assert.Equal("v99", cmds[0][1000]);
    }

    [Fact]
    public void LargeBulkReportsNeededBytes()
    {
        var h = new ParserHarness();
        h.Feed(Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$100000\r\nabc"));
        Assert.Empty(h.Commands);
        Assert.True(h.Parser.NeededBytes >= 100000);
        h.Feed(new byte[100000 - 3]);
        h.Feed("\r\n"u8);
        Assert.Single(h.Commands);
        Assert.Equal(100000, h.Commands[0][1].Length);
    }

    [Theory]
    [InlineData("*abc\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*3000000000\r\n", "Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n+PING\r\n", "Protocol error: expected '$', got '+'")]
    [InlineData("*1\r\n$-1\r\n", "Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$x\r\n", "Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$600000000\r\n", "Protocol error: invalid bulk length")]
    [InlineData("set a \"b\r\n", "Protocol error: unbalanced quotes in request")]
    [InlineData("set a \"b\"c\r\n", "Protocol error: unbalanced quotes in request")]
    [InlineData("set a 'b\r\n", "Protocol error: unbalanced quotes in request")]
    public void MalformedInputGivesRedisError(string input, string error)
    {
        var h = new ParserHarness();
        h.Feed(Encoding.Latin1.GetBytes(input));
        Assert.Equal(error, h.Error);
    }

    [Fact]
    public void OverlongInlineLineIsRejected()
    {
        var h = new ParserHarness();
        h.Feed(Encoding.ASCII.GetBytes(new string('a', RespParser.InlineMaxSize + 1)));
        Assert.Equal("Protocol error: too big inline request", h.Error);
    }

    [Fact]
    public void OverlongBulkHeaderIsRejected()
    {
        var h = new ParserHarness();
        h.Feed(Encoding.ASCII.GetBytes("*1\r\n$" + new string('1', RespParser.InlineMaxSize + 1)));
        Assert.Equal("Protocol error: too big bulk count string", h.Error);
    }

    [Fact]
    public void UnauthenticatedLimitsApply()
    {
        var h = new ParserHarness();
        h.Parser.AuthRequired = true;
        h.Feed("*11\r\n"u8);
        Assert.Equal("Protocol error: unauthenticated multibulk length", h.Error);
        var b = new ParserHarness();
        b.Parser.AuthRequired = true;
        b.Feed("*1\r\n$16385\r\n"u8);
        Assert.Equal("Protocol error: unauthenticated bulk length", b.Error);
    }

    [Fact]
    public void EmptyCommandsAreSkipped()
    {
        var h = new ParserHarness();
        h.Feed("*0\r\n*-1\r\n\r\n   \r\n"u8);
        Assert.Null(h.Error);
        Assert.Empty(h.Commands);
        Assert.Equal(4, h.Empties);
    }

    [Theory]
    [InlineData("\"\\x41\\x4a\" x", new[] { "AJ", "x" })]
    [InlineData("\"a\\nb\\tc\\\\d\\\"e\"", new[] { "a\nb\tc\\d\"e" })]
    [InlineData("'it\\'s' ok", new[] { "it's", "ok" })]
    [InlineData("\"\\xZZ\"", new[] { "xZZ" })]
    [InlineData("a\0b c", new[] { "a" })]
    [InlineData("  spaced   out  ", new[] { "spaced", "out" })]
    [InlineData("\"\"", new[] { "" })]
    public void InlineQuotingFollowsRedis(string line, string[] expected)
    {
        var cmds = ParserHarness.ParseAll(line + "\r\n");
        Assert.Equal(expected, Assert.Single(cmds));
    }

    [Fact]
    public void BinaryJunkNeverThrows()
    {
        var rng = new Random(42);
        for (int round = 0; round < 2000; round++)
        {
            var junk = new byte[rng.Next(1, 200)];
            rng.NextBytes(junk);
            if (rng.Next(3) == 0) junk[0] = (byte)'*';
            var h = new ParserHarness();
            h.Feed(junk);
        }
    }
}
