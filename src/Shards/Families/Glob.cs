namespace TdbPlus.Shards.Families;

/// <summary>
/// Redis's glob-style matching (stringmatchlen) for KEYS, SCAN MATCH and the collection scans: '*', '?',
/// '[abc]', '[^a]', '[a-z]' and '\' escapes, with Redis's treatment of malformed patterns (an unclosed class
/// takes the rest of the pattern, a trailing '\' is a literal, range bounds compare as signed C chars).
/// </summary>
/// <remarks>
/// Every token but '*' consumes exactly one byte and token boundaries never depend on the subject, so
/// backtracking to the most recent '*' only gives the same answers as Redis's recursion, without its depth.
/// </remarks>
public static class Glob
{
    /// <summary>True when the pattern is exactly "*" (SCAN and KEYS then skip matching).</summary>
    public static bool MatchesAll(ReadOnlySpan<byte> pattern) => pattern.Length == 1 && pattern[0] == (byte)'*';

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> subject, bool noCase = false)
    {
        // Redis's loop runs only while both remain: an empty subject matches the empty pattern alone.
        if (subject.Length == 0) return pattern.Length == 0;
        int p = 0, s = 0;
        int starPattern = -1, starSubject = -1;
        while (true)
        {
            if (s == subject.Length)
            {
                while (p < pattern.Length && pattern[p] == (byte)'*') p++;
                return p == pattern.Length;
            }
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                while (p + 1 < pattern.Length && pattern[p + 1] == (byte)'*') p++;
                if (p == pattern.Length - 1) return true;
                starPattern = ++p;
                starSubject = s;
                continue;
            }
            if (p < pattern.Length && MatchToken(pattern, ref p, subject[s], noCase))
            {
                s++;
                continue;
            }
            // Mismatch, or pattern used up with subject left: let the last '*' take one more byte. Redis
            // never tries the rest of the pattern against an empty remainder, hence the bound.
            if (starPattern < 0 || ++starSubject >= subject.Length) return false;
            p = starPattern;
            s = starSubject;
        }
    }

    /// <summary>Matches one non-star token at <paramref name="p"/> against <paramref name="c"/> and moves past it.</summary>
    private static bool MatchToken(ReadOnlySpan<byte> pattern, ref int p, byte c, bool noCase)
    {
        byte t = pattern[p];
        if (t == (byte)'?')
        {
            p++;
            return true;
        }
        if (t == (byte)'[') return MatchClass(pattern, ref p, c, noCase);
        if (t == (byte)'\\' && pattern.Length - p >= 2) t = pattern[++p];
        p++;
        return Same(t, c, noCase);
    }

    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte c, bool noCase)
    {
        int i = p + 1;
        bool negate = At(pattern, i) == (byte)'^';
        if (negate) i++;
        bool match = false;
        while (true)
        {
            int left = pattern.Length - i;
            byte t = At(pattern, i);
            if (t == (byte)'\\' && left >= 2)
            {
                i++;
                if (pattern[i] == c) match = true;
            }
            else if (t == (byte)']')
            {
                break;
            }
            else if (left <= 0)
            {
                // Unclosed class: it ends with the pattern.
                i--;
                break;
            }
            else if (left >= 3 && pattern[i + 1] == (byte)'-')
            {
                // C compares plain chars, which are signed on the platforms Redis runs on.
                int start = (sbyte)pattern[i], end = (sbyte)pattern[i + 2], v = (sbyte)c;
                if (start > end) (start, end) = (end, start);
                if (noCase)
                {
                    start = Lower(start);
                    end = Lower(end);
                    v = Lower(v);
                }
                i += 2;
                if (v >= start && v <= end) match = true;
            }
            else if (Same(t, c, noCase))
            {
                match = true;
            }
            i++;
        }
        p = i + 1;
        return match != negate;
    }

    private static byte At(ReadOnlySpan<byte> s, int i) => (uint)i < (uint)s.Length ? s[i] : (byte)0;

    private static bool Same(byte a, byte b, bool noCase) => a == b || (noCase && Lower(a) == Lower(b));

    private static int Lower(int c) => c is >= 'A' and <= 'Z' ? c + 32 : c;
}
