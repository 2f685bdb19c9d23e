namespace TdbPlus.Shards.Families.SortedSets;

/// <summary>
/// Redis's stringmatchlen (case-sensitive): '*', '?', '[...]' with '^' and ranges, '\' escapes. Bytes are
/// compared as C's signed char, as Redis does for ranges.
/// </summary>
internal static class GlobMatcher
{
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        bool skipLonger = false;
        return Match(pattern, text, ref skipLonger, 0);
    }

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, ref bool skipLonger, int nesting)
    {
        if (nesting > 1000) return false;
        int p = 0, s = 0;
        while (p < pattern.Length && s < text.Length)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p + 1 < pattern.Length && pattern[p + 1] == '*') p++;
                    if (p + 1 == pattern.Length) return true;
                    while (s < text.Length)
                    {
                        if (Match(pattern[(p + 1)..], text[s..], ref skipLonger, nesting + 1)) return true;
                        if (skipLonger) return false;
                        s++;
                    }
                    skipLonger = true;
                    return false;
                case (byte)'?':
                    s++;
                    break;
                case (byte)'[':
                {
                    p++;
                    bool not = p < pattern.Length && pattern[p] == '^';
                    if (not) p++;
                    bool match = false;
                    while (true)
                    {
                        if (p >= pattern.Length)
                        {
                            p--;
                            break;
                        }
                        if (pattern[p] == '\\' && pattern.Length - p >= 2)
                        {
                            p++;
                            if (pattern[p] == text[s]) match = true;
                        }
                        else if (pattern[p] == ']') break;
                        else if (pattern.Length - p >= 3 && pattern[p + 1] == '-')
                        {
                            int start = (sbyte)pattern[p], end = (sbyte)pattern[p + 2], c = (sbyte)text[s];
                            if (start > end) (start, end) = (end, start);
                            p += 2;
                            if (c >= start && c <= end) match = true;
                        }
                        else if (pattern[p] == text[s]) match = true;
                        p++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    s++;
                    break;
                }
                case (byte)'\\':
                    if (pattern.Length - p >= 2) p++;
                    if (pattern[p] != text[s]) return false;
                    s++;
                    break;
                default:
                    if (pattern[p] != text[s]) return false;
                    s++;
                    break;
            }
            p++;
            if (s == text.Length)
            {
                while (p < pattern.Length && pattern[p] == '*') p++;
                break;
            }
        }
        return p == pattern.Length && s == text.Length;
    }
}
