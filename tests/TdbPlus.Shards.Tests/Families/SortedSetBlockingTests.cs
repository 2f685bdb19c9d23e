namespace TdbPlus.Shards.Tests.Families;

/// <summary>BZPOPMIN / BZPOPMAX / BZMPOP paths that answer without waiting, and their timeout replies.</summary>
public sealed class SortedSetBlockingTests : IDisposable
{
    private readonly CommandHarness _h = new(shards: 2);

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Pops_from_the_first_non_empty_key()
    {
        _h.Run("ZADD", "z", "1", "a", "2", "b");
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", _h.Run("BZPOPMIN", "nozset", "z", "0"));
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n", _h.Run("BZPOPMAX", "z", "0"));
        Assert.Equal(":0\r\n", _h.Run("EXISTS", "z"));
        _h.Run("ZADD", "m", "1", "a", "2", "b", "3", "c");
        Assert.Equal("*2\r\n$1\r\nm\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            _h.Run("BZMPOP", "0", "1", "m", "MAX", "COUNT", "2"));
    }

    [Fact]
    public void Resp3_scores_are_doubles()
    {
        _h.Protocol = 3;
        _h.Session.Protocol = 3;
        _h.Run("ZADD", "z", "1.5", "a");
        Assert.Equal("*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n", _h.Run("BZPOPMIN", "z", "0"));
        Assert.Equal("_\r\n", _h.Run("BZPOPMIN", "z", "0.01"));
    }

    [Fact]
    public void Times_out_with_a_null_array()
    {
        Assert.Equal("*-1\r\n", _h.Run("BZPOPMIN", "a", "b", "0.05"));
        Assert.Equal("*-1\r\n", _h.Run("BZMPOP", "0.05", "2", "a", "b", "MIN"));
    }

    [Fact]
    public void Timeout_and_argument_errors()
    {
        Assert.Equal("-ERR timeout is not a float or out of range\r\n", _h.Run("BZPOPMIN", "z", "x"));
        Assert.Equal("-ERR timeout is negative\r\n", _h.Run("BZPOPMAX", "z", "-1"));
        Assert.Equal("-ERR syntax error\r\n", _h.Run("BZMPOP", "x", "1", "z", "MIDDLE"));
        Assert.Equal("-ERR numkeys should be greater than 0\r\n", _h.Run("BZMPOP", "0", "0", "z", "MIN"));
        _h.Run("SET", "s", "v");
        Assert.StartsWith("-WRONGTYPE", _h.Run("BZPOPMIN", "s", "0"));
    }
}
