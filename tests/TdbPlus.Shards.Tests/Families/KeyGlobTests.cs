using System.Text;
using TdbPlus.Shards.Families;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Glob cases whose answers were taken from redis-server 7.0 (KEYS on a one-key database).</summary>
public sealed class KeyGlobTests
{
    [Theory]
        [InlineData("*", "hello", true)]
        [InlineData("h*o", "hello", true)]
        [InlineData("h*o", "hell", false)]
        [InlineData("h?llo", "hello", true)]
        [InlineData("h?llo", "hllo", false)]
        [InlineData("h[ae]llo", "hallo", true)]
        [InlineData("h[ae]llo", "hillo", false)]
        [InlineData("h[^e]llo", "hallo", true)]
        [InlineData("h[^e]llo", "hello", false)]
        [InlineData("h[a-b]llo", "hbllo", true)]
        [InlineData("h[b-a]llo", "hallo", true)]
        [InlineData("h[a-b]llo", "hcllo", false)]
        [InlineData("h\\*llo", "h*llo", true)]
        [InlineData("h\\*llo", "hello", false)]
        [InlineData("*a*", "banana", true)]
        [InlineData("a*a*a", "aaa", true)]
        [InlineData("a*a*a", "aa", false)]
        [InlineData("**", "x", true)]
        [InlineData("*?", "x", true)]
        [InlineData("?*", "x", true)]
        [InlineData("[abc", "b", true)]
        [InlineData("[abc", "[abc", false)]
        [InlineData("ab[", "ab", false)]
        [InlineData("\\", "\\", true)]
        [InlineData("a\\", "a\\", true)]
        [InlineData("[\\]]", "]", true)]
        [InlineData("[\\a-c]", "-", true)]
        [InlineData("[a-]", "-", false)]
        [InlineData("[-a]", "-", true)]
        [InlineData("[]]", "]", false)]
        [InlineData("[^]", "x", true)]
        [InlineData("[^", "x", true)]
        [InlineData("[", "[", false)]
        [InlineData("*[", "a[", false)]
        [InlineData("x*", "x", true)]
        [InlineData("x**", "x", true)]
        [InlineData("*x", "x", true)]
        [InlineData("[a-c-e]", "d", false)]
        [InlineData("[a-c-e]", "-", true)]
        [InlineData("[!a]", "b", false)]
        [InlineData("a?", "a", false)]
        [InlineData("?", "é", true)]
        [InlineData("??", "é", false)]
        [InlineData("[\\", "\\", true)]
        [InlineData("*\\", "a\\", true)]
        [InlineData("[*]", "*", true)]
        [InlineData("[*]", "a", false)]
        [InlineData("*.txt", "a.txt.txt", true)]
        [InlineData("a*b*c", "abxbc", true)]
        [InlineData("a*b*c", "abxbcd", false)]
        [InlineData("[^a-z]", "5", true)]
        [InlineData("[^a-z]", "m", false)]
    public void MatchesLikeRedis(string pattern, string subject, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(Encoding.Latin1.GetBytes(pattern), Encoding.Latin1.GetBytes(subject)));

