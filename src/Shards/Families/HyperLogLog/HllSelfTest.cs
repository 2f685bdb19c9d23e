namespace TdbPlus.Shards.Families.HyperLogLog;

/// <summary>PFSELFTEST: the checks of Redis's pfselftestCommand, with Redis's failure messages.</summary>
public static class HllSelfTest
{
    /// <summary>Null on success, else the error reply.</summary>
    public static string? Run(long sparseMaxBytes, int elements = 10_000_000)
    {
        var random = Random.Shared;
        var dense = new byte[Hll.DenseSize];
        var registers = dense.AsSpan(Hll.HeaderSize);
        var expected = new byte[Hll.Registers];

        // Test 1: every register keeps its value and leaves its neighbours alone.
        for (int cycle = 0; cycle < 1000; cycle++)
        {
            for (int i = 0; i < Hll.Registers; i++)
            {
                int r = random.Next() & Hll.RegisterMax;
                expected[i] = (byte)r;
                Hll.DenseSet(registers, i, r);
            }
            for (int i = 0; i < Hll.Registers; i++)
            {
                int v = Hll.DenseGet(registers, i);
                if (v != expected[i]) return $"TESTFAILED Register {i} should be {expected[i]} but is {v}";
            }
        }

        // Test 2: approximation error, with dense and sparse representations agreeing.
        registers.Clear();
        var sparse = new HllBuffer();
        sparse.LoadEmpty();
        double relativeError = 1.04 / Math.Sqrt(Hll.Registers);
        long checkpoint = 1;
        ulong seed = (ulong)(uint)random.Next() | (ulong)(uint)random.Next() << 32;
        Span<byte> element = stackalloc byte[8];
        for (long j = 1; j <= elements; j++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(element, (ulong)j ^ seed);
            int count = Hll.PatternLength(element, out int index);
            Hll.DenseSetIfGreater(registers, index, count);
            sparse.Set(index, count, sparseMaxBytes);
            if (j != checkpoint) continue;

            if (j < sparseMaxBytes / 2 && sparse.IsDense) return "TESTFAILED sparse encoding not used";
            ulong denseCount = Hll.Count(dense, out _);
            if (denseCount != Hll.Count(sparse.Value, out _)) return "TESTFAILED dense/sparse disagree";
            long absError = Math.Abs(checkpoint - (long)denseCount);
            long maxError = (long)Math.Ceiling(relativeError * 6 * checkpoint);
            if (j == 10) maxError = 1;
            if (absError > maxError) return $"TESTFAILED Too big error. card:{checkpoint} abserr:{absError}";
            checkpoint *= 10;
        }
        return null;
    }
}
