using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families.Geo;
using TdbPlus.Shards.Families.SortedSets;
using TdbPlus.Shards.Keyspace;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Geo commands with Redis 7.0 semantics, stored in sorted sets whose scores are 52-bit geohashes: GEOADD
/// GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER and the _RO variants.
/// </summary>
public static class GeoFamily
{
    private const AclCategories ReadCat = AclCategories.Read | AclCategories.Geo | AclCategories.Slow;
    private const AclCategories WriteCat = AclCategories.Write | AclCategories.Geo | AclCategories.Slow;
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const string Group = "geo";

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Keyed("GEOADD", -5, WriteOom, 1, 1, 1, WriteCat, GeoAdd,
            "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", Group),
        Declare.Keyed("GEODIST", -4, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoDist,
            "Returns the distance between two members of a geospatial index", "3.2.0", Group),
        Declare.Keyed("GEOHASH", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoHashCommand,
            "Returns members of a geospatial index as standard geohash strings", "3.2.0", Group),
        Declare.Keyed("GEOPOS", -2, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoPos,
            "Returns longitude and latitude of members of a geospatial index", "3.2.0", Group),
        Declare.Keyed("GEOSEARCH", -7, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoSearch,
            "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0", Group),
        Declare.Keyed("GEOSEARCHSTORE", -8, WriteOom, 1, 2, 1, WriteCat, GeoSearchStore,
            "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0", Group),
        Declare.KeyedMovable("GEORADIUS", -6, WriteOom, 1, 1, 1, RadiusKeys, WriteCat, GeoRadius,
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0", Group),
        Declare.Keyed("GEORADIUS_RO", -6, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoRadiusRo,
            "A read-only variant for GEORADIUS", "3.2.10", Group),
        Declare.KeyedMovable("GEORADIUSBYMEMBER", -5, WriteOom, 1, 1, 1, RadiusByMemberKeys, WriteCat, GeoRadiusByMember,
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0", Group),
        Declare.Keyed("GEORADIUSBYMEMBER_RO", -5, CommandFlags.ReadOnly, 1, 1, 1, ReadCat, GeoRadiusByMemberRo,
            "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", Group),
    ];

    /// <summary>GEORADIUS keys: the source, then the STORE and STOREDIST keys (options start at 6).</summary>
    internal static void RadiusKeys(CommandArgs args, List<int> keys) => AddRadiusKeys(args, 6, keys);

    /// <summary>GEORADIUSBYMEMBER keys: the source, then the STORE and STOREDIST keys (options start at 5).</summary>
    internal static void RadiusByMemberKeys(CommandArgs args, List<int> keys) => AddRadiusKeys(args, 5, keys);

    /// <summary>
    /// As Redis 7.0's key specs find them: the first STORE and the first STOREDIST keyword from
    /// <paramref name="start"/>; plus, for routing, the key of the last such option (the one the command
    /// writes) when an option is repeated.
    /// </summary>
    private static void AddRadiusKeys(CommandArgs args, int start, List<int> keys)
    {
        if (args.Count > 1) keys.Add(1);
        int firstStore = -1, firstStoreDist = -1, last = -1;
        for (int i = start; i + 1 < args.Count; i++)
        {
            bool store = Ascii.EqualsIgnoreCase(args[i], "STORE"u8);
            bool storeDist = !store && Ascii.EqualsIgnoreCase(args[i], "STOREDIST"u8);
            if (store && firstStore < 0) firstStore = i + 1;
            if (storeDist && firstStoreDist < 0) firstStoreDist = i + 1;
            if (store || storeDist) last = i + 1;
        }
        if (firstStore > 0) keys.Add(firstStore);
        if (firstStoreDist > 0) keys.Add(firstStoreDist);
        if (last > 0 && last != firstStore && last != firstStoreDist) keys.Add(last);
    }

    // ---- helpers ----

    /// <summary>extractLongLatOrReply: two floats within Redis's coordinate limits.</summary>
    private static bool TryGetLonLat(CommandContext ctx, int index, out double lon, out double lat)
    {
        lat = 0;
        if (!CDouble.TryParse(ctx.Arg(index), out lon) || !CDouble.TryParse(ctx.Arg(index + 1), out lat))
        {
            ctx.Error(Errors.NotFloat);
            return false;
        }
        if (lon < GeoHash.LonMin || lon > GeoHash.LonMax || lat < GeoHash.LatMin || lat > GeoHash.LatMax)
        {
            ctx.Error($"ERR invalid longitude,latitude pair {GeoFormat.Fixed(lon, 6)},{GeoFormat.Fixed(lat, 6)}");
            return false;
        }
        return true;
    }

    /// <summary>extractUnitOrReply: meters per unit, or a negative value after the error.</summary>
    private static double GetUnit(CommandContext ctx, int index)
    {
        var u = ctx.Arg(index);
        if (Ascii.EqualsIgnoreCase(u, "m"u8)) return 1;
        if (Ascii.EqualsIgnoreCase(u, "km"u8)) return 1000;
        if (Ascii.EqualsIgnoreCase(u, "ft"u8)) return 0.3048;
        if (Ascii.EqualsIgnoreCase(u, "mi"u8)) return 1609.34;
        ctx.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
        return -1;
    }

    private static void ReplyDistance(RespWriter reply, double distance) => reply.Bulk(GeoFormat.Fixed(distance, 4));

    /// <summary>addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3.</summary>
    private static void ReplyCoordinate(RespWriter reply, double value)
    {
        string text = GeoFormat.Human(value);
        if (reply.Resp3)
        {
            reply.Raw(","u8);
            reply.Raw(Encoding.ASCII.GetBytes(text));
            reply.Raw("\r\n"u8);
        }
        else reply.Bulk(text);
    }

    // ---- GEOADD ----

    private static void GeoAdd(CommandContext ctx)
    {
        var flags = ZAddFlags.None;
        bool ch = false;
        int longIndex = 2;
        for (; longIndex < ctx.ArgCount; longIndex++)
        {
            if (ctx.ArgIs(longIndex, "NX"u8)) flags |= ZAddFlags.Nx;
            else if (ctx.ArgIs(longIndex, "XX"u8)) flags |= ZAddFlags.Xx;
            else if (ctx.ArgIs(longIndex, "CH"u8)) ch = true;
            else break;
        }
        if ((ctx.ArgCount - longIndex) % 3 != 0 || flags == (ZAddFlags.Nx | ZAddFlags.Xx))
        {
            ctx.SyntaxError();
            return;
        }
        int elements = (ctx.ArgCount - longIndex) / 3;
        var scores = new double[elements];
        for (int i = 0; i < elements; i++)
        {
            if (!TryGetLonLat(ctx, longIndex + i * 3, out double lon, out double lat)) return;
            scores[i] = GeoHash.Score(lon, lat);
        }
        if (elements == 0)
        {
            ctx.SyntaxError();
            return;
        }
        SortedSetFamily.ZAddApply(ctx, flags, ch, scores, longIndex + 2, 3);
    }

    // ---- GEODIST / GEOHASH / GEOPOS ----

    private static void GeoDist(CommandContext ctx)
    {
        double toMeters = 1;
        if (ctx.ArgCount == 5)
        {
            toMeters = GetUnit(ctx, 4);
            if (toMeters < 0) return;
        }
        else if (ctx.ArgCount > 5)
        {
            ctx.SyntaxError();
            return;
        }
        if (!SortedSetFamily.TryRead(ctx, ctx.Arg(1), out var zset)) return;
        if (zset is null || !zset.TryGetScore(ctx.Arg(2), out double s1) || !zset.TryGetScore(ctx.Arg(3), out double s2))
        {
            ctx.Reply.NullBulk();
            return;
        }
        GeoHash.DecodeScore(s1, out double lon1, out double lat1);
        GeoHash.DecodeScore(s2, out double lon2, out double lat2);
        ReplyDistance(ctx.Reply, GeoHash.Distance(lon1, lat1, lon2, lat2) / toMeters);
    }

    private static void GeoHashCommand(CommandContext ctx)
    {
        if (!SortedSetFamily.TryRead(ctx, ctx.Arg(1), out var zset)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        Span<byte> hash = stackalloc byte[11];
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (zset is null || !zset.TryGetScore(ctx.Arg(j), out double score))
            {
                ctx.Reply.NullBulk();
                continue;
            }
            GeoHash.StandardHash(score, hash);
            ctx.Reply.Bulk(hash);
        }
    }

    private static void GeoPos(CommandContext ctx)
    {
        if (!SortedSetFamily.TryRead(ctx, ctx.Arg(1), out var zset)) return;
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            if (zset is null || !zset.TryGetScore(ctx.Arg(j), out double score))
            {
                ctx.Reply.NullArray();
                continue;
            }
            GeoHash.DecodeScore(score, out double lon, out double lat);
            ctx.Reply.ArrayHeader(2);
            ReplyCoordinate(ctx.Reply, lon);
            ReplyCoordinate(ctx.Reply, lat);
        }
    }

