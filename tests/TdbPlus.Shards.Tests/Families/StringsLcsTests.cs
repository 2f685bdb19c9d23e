using System.Text;
using TdbPlus.Shards.Families.Strings;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>LCS as Redis 7.0 computes it; expected ranges come from redis-server.</summary>
public sealed class StringsLcsTests
{
    private static int Run(string a, string b, out string sequence, List<LcsMatch>? matches)
    {
        int len = Lcs.Compute(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b), true, out var seq, matches);
        sequence = Encoding.ASCII.GetString(seq!);
        return len;
    }

    [Fact]
    public void RedisDocumentationExample()
    {
        var matches = new List<LcsMatch>();
        Assert.Equal(6, Run("ohmytext", "mynewtext", out var seq, matches));
        Assert.Equal("mytext", seq);
        Assert.Equal([new LcsMatch(4, 7, 5, 8), new LcsMatch(2, 3, 0, 1)], matches);
        Assert.Equal(4, matches[0].Length);
    }

    [Fact]
    public void RangesEndAtTheStartOfEitherString()
    {
        var matches = new List<LcsMatch>();
        Assert.Equal(2, Run("aaaa", "aa", out var seq, matches));
        Assert.Equal("aa", seq);
        Assert.Equal([new LcsMatch(2, 3, 0, 1)], matches);
    }

    [Fact]
    public void GapsSplitRanges()
    {
        var matches = new List<LcsMatch>();
        Assert.Equal(9, Run("abcXdefYghi", "abcdefghi", out var seq, matches));
        Assert.Equal("abcdefghi", seq);
        Assert.Equal([new LcsMatch(8, 10, 6, 8), new LcsMatch(4, 6, 3, 5), new LcsMatch(0, 2, 0, 2)], matches);
    }

    [Fact]
    public void EmptyInputs()
    {
        var matches = new List<LcsMatch>();
        Assert.Equal(0, Run("", "", out var seq, matches));
        Assert.Equal("", seq);
        Assert.Empty(matches);
        Assert.Equal(0, Run("abc", "", out _, matches));
        Assert.Equal(0, Run("abc", "xyz", out _, matches));
        Assert.Empty(matches);
    }

    [Fact]
    public void LengthOnlySkipsTheWalk()
    {
        Assert.Equal(3, Lcs.Compute("abcd"u8, "xbcdx"u8, false, out var seq, null));
        Assert.Null(seq);
    }

    [Fact]
    public void TableSize() => Assert.Equal(4UL * 3 * 5, Lcs.TableBytes(2, 4));
}
