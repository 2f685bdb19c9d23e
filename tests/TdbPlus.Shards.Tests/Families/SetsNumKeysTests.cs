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
        // More keys claimed than arguments: none (the handler replies the error).
        Assert.True(spec.NumKeysFor(4, "9"u8).IsEmpty);
        Assert.Equal(new KeyRange(2, 3, 1), spec.NumKeysFor(4, "2"u8));
        var all = spec.AllKeysFor(6, "2"u8);
        var listed = new List<int>();
        foreach (int k in all) listed.Add(k);
        Assert.Equal([2, 3], listed);
        Assert.Equal(2, all.Count);
        Assert.True(spec.NumKeysFor(4, "0"u8).IsEmpty);
        Assert.True(spec.NumKeysFor(4, "x"u8).IsEmpty);
        Assert.True(spec.NumKeysFor(4, "-1"u8).IsEmpty);
    }

    [Fact]
    public void FixedAndCountedKeysAreBothListed()
    {
        // ZUNIONSTORE-like: a fixed destination at 1, numkeys at 2.
        var spec = new CommandSpec("X", -4, CommandFlags.MovableKeys, 1, 1, 1, AclCategories.None, "") { NumKeys = new NumKeysSpec(2) };
        var listed = new List<int>();
        foreach (int k in spec.AllKeysFor(6, "2"u8)) listed.Add(k);
        Assert.Equal([1, 3, 4], listed);
        listed.Clear();
        foreach (int k in spec.AllKeysFor(6, "4"u8)) listed.Add(k);
        Assert.Equal([1], listed);
    }

    [Fact]
    public void StoreCommandsListEveryKey()
    {
        Assert.Equal(new KeyRange(1, 3, 1), Spec("SINTERSTORE").KeysFor(4));
        Assert.Equal(new KeyRange(1, 2, 1), Spec("SMOVE").KeysFor(4));
    }
}
