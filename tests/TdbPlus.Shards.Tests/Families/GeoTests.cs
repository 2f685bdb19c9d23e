using System.Text;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Families.Geo;
using TdbPlus.Shards.Families.SortedSets;

namespace TdbPlus.Shards.Tests.Families;

/// <summary>Geohash, distances and formatting as Redis 7.0 computes them; expected values come from redis-server.</summary>
public sealed class GeoTests
{
    [Fact]
    public void ScoresAndPositionsMatchRedis()
    {
        Assert.Equal(3479099956230698UL, GeoHash.Score(13.361389, 38.115556));
        Assert.Equal(3479447370796909UL, GeoHash.Score(15.087269, 37.502669));
        GeoHash.DecodeScore(3479099956230698, out double lon, out double lat);
        Assert.Equal("13.36138933897018433", GeoFormat.Human(lon));
        Assert.Equal("38.11555639549629859", GeoFormat.Human(lat));
        Span<byte> hash = stackalloc byte[11];
        GeoHash.StandardHash(3479099956230698, hash);
        Assert.Equal("sqc8b49rny0", Encoding.ASCII.GetString(hash));
    }

    [Fact]
    public void ScoresOutsideTheGeohashRangeDecodeLikeRedis()
    {
        // Clamped to the valid ranges; negative scores wrap as x86-64 C conversions do.
        GeoHash.DecodeScore(13510798882111488, out double lon, out double lat);
        Assert.Equal("180", GeoFormat.Human(lon));
        Assert.Equal("85.0511287799999991", GeoFormat.Human(lat));
        GeoHash.DecodeScore(-5, out lon, out lat);
        Assert.Equal("180", GeoFormat.Human(lon));
        Assert.Equal("85.0511287799999991", GeoFormat.Human(lat));
        GeoHash.DecodeScore(1e20, out lon, out lat);
        Assert.Equal("-179.99999731779098511", GeoFormat.Human(lon));
        Assert.Equal("-85.05112751263942528", GeoFormat.Human(lat));
    }

    [Fact]
    public void DistancesMatchRedis()
    {
        GeoHash.DecodeScore(3479099956230698, out double lon1, out double lat1);
        GeoHash.DecodeScore(3479447370796909, out double lon2, out double lat2);
        double d = GeoHash.Distance(lon1, lat1, lon2, lat2);
        Assert.Equal("166274.1516", GeoFormat.Fixed(d, 4));
        Assert.Equal("166.2742", GeoFormat.Fixed(d / 1000, 4));
    }

    [Theory]
    [InlineData(200.0, 6, "200.000000")]
    [InlineData(-0.0, 6, "-0.000000")]
    [InlineData(0.125, 2, "0.12")]
    [InlineData(0.375, 2, "0.38")]
    [InlineData(-1.00005, 4, "-1.0001")]
    [InlineData(1e300, 0, "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160")]
    [InlineData(double.PositiveInfinity, 6, "inf")]
    public void FixedMatchesPrintf(double value, int decimals, string expected) =>
        Assert.Equal(expected, GeoFormat.Fixed(value, decimals));

    [Theory]
    [InlineData(-0.0, "0")]
    [InlineData(1.5, "1.5")]
    [InlineData(180.0, "180")]
    [InlineData(0.1, "0.10000000000000001")]
    public void HumanMatchesLd2String(double value, string expected) => Assert.Equal(expected, GeoFormat.Human(value));

    [Fact]
    public void PartialSortOrdersTheRequestedPrefix()
    {
        var rng = new Random(3);
        for (int round = 0; round < 200; round++)
        {
            int n = rng.Next(1, 300);
            var items = Enumerable.Range(0, n).Select(_ => rng.Next(50)).ToArray();
            int k = rng.Next(1, n + 1);
            var expected = items.OrderBy(x => x).Take(k).ToArray();
            PartialSort.Sort(items, (a, b) => a.CompareTo(b), 0, k - 1);
            Assert.Equal(expected, items.Take(k).ToArray());
        }
    }

    [Fact]
    public void SearchAreasCoverTheRadius()
    {
        var shape = new GeoShape { Lon = 15, Lat = 37, Radius = 200, Conversion = 1000 };
        var areas = GeoHash.CalculateAreas(shape);
        Assert.False(areas.Center.IsZero);
        int steps = GeoHash.EstimateStepsByRadius(200000, 37);
        Assert.InRange(areas.Center.Step, steps - 1, steps);
    }
}
