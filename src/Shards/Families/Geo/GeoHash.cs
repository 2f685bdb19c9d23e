namespace TdbPlus.Shards.Families.Geo;

/// <summary>A geohash cell: interleaved bits (latitude on even bits, longitude on odd) at a precision in steps.</summary>
internal readonly record struct GeoHashBits(ulong Bits, int Step)
{
    public bool IsZero => Bits == 0 && Step == 0;
}

/// <summary>The bounds of a geohash cell.</summary>
internal readonly record struct GeoArea(double LonMin, double LonMax, double LatMin, double LatMax);

/// <summary>A search shape: a circle (radius) or an axis-aligned box (width x height), in the unit's conversion.</summary>
internal struct GeoShape
{
    public bool IsBox;
    public double Lon;
    public double Lat;
    public double Radius;
    public double Width;
    public double Height;

    /// <summary>Meters per unit (m 1, km 1000, ft 0.3048, mi 1609.34).</summary>
    public double Conversion;
}

/// <summary>The center cell and its eight neighbours to search (zeroed neighbours are skipped).</summary>
internal struct GeoSearchAreas
{
    public GeoHashBits Center;
    public GeoHashBits North, South, East, West, NorthEast, NorthWest, SouthEast, SouthWest;
}

/// <summary>
/// Redis's geohash: 52-bit interleaved coordinates (26 steps) over longitude [-180, 180] and latitude
/// [-85.05112878, 85.05112878], the haversine distance with Redis's earth radius, and the nine-cell search.
/// </summary>
internal static class GeoHash
{
    public const double LonMin = -180;
    public const double LonMax = 180;
    public const double LatMin = -85.05112878;
    public const double LatMax = 85.05112878;
    public const int StepMax = 26;
    private const double MercatorMax = 20037726.37;
    private const double EarthRadius = 6372797.560856;
    private const double DegToRad = Math.PI / 180.0;

    private static double DegRad(double angle) => angle * DegToRad;

    private static double RadDeg(double angle) => angle / DegToRad;

    private static ulong Interleave64(uint xlo, uint ylo)
    {
        ulong x = xlo, y = ylo;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        y = (y | (y << 2)) & 0x3333333333333333UL;
        x = (x | (x << 1)) & 0x5555555555555555UL;
        y = (y | (y << 1)) & 0x5555555555555555UL;
        return x | (y << 1);
    }

