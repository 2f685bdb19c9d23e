using System.Buffers;
using System.Collections.Concurrent;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Persistence.Rdb;

namespace TdbPlus.Shards.Persistence.Snapshot;

/// <summary>
/// The RDB file a snapshot is written to: shards hand it chunks of whole entries, a writer thread appends them
/// in arrival order while it keeps the checksum, and the last shard's end seals the file (EOF, checksum, fsync)
/// and renames it over the target, so readers only ever see a complete file.
/// </summary>
internal sealed class SnapshotFile
{
    private const long MaxPendingBytes = 8L << 20;

    private readonly BlockingCollection<(byte[] Buffer, int Length)> _queue = new();
    private readonly ConcurrentQueue<Shard> _throttled = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FileStream _stream;
    private readonly string _tempPath;
    private readonly string _path;
    private Crc64 _crc;
    private long _pendingBytes;
    private int _shardsLeft;
    private Exception? _error;

    public SnapshotFile(string path, int shards)
    {
        _path = path;
        _tempPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"temp-{Environment.ProcessId}-{Guid.NewGuid():N}.rdb");
        _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        _shardsLeft = shards;
        new Thread(WriteLoop) { IsBackground = true, Name = "tdb-snapshot-writer" }.Start();
    }

    /// <summary>Completes when the file is sealed and in place; faults with the first error.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Bytes of the finished file.</summary>
    public long Length { get; private set; }

    /// <summary>Most bytes queued and not yet written at any moment: the snapshot's memory overhead.</summary>
    public long PeakPendingBytes { get; private set; }

    /// <summary>True when the writer is behind by more than the allowed buffer: shards pause their walks.</summary>
    public bool Throttled => Volatile.Read(ref _pendingBytes) > MaxPendingBytes;

    /// <summary>Queues the header; called before any shard starts, so it comes first.</summary>
    public void Start(ReadOnlySpan<byte> header) => Enqueue(header);

    /// <summary>Blocks while the writer is behind (a shard walking to completion without yielding).</summary>
    public void WaitWhileThrottled()
    {
        while (Throttled && !_completion.Task.IsCompleted) Thread.Sleep(1);
    }

    public void Enqueue(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        long pending = Interlocked.Add(ref _pendingBytes, bytes.Length);
        if (pending > PeakPendingBytes) PeakPendingBytes = pending;
        _queue.Add((buffer, bytes.Length));
    }

    /// <summary>A shard that found the writer behind asks to be woken when it catches up.</summary>
    public void WakeWhenDrained(Shard shard) => _throttled.Enqueue(shard);

    public void ShardDone(ShardSnapshot? shard, Exception? error)
    {
        if (error is not null) Interlocked.CompareExchange(ref _error, error, null);
        if (Interlocked.Decrement(ref _shardsLeft) == 0) _queue.CompleteAdding();
    }

    private void WriteLoop()
    {
        try
        {
            foreach (var (buffer, length) in _queue.GetConsumingEnumerable())
            {
                if (_error is null)
                {
                    _crc.Append(buffer.AsSpan(0, length));
                    _stream.Write(buffer, 0, length);
                }
                ArrayPool<byte>.Shared.Return(buffer);
                if (Interlocked.Add(ref _pendingBytes, -length) <= MaxPendingBytes / 2)
                    while (_throttled.TryDequeue(out var shard)) shard.Post(WakeUp.Instance);
            }
            if (_error is not null) throw _error;
            Seal();
            _completion.SetResult();
        }
        catch (Exception ex)
        {
            _stream.Dispose();
            TryDelete(_tempPath);
            while (_throttled.TryDequeue(out var shard)) shard.Post(WakeUp.Instance);
            _completion.SetException(ex);
        }
    }

    private void Seal()
    {
        Span<byte> tail = stackalloc byte[9];
        tail[0] = 0xFF; // RDB_OPCODE_EOF: the checksum covers it too
        _crc.Append(tail[..1]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(tail[1..], _crc.Value);
        _stream.Write(tail);
        _stream.Flush(flushToDisk: true);
        Length = _stream.Length;
        _stream.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        FileSync.Directory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A no-op message: waking a shard is the point.</summary>
    private sealed class WakeUp : IShardWork
    {
        public static readonly WakeUp Instance = new();

        public void Execute(Shard shard)
        {
        }
    }
}
