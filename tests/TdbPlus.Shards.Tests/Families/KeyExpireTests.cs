namespace TdbPlus.Shards.Tests.Families;

public sealed class KeyExpireTests
{
    [Fact]
    public void ConditionsAndErrors()
    {
        using var h = new CommandHarness(2);
        h.Run("SET", "k", "v");
        Assert.Equal("-ERR Unsupported option foo\r\n", h.Run("EXPIRE", "k", "abc", "foo"));
        Assert.Equal("-ERR value is not an integer or out of range\r\n", h.Run("EXPIRE", "k", "abc"));
        Assert.Equal("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", h.Run("EXPIRE", "k", "1", "nx", "lt"));
        Assert.Equal("-ERR GT and LT options at the same time are not compatible\r\n", h.Run("EXPIRE", "k", "1", "gt", "lt"));
        Assert.Equal("-ERR invalid expire time in 'expire' command\r\n", h.Run("EXPIRE", "k", "9223372036854775"));
        Assert.Equal("-ERR invalid expire time in 'pexpire' command\r\n", h.Run("PEXPIRE", "k", "9223372036854775807"));
        Assert.Equal("-ERR invalid expire time in 'expireat' command\r\n", h.Run("EXPIREAT", "k", "9223372036854775807"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "k", "10", "XX"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "k", "10", "GT"));
        Assert.Equal(":1\r\n", h.Run("EXPIRE", "k", "100", "LT"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "k", "10", "NX"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "k", "50", "GT"));
        Assert.Equal(":1\r\n", h.Run("EXPIRE", "k", "150", "GT"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "k", "200", "LT"));
        Assert.Equal(":1\r\n", h.Run("EXPIRE", "k", "20", "LT", "XX"));
        Assert.Equal(":20\r\n", h.Run("TTL", "k"));
        Assert.Equal(":1\r\n", h.Run("PERSIST", "k"));
        Assert.Equal(":0\r\n", h.Run("PERSIST", "k"));
        Assert.Equal(":-1\r\n", h.Run("TTL", "k"));
        Assert.Equal(":-1\r\n", h.Run("EXPIRETIME", "k"));
        Assert.Equal(":-2\r\n", h.Run("PTTL", "nokey"));
        Assert.Equal(":0\r\n", h.Run("EXPIRE", "nokey", "10"));
    }

    [Fact]
    public void PastTimesDeleteAndAbsoluteTimesReadBack()
    {
        using var h = new CommandHarness(2);
        h.Run("SET", "k", "v");
        Assert.Equal(":1\r\n", h.Run("PEXPIREAT", "k", "4102444800123"));
        Assert.Equal(":4102444800123\r\n", h.Run("PEXPIRETIME", "k"));
        Assert.Equal(":4102444800\r\n", h.Run("EXPIRETIME", "k"));
        Assert.Equal(":1\r\n", h.Run("EXPIRE", "k", "-1"));
        Assert.Equal(":0\r\n", h.Run("EXISTS", "k"));
        h.Run("SET", "k", "v");
        Assert.Equal(":1\r\n", h.Run("EXPIREAT", "k", "1"));
        Assert.Equal(":0\r\n", h.Run("DBSIZE"));
        h.Run("SET", "k", "v");
        Assert.Equal(":1\r\n", h.Run("PEXPIREAT", "k", "-9223372036854775808"));
        Assert.Equal(":0\r\n", h.Run("EXISTS", "k"));
    }

    [Fact]
    public void ExpiredKeysAreInvisible()
    {
        using var h = new CommandHarness(4);
        for (int i = 0; i < 50; i++) h.Run("SET", "e:" + i, "v");
        for (int i = 0; i < 50; i++) h.Run("SET", "p:" + i, "v");
        for (int i = 0; i < 50; i++) Assert.Equal(":1\r\n", h.Run("PEXPIRE", "e:" + i, "1"));
        Thread.Sleep(20);
        Assert.Equal(50, CommandHarness.Bulks(h.Run("KEYS", "*")).Count);
        Assert.Empty(CommandHarness.Bulks(h.Run("KEYS", "e:*")));
        Assert.Equal(":0\r\n", h.Run("EXISTS", "e:1"));
        Assert.Equal(":-2\r\n", h.Run("TTL", "e:2"));
        Assert.Equal("+none\r\n", h.Run("TYPE", "e:3"));
        Assert.Equal(":0\r\n", h.Run("DEL", "e:4"));
        Assert.Equal("-ERR no such key\r\n", h.Run("RENAME", "e:5", "x"));
        Assert.Equal("$-1\r\n", h.Run("OBJECT", "ENCODING", "e:6"));
        for (int i = 0; i < 50; i++) Assert.Contains("\r\np:", h.Run("RANDOMKEY"));
        var seen = new HashSet<string>();
        ulong cursor = 0;
        do
        {
            var (next, keys) = CommandHarness.ParseScan(h.Run("SCAN", cursor.ToString(), "COUNT", "7"));
            seen.UnionWith(keys);
            cursor = next;
        } while (cursor != 0);
        Assert.Equal(50, seen.Count);
        Assert.All(seen, k => Assert.StartsWith("p:", k));
        Assert.Equal(":50\r\n", h.Run("DBSIZE"));
    }
}
