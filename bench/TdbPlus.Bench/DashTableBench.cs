using System.Text;
using BenchmarkDotNet.Attributes;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Bench;

/// <summary>Dash table lookups and insert/remove cycles over 1M resident keys.</summary>
[MemoryDiagnoser]
public class DashTableBench
{
    private const int Keys = 1_000_000;
    private SlabArena _arena = null!;
    private DashTable _table = null!;
    private byte[][] _keys = [];
    private ulong[] _hashes = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _arena = new SlabArena();
        _table = new DashTable(_arena);
        _keys = new byte[Keys][];
        _hashes = new ulong[Keys];
        for (int i = 0; i < Keys; i++)
        {
            _keys[i] = Encoding.ASCII.GetBytes($"key:{i:D9}");
            _hashes[i] = KeyHash.Hash(_keys[i]);
            nint rec = Record.Create(_arena, _keys[i], 8, false);
            _table.Insert(rec, _hashes[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _table.Dispose();
        _arena.Dispose();
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public nint FindHit()
    {
        nint last = 0;
        for (int i = 0; i < 1024; i++)
        {
            int k = _next = (_next + 7919) % Keys;
            last = _table.Find(_keys[k], _hashes[k]);
        }
        return last;
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public nint RemoveInsert()
    {
        nint last = 0;
        for (int i = 0; i < 1024; i++)
        {
            int k = _next = (_next + 7919) % Keys;
            last = _table.Remove(_keys[k], _hashes[k]);
            _table.Insert(last, _hashes[k]);
        }
        return last;
    }
}