    // ---- GEORADIUS / GEOSEARCH ----

    [Flags]
    private enum SearchFlags
    {
        Coords = 1,
        Member = 2,
        NoStore = 4,
        Search = 8,
        SearchStore = 16,
    }

    private static void GeoRadius(CommandContext ctx) => Search(ctx, 1, SearchFlags.Coords);

    private static void GeoRadiusByMember(CommandContext ctx) => Search(ctx, 1, SearchFlags.Member);

    private static void GeoRadiusRo(CommandContext ctx) => Search(ctx, 1, SearchFlags.Coords | SearchFlags.NoStore);

    private static void GeoRadiusByMemberRo(CommandContext ctx) => Search(ctx, 1, SearchFlags.Member | SearchFlags.NoStore);

    private static void GeoSearch(CommandContext ctx) => Search(ctx, 1, SearchFlags.Search);

    private static void GeoSearchStore(CommandContext ctx) => Search(ctx, 2, SearchFlags.Search | SearchFlags.SearchStore);

    /// <summary>A point found by a search.</summary>
    private struct GeoPoint
    {
        public byte[] Member;
        public double Lon;
        public double Lat;
        public double Distance;
        public double Score;
    }

    /// <summary>extractDistanceOrReply: a non-negative radius and its unit.</summary>
    private static bool TryGetRadius(CommandContext ctx, int index, ref GeoShape shape)
    {
        if (!CDouble.TryParse(ctx.Arg(index), out double radius))
        {
            ctx.Error("ERR need numeric radius");
            return false;
        }
        if (radius < 0)
        {
            ctx.Error("ERR radius cannot be negative");
            return false;
        }
        double unit = GetUnit(ctx, index + 1);
        if (unit < 0) return false;
        shape.IsBox = false;
        shape.Radius = radius;
        shape.Conversion = unit;
        return true;
    }

