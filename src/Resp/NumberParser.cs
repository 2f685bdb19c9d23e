using System.Buffers.Text;

namespace TdbPlus.Resp;

/// <summary>Strict number parsing and formatting with redis-server's acceptance rules (string2ll and friends).</summary>
public static class NumberParser
{
    /// <summary>Redis's string2ll: optional '-', no '+', no leading zeros, no spaces, at most 20 characters.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length >= 21) return false;
        if (s.Length == 1 && s[0] == '0') return true;
        int i = 0;
        bool negative = false;
        if (s[0] == '-')
        {
            negative = true;
            i++;
            if (s.Length == 1) return false;
        }
        if (s[i] < '1' || s[i] > '9') return false;
        ulong v = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = (long)(0 - v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    /// <summary>Parses an unsigned 64-bit number with the same strictness (SCAN cursors).</summary>
    public static bool TryParseUInt64(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (s.Length == 0 || s.Length >= 21) return false;
        if (s.Length == 1 && s[0] == '0') return true;
        if (s[0] < '1' || s[0] > '9') return false;
        foreach (byte b in s)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            if (value > (ulong.MaxValue - d) / 10) return false;
            value = value * 10 + d;
        }
        return true;
    }

    /// <summary>Writes the decimal form of <paramref name="value"/>; returns the byte count.</summary>
    public static int Format(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }

    /// <summary>Number of decimal characters <paramref name="value"/> takes.</summary>
    public static int DigitCount(long value)
    {
        if (value < 0) return value == long.MinValue ? 20 : 1 + DigitCount(-value);
        int n = 1;
        while (value >= 10)
        {
            value /= 10;
            n++;
        }
        return n;
    }
}
