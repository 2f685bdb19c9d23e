using BenchmarkDotNet.Running;

namespace TdbPlus.Bench;

/// <summary>Runs the micro-benchmarks: dotnet run -c Release --project bench/TdbPlus.Bench -- --filter '*'.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