    [Theory]
    [InlineData(new byte[] { (byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']' }, new byte[] { 0xff }, true)]
    [InlineData(new byte[] { (byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']' }, new byte[] { (byte)'b' }, false)]
    [InlineData(new byte[] { (byte)'[', (byte)'a', (byte)'-', 0xff, (byte)']' }, new byte[] { (byte)'A' }, true)]
    [InlineData(new byte[] { (byte)'[', 0x80, (byte)'-', 0xff, (byte)']' }, new byte[] { 0x90 }, true)]
    [InlineData(new byte[] { (byte)'[', 0x01, (byte)'-', 0x80, (byte)']' }, new byte[] { 0x90 }, true)]
    [InlineData(new byte[] { (byte)'[', 0x01, (byte)'-', 0x80, (byte)']' }, new byte[] { (byte)'a' }, false)]
    public void RangesCompareSignedChars(byte[] pattern, byte[] subject, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, subject));

    [Fact]
    public void EmptySubjectMatchesOnlyEmptyPattern()
    {
        Assert.True(Glob.IsMatch(""u8, ""u8));
        Assert.False(Glob.IsMatch("*"u8, ""u8));
        Assert.False(Glob.IsMatch("**"u8, ""u8));
        Assert.False(Glob.IsMatch("?*"u8, ""u8));
        Assert.False(Glob.IsMatch(""u8, "a"u8));
    }

    [Fact]
    public void NoCaseFoldsAsciiOnly()
    {
        Assert.True(Glob.IsMatch("HeLLo"u8, "hello"u8, noCase: true));
        Assert.True(Glob.IsMatch("[A-C]x"u8, "bX"u8, noCase: true));
        Assert.False(Glob.IsMatch("HeLLo"u8, "hello"u8));
    }

    [Fact]
    public void ManyStarsDoNotBacktrackExponentially()
    {
        var pattern = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a*", 5000)) + "b");
        var subject = Encoding.ASCII.GetBytes(new string('a', 20000));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Glob.IsMatch(pattern, subject));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void AgreesWithNaiveRecursiveDefinition()
    {
        var rng = new Random(7);
        byte[] alphabet = "ab-[]^\\*?"u8.ToArray();
        for (int n = 0; n < 20000; n++)
        {
            var p = new byte[rng.Next(0, 7)];
            var s = new byte[rng.Next(0, 6)];
            for (int i = 0; i < p.Length; i++) p[i] = alphabet[rng.Next(alphabet.Length)];
            for (int i = 0; i < s.Length; i++) s[i] = alphabet[rng.Next(alphabet.Length)];
            Assert.True(Reference(p, 0, s, 0) == Glob.IsMatch(p, s),
                $"pattern '{Encoding.Latin1.GetString(p)}' subject '{Encoding.Latin1.GetString(s)}'");
        }
    }

    // Straight recursive transcription of the matching rules (no pruning), as an independent oracle.
    private static bool Reference(byte[] p, int pi, byte[] s, int si)
    {
        byte At(int i) => i < p.Length ? p[i] : (byte)0;
        while (pi < p.Length && si < s.Length)
        {
            switch (p[pi])
            {
                case (byte)'*':
                    while (pi + 1 < p.Length && p[pi + 1] == '*') pi++;
                    if (pi == p.Length - 1) return true;
                    for (; si < s.Length; si++)
                        if (Reference(p, pi + 1, s, si)) return true;
                    return false;
                case (byte)'?':
                    si++;
                    break;
                case (byte)'[':
                {
                    pi++;
                    bool not = At(pi) == '^';
                    if (not) pi++;
                    bool match = false;
                    while (true)
                    {
                        int left = p.Length - pi;
                        if (At(pi) == '\\' && left >= 2)
                        {
                            pi++;
                            if (p[pi] == s[si]) match = true;
                        }
                        else if (At(pi) == ']') break;
                        else if (left == 0)
                        {
                            pi--;
                            break;
                        }
                        else if (left >= 3 && p[pi + 1] == '-')
                        {
                            int a = (sbyte)p[pi], b = (sbyte)p[pi + 2], c = (sbyte)s[si];
                            if (a > b) (a, b) = (b, a);
                            pi += 2;
                            if (c >= a && c <= b) match = true;
                        }
                        else if (p[pi] == s[si]) match = true;
                        pi++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    si++;
                    break;
                }
                case (byte)'\\':
                    if (p.Length - pi >= 2) pi++;
                    if (p[pi] != s[si]) return false;
                    si++;
                    break;
                default:
                    if (p[pi] != s[si]) return false;
                    si++;
                    break;
            }
            pi++;
            if (si == s.Length)
            {
                while (At(pi) == '*') pi++;
                break;
            }
        }
        return pi >= p.Length && si == s.Length;
    }
}
