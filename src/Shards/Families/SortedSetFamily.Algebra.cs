using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (zunionInterDiffGenericCommand).</summary>
public static partial class SortedSetFamily
{
    private enum SetOp { Union, Inter, Diff }

    private enum Aggregate { Sum, Min, Max }

    private static void ZUnion(CommandContext ctx) => ZSetOperation(ctx, false, 1, SetOp.Union, false);

    private static void ZInter(CommandContext ctx) => ZSetOperation(ctx, false, 1, SetOp.Inter, false);

    private static void ZDiff(CommandContext ctx) => ZSetOperation(ctx, false, 1, SetOp.Diff, false);

    private static void ZUnionStore(CommandContext ctx) => ZSetOperation(ctx, true, 2, SetOp.Union, false);

    private static void ZInterStore(CommandContext ctx) => ZSetOperation(ctx, true, 2, SetOp.Inter, false);

    private static void ZDiffStore(CommandContext ctx) => ZSetOperation(ctx, true, 2, SetOp.Diff, false);

    private static void ZInterCard(CommandContext ctx) => ZSetOperation(ctx, false, 1, SetOp.Inter, true);

    /// <summary>An input: a sorted set or a plain set (score 1), or nothing for a missing key.</summary>
    private sealed class Source
    {
        public ZSetObject? ZSet;
        public IMemberSet? Set;
        public double Weight = 1;

        public object? Identity => (object?)ZSet ?? Set;

        public long Length => ZSet?.Count ?? Set?.Count ?? 0;

        public bool TryFind(ReadOnlySpan<byte> member, out double score)
        {
            score = 1;
            if (ZSet is not null) return ZSet.TryGetScore(member, out score);
            return Set is not null && Set.Contains(member);
        }
    }

    /// <summary>Receives the elements of a source; returning false asks to stop.</summary>
    private abstract class ElementSink
    {
        public abstract bool Add(ReadOnlySpan<byte> member, double score);
    }

    private readonly struct ZSink(ElementSink sink) : IZVisitor
    {
        public bool Visit(ReadOnlySpan<byte> member, double score) => sink.Add(member, score);
    }

    private struct SetSink(ElementSink sink) : IMemberVisitor
    {
        private bool _stopped;

        public void Visit(ReadOnlySpan<byte> member)
        {
            if (!_stopped && !sink.Add(member, 1)) _stopped = true;
        }
    }

    private static void ForEachElement(Source source, ElementSink sink)
    {
        if (source.ZSet is { } z)
        {
            // Redis walks sorted sets from the tail.
            var v = new ZSink(sink);
            z.Walk(z.Count - 1, true, ref v);
        }
        else if (source.Set is { } s)
        {
            var v = new SetSink(sink);
            s.ForEachMember(ref v);
        }
    }

    private static double Combine(double target, double value, Aggregate aggregate)
    {
        switch (aggregate)
        {
            case Aggregate.Sum:
                double sum = target + value;
                return double.IsNaN(sum) ? 0 : sum;
            case Aggregate.Min:
                return value < target ? value : target;
            default:
                return value > target ? value : target;
        }
    }

