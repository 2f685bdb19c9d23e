using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Re-homes and duplicates records for RENAME, MOVE and COPY. Records live in their shard's arena, so a
/// key always gets a fresh record in the target database; a rich value's object changes tables when the
/// target is another shard.
/// </summary>
internal static class KeyTransfer
{
    /// <summary>
    /// Moves <paramref name="rec"/> (live in <paramref name="source"/>) to <paramref name="target"/> under
    /// <paramref name="targetKey"/>, keeping value, TTL, flags and access data (Redis moves the same robj).
    /// The caller has made sure <paramref name="targetKey"/> is absent from <paramref name="target"/>.
    /// </summary>
    public static nint Move(Database source, nint rec, Database target, ReadOnlySpan<byte> targetKey, long nowMs)
    {
        byte type = Record.Type(rec);
        int length = type == KeyType.String ? Record.ValueLength(rec) : 0;
        nint fresh = target.Create(targetKey, length, Record.ExpireAt(rec), type, nowMs);
        Record.SetFlags(fresh, Record.Flags(rec));
        Record.SetLru(fresh, Record.Lru(rec));
        if (type == KeyType.String)
        {
            Record.Value(rec).CopyTo(Record.Value(fresh));
        }
        else
        {
            int handle = Record.Handle(rec);
            if (source.Store != target.Store)
            {
                object value = source.Store.Objects.Get(handle);
                source.Store.Objects.Remove(handle);
                handle = target.Store.Objects.Add(value);
                if (value is IKeyObject sized)
                {
                    source.Store.ObjectBytes -= sized.MemoryBytes;
                    target.Store.ObjectBytes += sized.MemoryBytes;
                }
            }
            Record.SetHandle(fresh, handle);
        }
        source.Unlink(rec);
        Record.Free(source.Store.Arena, rec);
        return fresh;
    }

    /// <summary>
    /// Stores a copy of <paramref name="rec"/> in <paramref name="target"/> under <paramref name="targetKey"/>
    /// with the same TTL and encoding and fresh access data (Redis's COPY duplicates the object). Rich values
    /// are deep-copied through <see cref="IKeyObject.Clone"/>; returns 0 when the value cannot be copied.
    /// </summary>
    public static nint Copy(nint rec, Database source, Database target, ReadOnlySpan<byte> targetKey, long nowMs)
    {
        byte type = Record.Type(rec);
        if (type == KeyType.String)
        {
            nint fresh = target.Create(targetKey, Record.ValueLength(rec), Record.ExpireAt(rec), type, nowMs);
            Record.SetFlags(fresh, Record.Flags(rec));
            Record.Value(rec).CopyTo(Record.Value(fresh));
            return fresh;
        }
        if (source.Store.Objects.Get(Record.Handle(rec)) is not IKeyObject value) return 0;
        nint created = target.CreateObject(targetKey, type, value.Clone(), Record.ExpireAt(rec), nowMs);
        Record.SetFlags(created, Record.Flags(rec));
        return created;
    }
}