    private static ulong Deinterleave64(ulong interleaved)
    {
        ulong x = interleaved, y = interleaved >> 1;
        x &= 0x5555555555555555UL;
        y &= 0x5555555555555555UL;
        x = (x | (x >> 1)) & 0x3333333333333333UL;
        y = (y | (y >> 1)) & 0x3333333333333333UL;
        x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x >> 4)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y >> 4)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x >> 8)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y >> 8)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x >> 16)) & 0x00000000FFFFFFFFUL;
        y = (y | (y >> 16)) & 0x00000000FFFFFFFFUL;
        return x | (y << 32);
    }

    /// <summary>C's (uint32_t) conversion of an in-range non-negative double (truncation).</summary>
    private static uint ToUInt32(double d) => d >= 4294967296.0 ? (uint)((ulong)d & 0xFFFFFFFF) : (uint)d;

    /// <summary>geohashEncode over the given ranges; false for coordinates outside Redis's limits.</summary>
    public static bool Encode(double lonMin, double lonMax, double latMin, double latMax, double lon, double lat, int step,
        out GeoHashBits hash)
    {
        hash = default;
        if (step > 32 || step == 0) return false;
        if (lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin) return false;
        hash = new GeoHashBits(0, step);
        if (lat < latMin || lat > latMax || lon < lonMin || lon > lonMax) return false;
        double latOffset = (lat - latMin) / (latMax - latMin);
        double lonOffset = (lon - lonMin) / (lonMax - lonMin);
        latOffset *= 1UL << step;
        lonOffset *= 1UL << step;
        hash = new GeoHashBits(Interleave64(ToUInt32(latOffset), ToUInt32(lonOffset)), step);
        return true;
    }

    public static bool EncodeWgs84(double lon, double lat, int step, out GeoHashBits hash) =>
        Encode(LonMin, LonMax, LatMin, LatMax, lon, lat, step, out hash);

    public static GeoArea Decode(GeoHashBits hash) => Decode(LonMin, LonMax, LatMin, LatMax, hash);

    public static GeoArea Decode(double lonMin, double lonMax, double latMin, double latMax, GeoHashBits hash)
    {
        ulong sep = Deinterleave64(hash.Bits);
        double latScale = latMax - latMin;
        double lonScale = lonMax - lonMin;
        uint ilato = (uint)sep;
        uint ilono = (uint)(sep >> 32);
        double cells = 1UL << hash.Step;
        return new GeoArea(
            lonMin + ilono * 1.0 / cells * lonScale,
            lonMin + unchecked(ilono + 1U) * 1.0 / cells * lonScale,
            latMin + ilato * 1.0 / cells * latScale,
            latMin + unchecked(ilato + 1U) * 1.0 / cells * latScale);
    }

    /// <summary>The 52-bit score of a position (geohashAlign52Bits of the 26-step hash).</summary>
    public static ulong Score(double lon, double lat)
    {
        EncodeWgs84(lon, lat, StepMax, out var hash);
        return Align52(hash);
    }

    public static ulong Align52(GeoHashBits hash) => hash.Bits << (52 - hash.Step * 2);

    /// <summary>
    /// decodeGeohash: the cell center of a score, clamped to the valid ranges. The score becomes a 64-bit
    /// integer as x86-64 C code converts it (negative values wrap, values past 2^64 give 0).
    /// </summary>
    public static void DecodeScore(double score, out double lon, out double lat)
    {
        var area = Decode(new GeoHashBits(CToUInt64(score), StepMax));
        lon = (area.LonMin + area.LonMax) / 2;
        lon = Math.Clamp(lon, LonMin, LonMax);
        lat = (area.LatMin + area.LatMax) / 2;
        lat = Math.Clamp(lat, LatMin, LatMax);
    }

    private static ulong CToUInt64(double x)
    {
        const double two63 = 9223372036854775808.0;
        if (x < two63)
        {
            if (double.IsNaN(x) || x <= -two63) return 0x8000000000000000UL;
            return (ulong)(long)x;
        }
        double y = x - two63;
        if (y < two63) return (ulong)(long)y ^ 0x8000000000000000UL;
        return 0;
    }

    // ---- neighbours ----

    private static GeoHashBits MoveX(GeoHashBits hash, int d)
    {
        if (d == 0) return hash;
        ulong x = hash.Bits & 0xAAAAAAAAAAAAAAAAUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0x5555555555555555UL >> (64 - hash.Step * 2);
        if (d > 0) x += zz + 1;
        else
        {
            x |= zz;
            x -= zz + 1;
        }
        x &= 0xAAAAAAAAAAAAAAAAUL >> (64 - hash.Step * 2);
        return hash with { Bits = x | y };
    }

    private static GeoHashBits MoveY(GeoHashBits hash, int d)
    {
        if (d == 0) return hash;
        ulong x = hash.Bits & 0xAAAAAAAAAAAAAAAAUL;
        ulong y = hash.Bits & 0x5555555555555555UL;
        ulong zz = 0xAAAAAAAAAAAAAAAAUL >> (64 - hash.Step * 2);
        if (d > 0) y += zz + 1;
        else
        {
            y |= zz;
            y -= zz + 1;
        }
        y &= 0x5555555555555555UL >> (64 - hash.Step * 2);
        return hash with { Bits = x | y };
    }

    private static void Neighbors(GeoHashBits hash, ref GeoSearchAreas n)
    {
        n.East = MoveX(hash, 1);
        n.West = MoveX(hash, -1);
        n.South = MoveY(hash, -1);
        n.North = MoveY(hash, 1);
        n.NorthWest = MoveY(MoveX(hash, -1), 1);
        n.NorthEast = MoveY(MoveX(hash, 1), 1);
        n.SouthEast = MoveY(MoveX(hash, 1), -1);
        n.SouthWest = MoveY(MoveX(hash, -1), -1);
    }

    // ---- search areas ----

    public static int EstimateStepsByRadius(double rangeMeters, double lat)
    {
        if (rangeMeters == 0) return 26;
        int step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66)
        {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        if (step < 1) step = 1;
        if (step > 26) step = 26;
        return step;
    }

    /// <summary>geohashBoundingBox: [minLon, minLat, maxLon, maxLat] around the shape.</summary>
    public static void BoundingBox(in GeoShape shape, out double minLon, out double minLat, out double maxLon, out double maxLat)
    {
        double height = shape.Conversion * (shape.IsBox ? shape.Height / 2 : shape.Radius);
        double width = shape.Conversion * (shape.IsBox ? shape.Width / 2 : shape.Radius);
        double latDelta = RadDeg(height / EarthRadius);
        double lonDeltaTop = RadDeg(width / EarthRadius / Math.Cos(DegRad(shape.Lat + latDelta)));
        double lonDeltaBottom = RadDeg(width / EarthRadius / Math.Cos(DegRad(shape.Lat - latDelta)));
        bool southern = shape.Lat < 0;
        minLon = southern ? shape.Lon - lonDeltaBottom : shape.Lon - lonDeltaTop;
        maxLon = southern ? shape.Lon + lonDeltaBottom : shape.Lon + lonDeltaTop;
        minLat = shape.Lat - latDelta;
        maxLat = shape.Lat + latDelta;
    }

    /// <summary>geohashCalculateAreasByShapeWGS84: the center cell and the neighbours worth searching.</summary>
    public static GeoSearchAreas CalculateAreas(in GeoShape shape)
    {
        BoundingBox(shape, out double minLon, out double minLat, out double maxLon, out double maxLat);
        double radiusMeters = shape.IsBox
            ? Math.Sqrt(shape.Width / 2 * (shape.Width / 2) + shape.Height / 2 * (shape.Height / 2))
            : shape.Radius;
        radiusMeters *= shape.Conversion;
        int steps = EstimateStepsByRadius(radiusMeters, shape.Lat);
        var areas = default(GeoSearchAreas);
        EncodeWgs84(shape.Lon, shape.Lat, steps, out var hash);
        Neighbors(hash, ref areas);
        var area = Decode(hash);

        bool decrease = false;
        var north = Decode(areas.North);
        var south = Decode(areas.South);
        var east = Decode(areas.East);
        var west = Decode(areas.West);
        if (north.LatMax < maxLat) decrease = true;
        if (south.LatMin > minLat) decrease = true;
        if (east.LonMax < maxLon) decrease = true;
        if (west.LonMin > minLon) decrease = true;
        if (steps > 1 && decrease)
        {
            steps--;
            EncodeWgs84(shape.Lon, shape.Lat, steps, out hash);
            Neighbors(hash, ref areas);
            area = Decode(hash);
        }
        if (steps >= 2)
        {
            if (area.LatMin < minLat)
            {
                areas.South = default;
                areas.SouthWest = default;
                areas.SouthEast = default;
            }
            if (area.LatMax > maxLat)
            {
                areas.North = default;
                areas.NorthEast = default;
                areas.NorthWest = default;
            }
            if (area.LonMin < minLon)
            {
                areas.West = default;
                areas.SouthWest = default;
                areas.NorthWest = default;
            }
            if (area.LonMax > maxLon)
            {
                areas.East = default;
                areas.SouthEast = default;
                areas.NorthEast = default;
            }
        }
        areas.Center = hash;
        return areas;
    }

    // ---- distances ----

    /// <summary>The haversine distance in meters between two points given in degrees.</summary>
    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        double lat1r = DegRad(lat1);
        double lon1r = DegRad(lon1);
        double lat2r = DegRad(lat2);
        double lon2r = DegRad(lon2);
        double u = Math.Sin((lat2r - lat1r) / 2);
        double v = Math.Sin((lon2r - lon1r) / 2);
        return 2.0 * EarthRadius * Math.Asin(Math.Sqrt(u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v));
    }

    /// <summary>geohashGetDistanceIfInRectangle: inside when both axis distances are within half the box.</summary>
    public static bool InRectangle(double widthM, double heightM, double lon1, double lat1, double lon2, double lat2, out double distance)
    {
        distance = 0;
        double lonDistance = Distance(lon2, lat2, lon1, lat2);
        double latDistance = Distance(lon2, lat2, lon2, lat1);
        if (lonDistance > widthM / 2 || latDistance > heightM / 2) return false;
        distance = Distance(lon1, lat1, lon2, lat2);
        return true;
    }

    private const string Alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";

    /// <summary>The standard 11-character geohash of a score (re-encoded over latitude [-90, 90]).</summary>
    public static void StandardHash(double score, Span<byte> dest)
    {
        DecodeScore(score, out double lon, out double lat);
        Encode(-180, 180, -90, 90, lon, lat, 26, out var hash);
        for (int i = 0; i < 11; i++)
        {
            int idx = i == 10 ? 0 : (int)((hash.Bits >> (52 - (i + 1) * 5)) & 0x1F);
            dest[i] = (byte)Alphabet[idx];
        }
    }
}
