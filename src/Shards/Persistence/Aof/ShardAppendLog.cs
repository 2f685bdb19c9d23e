using Microsoft.Win32.SafeHandles;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>
/// One shard's incremental log file. Commands append into a byte buffer (no allocation once grown) on the
/// shard's thread; at the end of the shard's loop iteration the buffer goes to the file in one write; the
/// sync thread fsyncs what was written. Positions are the shard's log offsets: the file's offsets plus the
/// origin where this file took over from the shard's previous one, so they only grow across rewrites and
/// a wait for an earlier file's position is met by the later file.
/// </summary>
public sealed class ShardAppendLog : IShardLog, IDisposable
{
    private readonly AppendOnlyLog _owner;
    private readonly EffectLog _buffer = new();
    private readonly SafeFileHandle _handle;
    private readonly FileStream? _syncStream;
    private readonly long _origin;
    private long _fileLength;
    private long _written;
    private long _synced;
    private int _db = -1;

    internal ShardAppendLog(AppendOnlyLog owner, int shard, string path, long origin)
    {
        _origin = origin;
        _owner = owner;
        Shard = shard;
        Path = path;
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _fileLength = RandomAccess.GetLength(_handle);
        _written = _synced = origin + _fileLength;
        if (!OperatingSystem.IsLinux()) _syncStream = new FileStream(_handle, FileAccess.ReadWrite, 0);
    }

    public int Shard { get; }

    public string Path { get; }

    /// <summary>Where the next record will start (file plus buffer).</summary>
    public long Position => _origin + _fileLength + _buffer.Length;

    /// <summary>Position up to which records are in the file (readable from any thread).</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Bytes written to this file (INFO aof_current_size).</summary>
    public long FileBytes => Written - _origin;

    /// <summary>Position up to which records are on disk.</summary>
    public long Synced => Volatile.Read(ref _synced);

    /// <summary>Bytes buffered, not yet written (INFO aof_buffer_length; approximate from other threads).</summary>
    public int Buffered => _buffer.Length;

    /// <summary>Appends one command's records; returns the position after them.</summary>
    public long Append(int dbIndex, ReadOnlySpan<byte> records, int count)
    {
        Select(dbIndex);
        _buffer.Append(records, count);
        return Position;
    }

    /// <summary>MULTI, EXEC, TDB.TXBEGIN id n, TDB.TXEND id: the markers around a group or unit.</summary>
    public void Marker(ReadOnlySpan<byte> name, long id = 0, long participants = 0)
    {
        int argc = 1 + (id != 0 ? 1 : 0) + (participants != 0 ? 1 : 0);
        _buffer.Begin(argc);
        _buffer.Arg(name);
        if (id != 0) _buffer.Arg(id);
        if (participants != 0) _buffer.Arg(participants);
    }

    /// <summary>The next record writes a SELECT first, whatever the db (each unit copy stands alone).</summary>
    public void ForgetDb() => _db = -1;

    private void Select(int dbIndex)
    {
        if (_db == dbIndex) return;
        _buffer.Begin(2);
        _buffer.Arg("SELECT"u8);
        _buffer.Arg(dbIndex);
        _db = dbIndex;
    }

    public void KeyEvicted(int dbIndex, ReadOnlySpan<byte> key)
    {
        Select(dbIndex);
        _buffer.Begin(2);
        _buffer.Arg("DEL"u8);
        _buffer.Arg(key);
    }

    public void Flush()
    {
        int n = _buffer.Length;
        if (n == 0) return;
        try
        {
            RandomAccess.Write(_handle, _buffer.Written, _fileLength);
        }
        catch (IOException ex)
        {
            // Kept in the buffer: the next iteration tries again (Redis retries the write from serverCron).
            _owner.WriteFailed(this, ex);
            return;
        }
        _fileLength += n;
        _buffer.Clear();
        _buffer.Trim(4 * 1024 * 1024);
        Volatile.Write(ref _written, _origin + _fileLength);
        _owner.WriteSucceeded(this);
    }

    /// <summary>fsync of what was written (sync thread, or the shard's own thread under always). True when it synced something.</summary>
    internal bool Sync()
    {
        long w = Written;
        if (w <= Synced) return false;
        LogFileSync.Data(_handle, _syncStream);
        // The shard thread (always) and the sync thread may both sync: the mark only moves forward.
        long seen;
        while (w > (seen = Volatile.Read(ref _synced)) && Interlocked.CompareExchange(ref _synced, w, seen) != seen)
        {
        }
        return true;
    }

    public void Dispose()
    {
        _syncStream?.Dispose();
        _handle.Dispose();
    }
}
