namespace TdbPlus.Shards.Families.Geo;

/// <summary>
/// Redis's pqsort: Bentley and McIlroy's quicksort (as in NetBSD's qsort) that only recurses into partitions
/// overlapping the wanted index range. GEORADIUS/GEOSEARCH with COUNT order their results with it, so equal
/// distances come out in the same order as in Redis.
/// </summary>
internal static class PartialSort
{
    /// <summary>Sorts enough of <paramref name="items"/> that positions <paramref name="left"/>..<paramref name="right"/> hold their sorted elements.</summary>
    public static void Sort<T>(T[] items, Comparison<T> compare, int left, int right) =>
        Run(items, 0, items.Length, compare, left, right);

    private static void Swap<T>(T[] items, int i, int j) => (items[i], items[j]) = (items[j], items[i]);

    private static void VecSwap<T>(T[] items, int i, int j, int n)
    {
        for (int k = 0; k < n; k++) Swap(items, i + k, j + k);
    }

    private static int Med3<T>(T[] items, int a, int b, int c, Comparison<T> compare) =>
        compare(items[a], items[b]) < 0
            ? (compare(items[b], items[c]) < 0 ? b : compare(items[a], items[c]) < 0 ? c : a)
            : (compare(items[b], items[c]) > 0 ? b : compare(items[a], items[c]) < 0 ? a : c);

    private static void InsertionSort<T>(T[] items, int a, int n, Comparison<T> compare)
    {
        for (int m = a + 1; m < a + n; m++)
            for (int l = m; l > a && compare(items[l - 1], items[l]) > 0; l--)
                Swap(items, l, l - 1);
    }

    /// <summary>Whether the sorted range [left, right] touches the partition [start, end].</summary>
    private static bool Overlaps(int start, int end, int left, int right) =>
        !((left < start && right < start) || (left > end && right > end));

    private static void Run<T>(T[] items, int a, int n, Comparison<T> compare, int left, int right)
    {
        while (true)
        {
            bool swapped = false;
            if (n < 7)
            {
                InsertionSort(items, a, n, compare);
                return;
            }
            int pm = a + n / 2;
            if (n > 7)
            {
                int pl = a;
                int pn0 = a + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Med3(items, pl, pl + d, pl + 2 * d, compare);
                    pm = Med3(items, pm - d, pm, pm + d, compare);
                    pn0 = Med3(items, pn0 - 2 * d, pn0 - d, pn0, compare);
                }
                pm = Med3(items, pl, pm, pn0, compare);
            }
            Swap(items, a, pm);
            int pa = a + 1, pb = a + 1;
            int pc = a + n - 1, pd = a + n - 1;
            while (true)
            {
                int c;
                while (pb <= pc && (c = compare(items[pb], items[a])) <= 0)
                {
                    if (c == 0)
                    {
                        swapped = true;
                        Swap(items, pa, pb);
                        pa++;
                    }
                    pb++;
                }
                while (pb <= pc && (c = compare(items[pc], items[a])) >= 0)
                {
                    if (c == 0)
                    {
                        swapped = true;
                        Swap(items, pc, pd);
                        pd--;
                    }
                    pc--;
                }
                if (pb > pc) break;
                Swap(items, pb, pc);
                swapped = true;
                pb++;
                pc--;
            }
            if (!swapped)
            {
                InsertionSort(items, a, n, compare);
                return;
            }
            int pn = a + n;
            int r = Math.Min(pa - a, pb - pa);
            VecSwap(items, a, pb - r, r);
            r = Math.Min(pd - pc, pn - pd - 1);
            VecSwap(items, pb, pn - r, r);
            if ((r = pb - pa) > 1 && Overlaps(a, a + r - 1, left, right))
                Run(items, a, r, compare, left, right);
            if ((r = pd - pc) > 1)
            {
                a = pn - r;
                n = r;
                if (Overlaps(a, a + r - 1, left, right)) continue;
            }
            return;
        }
    }
}