    /// <summary>extractBoxOrReply: a non-negative width and height and their unit.</summary>
    private static bool TryGetBox(CommandContext ctx, int index, ref GeoShape shape)
    {
        if (!CDouble.TryParse(ctx.Arg(index), out double width))
        {
            ctx.Error("ERR need numeric width");
            return false;
        }
        if (!CDouble.TryParse(ctx.Arg(index + 1), out double height))
        {
            ctx.Error("ERR need numeric height");
            return false;
        }
        if (height < 0 || width < 0)
        {
            ctx.Error("ERR height or width cannot be negative");
            return false;
        }
        double unit = GetUnit(ctx, index + 2);
        if (unit < 0) return false;
        shape.IsBox = true;
        shape.Width = width;
        shape.Height = height;
        shape.Conversion = unit;
        return true;
    }

    private static bool TryCenterOfMember(CommandContext ctx, ZSetObject zset, int memberIndex, ref GeoShape shape)
    {
        if (!zset.TryGetScore(ctx.Arg(memberIndex), out double score))
        {
            ctx.Error("ERR could not decode requested zset member");
            return false;
        }
        GeoHash.DecodeScore(score, out shape.Lon, out shape.Lat);
        return true;
    }

    private enum Sort { None, Asc, Desc }

    /// <summary>Redis's georadiusGeneric for GEORADIUS[BYMEMBER][_RO], GEOSEARCH and GEOSEARCHSTORE.</summary>
    private static void Search(CommandContext ctx, int sourceIndex, SearchFlags flags)
    {
        if (!SortedSetFamily.TryRead(ctx, ctx.Arg(sourceIndex), out var zset)) return;
        var shape = new GeoShape();
        int baseArgs;
        int storeKey = -1;
        bool storeDist = false;
        if ((flags & SearchFlags.Coords) != 0)
        {
            baseArgs = 6;
            if (!TryGetLonLat(ctx, 2, out shape.Lon, out shape.Lat)) return;
            if (!TryGetRadius(ctx, baseArgs - 2, ref shape)) return;
        }
        else if ((flags & SearchFlags.Member) != 0)
        {
            baseArgs = 5;
            if (zset is not null)
            {
                if (!TryCenterOfMember(ctx, zset, 2, ref shape)) return;
                if (!TryGetRadius(ctx, baseArgs - 2, ref shape)) return;
            }
        }
        else
        {
            baseArgs = 2;
            if ((flags & SearchFlags.SearchStore) != 0)
            {
                baseArgs = 3;
                storeKey = 1;
            }
        }

        bool withDist = false, withHash = false, withCoords = false;
        bool fromMember = false, fromLonLat = false, byRadius = false, byBox = false;
        bool any = false;
        var sort = Sort.None;
        long count = 0;
        bool search = (flags & SearchFlags.Search) != 0;
        bool storeAllowed = (flags & (SearchFlags.NoStore | SearchFlags.Search)) == 0;
        int remaining = ctx.ArgCount - baseArgs;
        for (int i = 0; i < remaining; i++)
        {
            int a = baseArgs + i;
            if (ctx.ArgIs(a, "WITHDIST"u8)) withDist = true;
            else if (ctx.ArgIs(a, "WITHHASH"u8)) withHash = true;
            else if (ctx.ArgIs(a, "WITHCOORD"u8)) withCoords = true;
            else if (ctx.ArgIs(a, "ANY"u8)) any = true;
            else if (ctx.ArgIs(a, "ASC"u8)) sort = Sort.Asc;
            else if (ctx.ArgIs(a, "DESC"u8)) sort = Sort.Desc;
            else if (ctx.ArgIs(a, "COUNT"u8) && i + 1 < remaining)
            {
                if (!ctx.TryGetLong(a + 1, out count)) return;
                if (count <= 0)
                {
                    ctx.Error("ERR COUNT must be > 0");
                    return;
                }
                i++;
            }
            else if (ctx.ArgIs(a, "STORE"u8) && i + 1 < remaining && storeAllowed)
            {
                storeKey = a + 1;
                storeDist = false;
                i++;
            }
            else if (ctx.ArgIs(a, "STOREDIST"u8) && i + 1 < remaining && storeAllowed)
            {
                storeKey = a + 1;
                storeDist = true;
                i++;
            }
            else if (ctx.ArgIs(a, "STOREDIST"u8) && search && (flags & SearchFlags.SearchStore) != 0)
            {
                storeDist = true;
            }
            else if (ctx.ArgIs(a, "FROMMEMBER"u8) && i + 1 < remaining && search && !fromLonLat)
            {
                if (zset is not null && !TryCenterOfMember(ctx, zset, a + 1, ref shape)) return;
                fromMember = true;
                i++;
            }
            else if (ctx.ArgIs(a, "FROMLONLAT"u8) && i + 2 < remaining && search && !fromMember)
            {
                if (!TryGetLonLat(ctx, a + 1, out shape.Lon, out shape.Lat)) return;
                fromLonLat = true;
                i += 2;
            }
            else if (ctx.ArgIs(a, "BYRADIUS"u8) && i + 2 < remaining && search && !byBox)
            {
                if (!TryGetRadius(ctx, a + 1, ref shape)) return;
                byRadius = true;
                i += 2;
            }
            else if (ctx.ArgIs(a, "BYBOX"u8) && i + 3 < remaining && search && !byRadius)
            {
                if (!TryGetBox(ctx, a + 1, ref shape)) return;
                byBox = true;
                i += 3;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }

        if (storeKey >= 0 && (withDist || withHash || withCoords))
        {
            ctx.Error((flags & SearchFlags.SearchStore) != 0
                ? "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                : "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            return;
        }
        if (search && !(fromMember || fromLonLat))
        {
            ctx.Error($"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {ctx.ArgRaw(0)}");
            return;
        }
        if (search && !(byRadius || byBox))
        {
            ctx.Error($"ERR exactly one of BYRADIUS and BYBOX can be specified for {ctx.ArgRaw(0)}");
            return;
        }
        if (any && count == 0)
        {
            ctx.Error("ERR the ANY argument requires COUNT argument");
            return;
        }
        if (zset is null)
        {
            if (storeKey >= 0)
            {
                if (ctx.Db(ctx.Arg(storeKey)).Delete(ctx.Arg(storeKey))) ctx.Notify(NotifyClass.Generic, "del", ctx.Arg(storeKey));
                ctx.Reply.Integer(0);
            }
            else ctx.Reply.EmptyArray();
            return;
        }
        if (count != 0 && sort == Sort.None && !any) sort = Sort.Asc;

        var points = new List<GeoPoint>();
        var areas = GeoHash.CalculateAreas(shape);
        CollectAllNeighbors(zset, areas, shape, points, any ? count : 0);
        if (points.Count == 0 && storeKey < 0)
        {
            ctx.Reply.EmptyArray();
            return;
        }
        int resultLength = points.Count;
        int returned = count == 0 || resultLength < count ? resultLength : (int)count;
        var array = points.ToArray();
        if (sort != Sort.None)
        {
            Comparison<GeoPoint> compare = sort == Sort.Asc ? CompareAsc : CompareDesc;
            if (returned == resultLength) StableSort(array, compare);
            else PartialSort.Sort(array, compare, 0, returned - 1);
        }

        if (storeKey < 0)
        {
            int options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
            var reply = ctx.Reply;
            reply.ArrayHeader(returned);
            for (int i = 0; i < returned; i++)
            {
                ref var gp = ref array[i];
                double distance = gp.Distance / shape.Conversion;
                if (options > 0) reply.ArrayHeader(options + 1);
                reply.Bulk(gp.Member);
                if (withDist) ReplyDistance(reply, distance);
                if (withHash) reply.Integer((long)gp.Score);
                if (withCoords)
                {
                    reply.ArrayHeader(2);
                    ReplyCoordinate(reply, gp.Lon);
                    ReplyCoordinate(reply, gp.Lat);
                }
            }
            return;
        }

        var elements = new List<(byte[] Member, double Score)>(returned);
        for (int i = 0; i < returned; i++)
        {
            ref var gp = ref array[i];
            elements.Add((gp.Member, storeDist ? gp.Distance / shape.Conversion : gp.Score));
        }
        elements.Sort(BytesComparer.CompareElements);
        var outcome = SortedSetFamily.StoreResult(ctx, ctx.Arg(storeKey),
            SortedSetFamily.BuildSet(elements, SortedSetFamily.Limits(ctx)));
        SortedSetFamily.NotifyStore(ctx, ctx.Arg(storeKey), outcome, search ? "geosearchstore" : "georadiusstore");
        ctx.Reply.Integer(returned);
    }

    private static int CompareAsc(GeoPoint a, GeoPoint b) =>
        a.Distance > b.Distance ? 1 : a.Distance == b.Distance ? 0 : -1;

    private static int CompareDesc(GeoPoint a, GeoPoint b) => -CompareAsc(a, b);

    /// <summary>A stable sort (glibc's qsort is a merge sort for arrays like these).</summary>
    private static void StableSort(GeoPoint[] array, Comparison<GeoPoint> compare)
    {
        var sorted = array.Select((p, i) => (p, i)).OrderBy(x => x.p, Comparer<GeoPoint>.Create(compare)).ToArray();
        for (int i = 0; i < array.Length; i++) array[i] = sorted[i].p;
    }

    /// <summary>membersOfAllNeighbors: the center cell then its neighbours, skipping repeats, up to the limit.</summary>
    private static void CollectAllNeighbors(ZSetObject zset, in GeoSearchAreas areas, in GeoShape shape, List<GeoPoint> points, long limit)
    {
        Span<GeoHashBits> cells =
        [
            areas.Center, areas.North, areas.South, areas.East, areas.West,
            areas.NorthEast, areas.NorthWest, areas.SouthEast, areas.SouthWest,
        ];
        int lastProcessed = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            if (lastProcessed != 0 && cells[i] == cells[lastProcessed]) continue;
            if (points.Count > 0 && limit > 0 && points.Count >= limit) break;
            CollectCell(zset, cells[i], shape, points, limit);
            lastProcessed = i;
        }
    }

    private static void CollectCell(ZSetObject zset, GeoHashBits cell, in GeoShape shape, List<GeoPoint> points, long limit)
    {
        ulong min = GeoHash.Align52(cell);
        ulong max = GeoHash.Align52(cell with { Bits = cell.Bits + 1 });
        var range = new ScoreRange { Min = min, Max = max, MaxExclusive = true };
        var (first, last) = zset.RankRange(range);
        if (first > last) return;
        var visitor = new CellVisitor(shape, points, limit, last - first + 1);
        zset.Walk(first, false, ref visitor);
    }

    private struct CellVisitor(GeoShape shape, List<GeoPoint> points, long limit, int count) : IZVisitor
    {
        private int _left = count;

        public bool Visit(ReadOnlySpan<byte> member, double score)
        {
            GeoHash.DecodeScore(score, out double lon, out double lat);
            double distance;
            bool inside = shape.IsBox
                ? GeoHash.InRectangle(shape.Width * shape.Conversion, shape.Height * shape.Conversion, shape.Lon, shape.Lat, lon, lat, out distance)
                : (distance = GeoHash.Distance(shape.Lon, shape.Lat, lon, lat)) <= shape.Radius * shape.Conversion;
            if (inside)
                points.Add(new GeoPoint { Member = member.ToArray(), Lon = lon, Lat = lat, Distance = distance, Score = score });
            if (points.Count > 0 && limit > 0 && points.Count >= limit) return false;
            return --_left > 0;
        }
    }
}
