using Xunit;
using Xunit.Abstractions;

namespace TdbPlus.RedisCompat;

/// <summary>Locates the case scripts copied beside the test assembly.</summary>
public static class CaseFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "cases");

    public static string[] All()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return [.. System.IO.Directory.GetFiles(Directory, "*.redis").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// One theory row per <c>cases/*.redis</c> file: every command is sent to TDB+ and to a real
/// redis-server and the raw replies must be byte-identical (or shape-identical for <c>@type</c>).
/// </summary>
public sealed class DifferentialTests(CompatServers servers, ITestOutputHelper output) : IClassFixture<CompatServers>
{
    public static TheoryData<string> Scripts
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var f in CaseFiles.All())
            {
                data.Add(f);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script(string file)
    {
        var script = CaseScript.Load(Path.Combine(CaseFiles.Directory, file));
        using var runner = new ScriptRunner(servers.Tdb.Port, servers.Redis.Port);
        var result = runner.Run(script);

        output.WriteLine(servers.Description);
        output.WriteLine(result.Summary);
        foreach (var note in result.DiffersNotes)
        {
            output.WriteLine("differs on purpose: " + note);
        }

        foreach (var line in result.Transcript)
        {
            output.WriteLine(line);
        }

        if (!result.Ok)
        {
            output.WriteLine(result.DescribeMismatches());
        }

        Assert.True(result.Ok, result.Summary + "\n" + result.DescribeMismatches());
        Assert.Equal(result.Compared, result.Passed);
    }
}

/// <summary>Guards the size of the suite so that it cannot shrink silently.</summary>
public sealed class CaseCountTests(ITestOutputHelper output)
{
    public const int MinimumComparedCases = 300;

    [Fact]
    public void SuiteHasAtLeast300ComparedCases()
    {
        var files = CaseFiles.All();
        Assert.NotEmpty(files);
        var total = 0;
        var differs = 0;
        foreach (var f in files)
        {
            var s = CaseScript.Load(Path.Combine(CaseFiles.Directory, f));
            output.WriteLine($"{f}: {s.ComparedCount} compared, {s.DiffersCount} differs-on-purpose");
            total += s.ComparedCount;
            differs += s.DiffersCount;
        }

        output.WriteLine($"total: {total} compared, {differs} differs-on-purpose");
        Assert.True(total >= MinimumComparedCases, $"only {total} compared cases in {files.Length} files; at least {MinimumComparedCases} are required");
    }
}
