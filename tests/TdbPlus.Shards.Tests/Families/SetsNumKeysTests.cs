using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Families;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Key positions of numkeys commands (SINTERCARD) as routing sees them.</summary>
public sealed class SetsNumKeysTests
{
    private static CommandSpec Spec(string name) =>
        SetFamily.Commands().Single(c => c.Spec.Name == name).Spec;

    private static List<int> Keys(CommandSpec spec, params string[] args)
    {
        var buffer = new List<byte>();
        var slices = new List<ArgSlice>();
        foreach (var a in args)
        {
            slices.Add(new ArgSlice(buffer.Count, a.Length));
            buffer.AddRange(Encoding.ASCII.GetBytes(a));
        }
        var keys = new List<int>();
        spec.CollectKeys(new CommandArgs(buffer.ToArray(), slices.ToArray()), keys);
        return keys;
    }

    [Fact]
    public void SinterCardKeysFollowNumKeys()
    {
        var spec = Spec("SINTERCARD");
        Assert.True(spec.Flags.HasFlag(CommandFlags.MovableKeys));
        Assert.Equal([2, 3], Keys(spec, "SINTERCARD", "2", "a", "b", "LIMIT", "1"));
        // More keys claimed than arguments, zero, negative or not a number: none (the handler replies the error).
        Assert.Empty(Keys(spec, "SINTERCARD", "9", "a", "b"));
        Assert.Empty(Keys(spec, "SINTERCARD", "0", "a", "b"));
        Assert.Empty(Keys(spec, "SINTERCARD", "-1", "a", "b"));
        Assert.Empty(Keys(spec, "SINTERCARD", "x", "a", "b"));
    }

    [Fact]
    public void StoreCommandsListEveryKey()
    {
        Assert.Equal(new KeyRange(1, 3, 1), Spec("SINTERSTORE").KeysFor(4));
        Assert.Equal(new KeyRange(1, 2, 1), Spec("SMOVE").KeysFor(4));
    }
}
