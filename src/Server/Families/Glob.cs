namespace TdbPlus.Server.Families;

/// <summary>Redis's stringmatchlen: glob patterns with *, ?, [set], [^set], [a-z] and \ escapes.</summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool noCase) => Match(pattern, text, noCase, 0);

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> s, bool noCase, int depth)
    {
        if (depth > 1000) return false;
        while (p.Length > 0 && s.Length > 0)
        {
            switch (p[0])
            {
                case '*':
                    while (p.Length > 1 && p[1] == '*') p = p[1..];
                    if (p.Length == 1) return true;
                    for (int i = 0; i < s.Length; i++)
                        if (Match(p[1..], s[i..], noCase, depth + 1)) return true;
                    return false;
                case '?':
                    break;
                case '[':
                {
                    p = p[1..];
                    bool not = p.Length > 0 && p[0] == '^';
                    if (not) p = p[1..];
                    bool match = false;
                    while (true)
                    {
                        if (p.Length == 0) break;
                        if (p[0] == '\\' && p.Length >= 2)
                        {
                            p = p[1..];
                            if (Eq(p[0], s[0], noCase)) match = true;
                        }
                        else if (p[0] == ']') break;
                        else if (p.Length >= 3 && p[1] == '-')
                        {
                            char start = p[0], end = p[2], c = s[0];
                            if (start > end) (start, end) = (end, start);
                            if (noCase)
                            {
                                start = char.ToLowerInvariant(start);
                                end = char.ToLowerInvariant(end);
                                c = char.ToLowerInvariant(c);
                            }
                            p = p[2..];
                            if (c >= start && c <= end) match = true;
                        }
                        else if (Eq(p[0], s[0], noCase)) match = true;
                        p = p[1..];
                    }
                    if (p.Length == 0) p = "]".AsSpan(); // unterminated set: Redis treats the end as the closing bracket
                    if (not) match = !match;
                    if (!match) return false;
                    break;
                }
                case '\\':
                    if (p.Length >= 2) p = p[1..];
                    if (!Eq(p[0], s[0], noCase)) return false;
                    break;
                default:
                    if (!Eq(p[0], s[0], noCase)) return false;
                    break;
            }
            p = p[1..];
            s = s[1..];
            if (s.Length == 0)
            {
                while (p.Length > 0 && p[0] == '*') p = p[1..];
                break;
            }
        }
        return p.Length == 0 && s.Length == 0;
    }

    private static bool Eq(char a, char b, bool noCase) =>
        a == b || (noCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
