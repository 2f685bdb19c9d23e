using TdbPlus.Server.Hosting;

namespace TdbPlus.Server;

/// <summary>Entry point: tdbplus [redis.conf] [--directive value ...].</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var config = new TdbPlus.Shards.Config.ServerConfig();
        if (!ConfigLoader.TryLoad(config, args, out string? error))
        {
            Console.Error.WriteLine($"*** FATAL CONFIG FILE ERROR (TDB+) ***\n{error}");
            return 1;
        }
        string? configFile = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? Path.GetFullPath(args[0]) : null;
        using var host = new ServerHost(config, configFile);
        return host.Run();
    }
}
