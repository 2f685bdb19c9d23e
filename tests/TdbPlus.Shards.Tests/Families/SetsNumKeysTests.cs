using TdbPlus.Resp;
using TdbPlus.Shards.Families;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Key positions of numkeys commands (SINTERCARD) for routing.</summary>
public sealed class SetsNumKeysTests
{
    private static CommandSpec Spec(string name) =>
        SetFamily.Commands().Single(c => c.Spec.Name == name).Spec;

    [Fact]
    public void SinterCardKeysFollowNumKeys()
    {
        var spec = Spec("SINTERCARD");
        Assert.True(spec.Flags.HasFlag(CommandFlags.MovableKeys));
        Assert.True(spec.KeysFor(5).IsEmpty);
        // SINTERCARD 2 a b LIMIT 1
        Assert.Equal(new KeyRange(2, 3, 1), spec.NumKeysFor(6, "2"u8));
        // More keys claimed than arguments: clipped; the handler reports the error.
        Assert.Equal(new KeyRange(2, 3, 1), spec.NumKeysFor(4, "9"u8));
        Assert.True(spec.NumKeysFor(4, "0"u8).IsEmpty);
        Assert.True(spec.NumKeysFor(4, "x"u8).IsEmpty);
        Assert.True(spec.NumKeysFor(4, "-1"u8).IsEmpty);
    }

    [Fact]
    public void StoreCommandsListEveryKey()
    {
        Assert.Equal(new KeyRange(1, 3, 1), Spec("SINTERSTORE").KeysFor(4));
        Assert.Equal(new KeyRange(1, 2, 1), Spec("SMOVE").KeysFor(4));
    }
}