    private static void ZSetOperation(CommandContext ctx, bool store, int numKeysIndex, SetOp op, bool cardinalityOnly)
    {
        if (!ctx.TryGetLong(numKeysIndex, out long setCount)) return;
        if (setCount < 1)
        {
            ctx.Error($"ERR at least 1 input key is needed for '{ctx.Command.FullName}' command");
            return;
        }
        if (setCount > ctx.ArgCount - (numKeysIndex + 1))
        {
            ctx.SyntaxError();
            return;
        }
        int n = (int)setCount;
        var sources = new Source[n];
        int j = numKeysIndex + 1;
        for (int i = 0; i < n; i++, j++)
        {
            var source = new Source();
            var key = ctx.Arg(j);
            var db = ctx.Db(key);
            nint rec = db.FindTouch(key, ctx.Now, ctx.Session.NoTouch);
            if (rec != 0)
            {
                byte type = Record.Type(rec);
                if (type == KeyType.SortedSet) source.ZSet = db.GetObject<ZSetObject>(rec);
                else if (type == KeyType.Set && db.Store.Objects.Get(Record.Handle(rec)) is IMemberSet set) source.Set = set;
                else
                {
                    ctx.WrongType();
                    return;
                }
            }
            sources[i] = source;
        }

        var aggregate = Aggregate.Sum;
        bool withScores = false;
        long limit = 0;
        int remaining = ctx.ArgCount - j;
        while (remaining > 0)
        {
            if (op != SetOp.Diff && !cardinalityOnly && remaining >= n + 1 && ctx.ArgIs(j, "WEIGHTS"u8))
            {
                j++;
                remaining--;
                for (int i = 0; i < n; i++, j++, remaining--)
                {
                    if (!CDouble.TryParse(ctx.Arg(j), out sources[i].Weight))
                    {
                        ctx.Error("ERR weight value is not a float");
                        return;
                    }
                }
            }
            else if (op != SetOp.Diff && !cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "AGGREGATE"u8))
            {
                j++;
                if (ctx.ArgIs(j, "SUM"u8)) aggregate = Aggregate.Sum;
                else if (ctx.ArgIs(j, "MIN"u8)) aggregate = Aggregate.Min;
                else if (ctx.ArgIs(j, "MAX"u8)) aggregate = Aggregate.Max;
                else
                {
                    ctx.SyntaxError();
                    return;
                }
                j++;
                remaining -= 2;
            }
            else if (!store && !cardinalityOnly && ctx.ArgIs(j, "WITHSCORES"u8))
            {
                j++;
                remaining--;
                withScores = true;
            }
            else if (cardinalityOnly && remaining >= 2 && ctx.ArgIs(j, "LIMIT"u8))
            {
                j++;
                if (!NumberParser.TryParseInt64(ctx.Arg(j), out limit) || limit < 0)
                {
                    ctx.Error("ERR LIMIT can't be negative");
                    return;
                }
                j++;
                remaining -= 2;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }

        // Smallest inputs first (a stable sort, like glibc's qsort on small arrays).
        if (op != SetOp.Diff) sources = [.. sources.OrderBy(s => s.Length)];

        var result = new List<(byte[] Member, double Score)>();
        long cardinality = 0;
        switch (op)
        {
            case SetOp.Inter:
                if (sources[0].Length > 0)
                {
                    var inter = new InterSink(sources, aggregate, cardinalityOnly, limit, result);
                    ForEachElement(sources[0], inter);
                    cardinality = inter.Cardinality;
                }
                break;
            case SetOp.Union:
                var union = new UnionSink(aggregate);
                foreach (var source in sources)
                {
                    if (source.Length == 0) continue;
                    union.Weight = source.Weight;
                    ForEachElement(source, union);
                }
                result = union.Elements;
                break;
            default:
                if (sources[0].Length > 0)
                {
                    bool sameAsFirst = false;
                    for (int i = 1; i < n; i++)
                        if (sources[i].Identity == sources[0].Identity) sameAsFirst = true;
                    if (!sameAsFirst) ForEachElement(sources[0], new DiffSink(sources, result));
                }
                break;
        }

        if (cardinalityOnly)
        {
            ctx.Reply.Integer(cardinality);
            return;
        }
        result.Sort(BytesComparer.CompareElements);
        if (store)
        {
            var outcome = StoreResult(ctx, ctx.Arg(1), BuildSet(result, Limits(ctx)));
            ctx.Reply.Integer(result.Count);
            NotifyStore(ctx, ctx.Arg(1), outcome,
                op == SetOp.Union ? "zunionstore" : op == SetOp.Inter ? "zinterstore" : "zdiffstore");
            return;
        }
        ReplyElementsHeader(ctx.Reply, result.Count, withScores);
        foreach (var (member, score) in result) ReplyElement(ctx.Reply, member, score, withScores);
    }

    /// <summary>A set from sorted elements, in the listpack encoding when it fits (zsetConvertToListpackIfNeeded).</summary>
    internal static ZSetObject? BuildSet(List<(byte[] Member, double Score)> sorted, ZSetLimits limits)
    {
        if (sorted.Count == 0) return null;
        long maxLength = 0;
        foreach (var (member, _) in sorted) maxLength = Math.Max(maxLength, member.Length);
        bool compact = sorted.Count <= limits.MaxEntries && maxLength <= limits.MaxValue;
        var zset = compact ? ZSetObject.CreateCompact() : ZSetObject.CreateLarge(sorted.Count);
        foreach (var (member, score) in sorted) zset.AppendSorted(member, score, limits, convert: false);
        return zset;
    }

    private sealed class InterSink(Source[] sources, Aggregate aggregate, bool cardinalityOnly, long limit,
        List<(byte[] Member, double Score)> result) : ElementSink
    {
        public long Cardinality;

        public override bool Add(ReadOnlySpan<byte> member, double score)
        {
            double total = sources[0].Weight * score;
            if (double.IsNaN(total)) total = 0;
            for (int j = 1; j < sources.Length; j++)
            {
                double value;
                if (sources[j].Identity == sources[0].Identity) value = score * sources[j].Weight;
                else if (sources[j].TryFind(member, out value)) value *= sources[j].Weight;
                else return true;
                total = Combine(total, value, aggregate);
            }
            if (cardinalityOnly)
            {
                Cardinality++;
                return limit == 0 || Cardinality < limit;
            }
            result.Add((member.ToArray(), total));
            return true;
        }
    }

    private sealed class UnionSink(Aggregate aggregate) : ElementSink
    {
        private readonly Dictionary<byte[], int> _index = new(BytesComparer.Instance);
        public readonly List<(byte[] Member, double Score)> Elements = [];
        public double Weight = 1;

        public override bool Add(ReadOnlySpan<byte> member, double score)
        {
            double value = Weight * score;
            if (double.IsNaN(value)) value = 0;
            var lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(member, out int at))
            {
                var (m, s) = Elements[at];
                Elements[at] = (m, Combine(s, value, aggregate));
            }
            else
            {
                var copy = member.ToArray();
                _index.Add(copy, Elements.Count);
                Elements.Add((copy, value));
            }
            return true;
        }
    }

    private sealed class DiffSink(Source[] sources, List<(byte[] Member, double Score)> result) : ElementSink
    {
        public override bool Add(ReadOnlySpan<byte> member, double score)
        {
            for (int j = 1; j < sources.Length; j++)
                if (sources[j].TryFind(member, out _)) return true;
            result.Add((member.ToArray(), score));
            return true;
        }
    }
}
