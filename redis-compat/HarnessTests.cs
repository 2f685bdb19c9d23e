using System.Text;
using Xunit;

namespace TdbPlus.RedisCompat;

/// <summary>Checks of the harness itself (argument splitting, frame scanning, script parsing); no server needed.</summary>
public sealed class HarnessTests
{
    private static string[] Split(string line) =>
        [.. ArgSplitter.Split(Encoding.UTF8.GetBytes(line)).Select(a => Encoding.Latin1.GetString(a))];

    [Fact]
    public void SplitsLikeRedisCli()
    {
        Assert.Equal(["SET", "a b", "c"], Split("  SET \"a b\"   c "));
        Assert.Equal(["x", "it's"], Split("x 'it\\'s'"));
        Assert.Equal(["\u0000\u00ff\r\n\"\\"], Split("\"\\x00\\xff\\r\\n\\\"\\\\\""));
        Assert.Equal(["", ""], Split("\"\" ''"));
        Assert.Equal(["ab"], Split("a\"b\""));
        Assert.Equal(["x4"], Split("\"\\x4\""));
        Assert.Empty(Split("   "));
        Assert.Throws<FormatException>(() => Split("\"open"));
        Assert.Throws<FormatException>(() => Split("'open"));
        Assert.Throws<FormatException>(() => Split("\"a\"b"));
    }

    private static FrameStatus Scan(string s, out int end)
    {
        var b = Encoding.Latin1.GetBytes(s);
        return RespFrame.TryScan(b, 0, b.Length, out end);
    }

    [Theory]
    [InlineData("+OK\r\n", "+")]
    [InlineData("-ERR x\r\n", "-")]
    [InlineData(":-12\r\n", ":")]
    [InlineData("$-1\r\n", "$-1")]
    [InlineData("$3\r\na\r\n\r\n", "$")]
    [InlineData("*-1\r\n", "*-1")]
    [InlineData("*2\r\n$1\r\na\r\n*1\r\n:1\r\n", "*2[$,*1[:]]")]
    [InlineData("%1\r\n+k\r\n_\r\n", "%1{+:_}")]
    [InlineData("~2\r\n,1.5\r\n#t\r\n", "~2[,,#]")]
    [InlineData(">2\r\n(123\r\n=7\r\ntxt:abc\r\n", ">2[(,=]")]
    [InlineData("!3\r\nerr\r\n", "!")]
    [InlineData("|1\r\n+a\r\n:1\r\n$1\r\nx\r\n", "|1{+::}$")]
    public void ScansCompleteFrames(string frame, string shape)
    {
        Assert.Equal(FrameStatus.Complete, Scan(frame + "+next\r\n", out var end));
        Assert.Equal(frame.Length, end);
        Assert.Equal(shape, RespFrame.Shape(Encoding.Latin1.GetBytes(frame)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+OK\r")]
    [InlineData("$5\r\nab")]
    [InlineData("*2\r\n:1\r\n")]
    [InlineData("%1\r\n+k\r\n")]
    [InlineData("|1\r\n+a\r\n:1\r\n")]
    public void ReportsIncompleteFrames(string s) => Assert.Equal(FrameStatus.Incomplete, Scan(s, out _));

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("$x\r\n")]
    [InlineData("$2\r\nabcd\r\n")]
    [InlineData("*-2\r\n")]
    [InlineData("_x\r\n")]
    [InlineData("+OK\n")]
    public void ReportsInvalidFrames(string s) => Assert.Equal(FrameStatus.Invalid, Scan(s, out _));

    [Fact]
    public void ParsesScriptDirectives()
    {
        var s = CaseScript.Parse("t.redis", """
            # comment
            SET a 1
            @differs names differ
            OBJECT ENCODING a
            @type
            TTL a
            @sleep 5
            @conn 2
            @collect
            QUIT
            @raw "PING\r\n"
            """);
        var cases = s.Cases.ToArray();
        Assert.Equal(5, cases.Length);
        Assert.Equal(4, s.ComparedCount);
        Assert.Equal(1, s.DiffersCount);
        Assert.Equal("names differ", cases[1].DiffersReason);
        Assert.Equal(CompareMode.Shape, cases[2].Mode);
        Assert.True(cases[3].Collect);
        Assert.Equal(2, cases[3].Conn);
        Assert.Equal("PING\r\n"u8.ToArray(), cases[4].Raw);
        Assert.Contains(s.Steps, x => x is SleepStep { Milliseconds: 5 });
    }

    [Theory]
    [InlineData("@differs\nGET a")]
    [InlineData("@type\n@differs x\nGET a")]
    [InlineData("@type")]
    [InlineData("@sleep abc")]
    [InlineData("@conn 0")]
    [InlineData("@type\n@sleep 1\nGET a")]
    [InlineData("@raw a b")]
    [InlineData("@bogus")]
    [InlineData("GET \"a")]
    public void RejectsBadScripts(string text) =>
        Assert.Throws<ScriptParseException>(() => CaseScript.Parse("bad.redis", text));

    [Fact]
    public void EscapesRepliesReadably() =>
        Assert.Equal("\"+OK\\r\\n\\x00\\xff\\\"\"", RespFrame.Escape(Encoding.Latin1.GetBytes("+OK\r\n\u0000\u00ff\"")));
}
