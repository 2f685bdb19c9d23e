using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Families.Strings;

namespace TdbPlus.Shards.Tests.Families;

public sealed class ListsArgumentsTests
{
    private static long Ms(string seconds)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(seconds), out var v), seconds);
        return BlockingTimeout.CeilMilliseconds(v);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("1", 1000)]
    [InlineData("0.5", 500)]
    [InlineData("1.5e3", 1_500_000)]
    [InlineData("0x10", 16_000)]
    [InlineData("0.0001", 1)]
    [InlineData("0.001", 1)]
    [InlineData("1e-400", 1)]
    [InlineData("-0.0001", 0)]
    [InlineData("-0.001", 0)]
    [InlineData("-0.5", -500)]
    [InlineData("9223372036854775", 9_223_372_036_854_775_000)]
    public void TimeoutsRoundUpToMillisecondsAsRedis70(string seconds, long expected) => Assert.Equal(expected, Ms(seconds));

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("1e20")]
    [InlineData("9223372036854775808")]
    [InlineData("9223372036854775.808")]
    public void OutOfRangeTimeoutsBecomeNegative(string seconds) => Assert.True(Ms(seconds) < 0);

    private static KeyRange NumKeys(int index, params string[] args) =>
        new CommandSpec("X", -2, CommandFlags.Write, 0, 0, 0, AclCategories.Write, "test") { NumKeys = new NumKeysSpec(index) }
            .NumKeysFor(args.Length, Encoding.ASCII.GetBytes(args[index]));

    [Fact]
    public void NumKeysFindsTheCountedKeysOfLmpopAndBlmpop()
    {
        Assert.Equal(new KeyRange(2, 3, 1), NumKeys(1, "LMPOP", "2", "a", "b", "LEFT"));
        Assert.Equal(new KeyRange(2, 4, 1), NumKeys(1, "LMPOP", "3", "a", "b", "LEFT"));
        Assert.True(NumKeys(1, "LMPOP", "0", "a", "LEFT").IsEmpty);
        Assert.True(NumKeys(1, "LMPOP", "-1", "a", "LEFT").IsEmpty);
        Assert.True(NumKeys(1, "LMPOP", "x", "a", "LEFT").IsEmpty);
        Assert.Equal(new KeyRange(3, 4, 1), NumKeys(2, "BLMPOP", "0", "2", "a", "b", "LEFT"));
    }
}
