using TdbPlus.Resp;

namespace TdbPlus.Shards.Commands;

/// <summary>Key finders for commands whose keys are counted by a numkeys argument (SINTERCARD, ZUNIONSTORE, LMPOP...).</summary>
public static class KeyFinders
{
    /// <summary>numkeys at 1, then the keys (ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP, SINTERCARD, LMPOP...).</summary>
    public static void NumKeysAt1(CommandArgs args, List<int> keys) => AddNumKeys(args, 1, 0, keys);

    /// <summary>numkeys at 2 after a timeout at 1, then the keys (BLMPOP, BZMPOP).</summary>
    public static void NumKeysAt2(CommandArgs args, List<int> keys) => AddNumKeys(args, 2, 0, keys);

    /// <summary>The destination at 1, then the keys after numkeys at 2 (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE).</summary>
    public static void DestinationThenNumKeys(CommandArgs args, List<int> keys) => AddNumKeys(args, 2, 1, keys);

    /// <summary>
    /// The keys as Redis 7.0's key specs give them: numkeys read as atoi does, no keys at all when it is out of
    /// range (the command then answers its error), else the store key, if any, then the keys.
    /// </summary>
    private static void AddNumKeys(CommandArgs args, int numKeysIndex, int storeIndex, List<int> keys)
    {
        if (numKeysIndex >= args.Count) return;
        long n = Atoi(args[numKeysIndex]);
        if (n < 1 || n > args.Count - (numKeysIndex + 1)) return;
        if (storeIndex > 0) keys.Add(storeIndex);
        for (int k = 0; k < n; k++) keys.Add(numKeysIndex + 1 + k);
    }

    /// <summary>C's atoi: leading space, a sign, then digits up to the first other byte.</summary>
    private static long Atoi(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == '-';
            i++;
        }
        long v = 0;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9 && v < int.MaxValue; i++) v = v * 10 + (s[i] - '0');
        return negative ? -v : v;
    }
}
