using System.IO.Hashing;
using System.Text;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Tests.Storage;

public sealed class KeyHashTests
{
    [Fact]
    public void TableHashIsXxHash3()
    {
        Assert.Equal(XxHash3.HashToUInt64("abc"u8), KeyHash.Hash("abc"u8));
    }

    [Theory]
    [InlineData("user:{42}:name", "42")]
    [InlineData("{42}", "42")]
    [InlineData("a{b}c{d}", "b")]
    [InlineData("a{{b}}", "{b")]
    [InlineData("{}abc", "{}abc")]
    [InlineData("abc{", "abc{")]
    [InlineData("abc}{", "abc}{")]
    [InlineData("plain", "plain")]
    [InlineData("a{}b{c}", "a{}b{c}")]
    public void HashTagFollowsRedisCluster(string key, string tag)
    {
        Assert.Equal(tag, Encoding.ASCII.GetString(KeyHash.HashTag(Encoding.ASCII.GetBytes(key))));
    }

    [Fact]
    public void KeysSharingATagShareAShard()
    {
        for (int shards = 2; shards <= 16; shards++)
        {
            int s = KeyHash.ShardOf("{user1000}.following"u8, shards);
            Assert.Equal(s, KeyHash.ShardOf("{user1000}.followers"u8, shards));
            Assert.Equal(s, KeyHash.ShardOf("user1000"u8, shards));
        }
    }

    [Fact]
    public void ShardsAreInRangeAndBalanced()
    {
        Assert.Equal(0, KeyHash.ShardOf("anything"u8, 1));
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
            counts[KeyHash.ShardOf(Encoding.ASCII.GetBytes("key:" + i), 7)]++;
        foreach (int c in counts)
            Assert.InRange(c, 9_000, 11_000);
    }
}
