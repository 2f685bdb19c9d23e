using System.Runtime.InteropServices;

namespace TdbPlus.Shards.Families.Strings;

/// <summary>One matching range of an LCS IDX reply: [AStart, AEnd] in the first string, [BStart, BEnd] in the second.</summary>
public readonly record struct LcsMatch(int AStart, int AEnd, int BStart, int BEnd)
{
    public int Length => AEnd - AStart + 1;
}

/// <summary>
/// The longest common subsequence of two byte strings by the classic dynamic programming table, walked back
/// from the end the way Redis's LCS command walks it (so ties pick the same subsequence and the same ranges).
/// </summary>
public static unsafe class Lcs
{
    /// <summary>Bytes of the table for strings of these lengths (Redis refuses above proto-max-bulk-len).</summary>
    public static ulong TableBytes(int aLength, int bLength) => (ulong)(aLength + 1) * (ulong)(bLength + 1) * sizeof(uint);

    /// <summary>
    /// Computes the LCS length and, when <paramref name="wantSequence"/> or <paramref name="matches"/> is given,
    /// the subsequence and the matching ranges (from the end of the strings backwards, as Redis emits them).
    /// </summary>
    public static int Compute(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool wantSequence, out byte[]? sequence,
        List<LcsMatch>? matches)
    {
        int alen = a.Length, blen = b.Length;
        long cells = (long)(alen + 1) * (blen + 1);
        uint* table = (uint*)NativeMemory.Alloc((nuint)cells, sizeof(uint));
        try
        {
            long stride = blen + 1;
            for (int j = 0; j <= blen; j++) table[j] = 0;
            for (int i = 1; i <= alen; i++)
            {
                uint* row = table + i * stride;
                uint* prev = row - stride;
                row[0] = 0;
                byte ai = a[i - 1];
                for (int j = 1; j <= blen; j++)
                {
                    if (ai == b[j - 1]) row[j] = prev[j - 1] + 1;
                    else
                    {
                        uint up = prev[j], left = row[j - 1];
                        row[j] = up > left ? up : left;
                    }
                }
            }
            int length = (int)table[alen * stride + blen];
            sequence = null;
            if (!wantSequence && matches is null) return length;

            var result = wantSequence ? new byte[length] : null;
            int idx = length;
            int ii = alen, jj = blen;
            // aStart == alen means "no range open", as in Redis.
            int aStart = alen, aEnd = 0, bStart = 0, bEnd = 0;
            while (ii > 0 && jj > 0)
            {
                bool emit = false;
                if (a[ii - 1] == b[jj - 1])
                {
                    if (result is not null) result[idx - 1] = a[ii - 1];
                    if (aStart == alen)
                    {
                        aStart = ii - 1;
                        aEnd = ii - 1;
                        bStart = jj - 1;
                        bEnd = jj - 1;
                    }
                    else if (aStart == ii && bStart == jj)
                    {
                        aStart--;
                        bStart--;
                    }
                    else
                    {
                        emit = true;
                    }
                    if (aStart == 0 || bStart == 0) emit = true;
                    idx--;
                    ii--;
                    jj--;
                }
                else
                {
                    uint up = table[(ii - 1) * stride + jj];
                    uint left = table[ii * stride + jj - 1];
                    if (up > left) ii--;
                    else jj--;
                    if (aStart != alen) emit = true;
                }
                if (emit)
                {
                    matches?.Add(new LcsMatch(aStart, aEnd, bStart, bEnd));
                    aStart = alen;
                }
            }
            sequence = result;
            return length;
        }
        finally
        {
            NativeMemory.Free(table);
        }
    }
}
