using TdbPlus.Resp;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Families;

/// <summary>
/// Walking the keyspace: SCAN (one shard per call, the cursor names it), KEYS and RANDOMKEY (every shard
/// parked). Expired keys are never returned.
/// </summary>
public static class ScanFamily
{
    public const string InvalidCursor = "ERR invalid cursor";

    [ThreadStatic]
    private static KeyBuffer? t_keys;

    public static IEnumerable<CommandDef> Commands() =>
    [
        Declare.Global("SCAN", -2, CommandFlags.ReadOnly, AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow,
            Scan, "Iterates over the key names in the database.", "2.8.0"),
        Declare.Global("KEYS", 2, CommandFlags.ReadOnly,
            AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow | AclCategories.Dangerous,
            Keys, "Returns all key names that match a pattern."),
        Declare.Global("RANDOMKEY", 1, CommandFlags.ReadOnly, AclCategories.Keyspace | AclCategories.Read | AclCategories.Slow,
            RandomKey, "Returns a random key name from the database."),
    ];

    private static void Scan(CommandContext ctx)
    {
        if (!ScanCursor.TryParse(ctx.Arg(1), out ulong cursor))
        {
            ctx.Error(InvalidCursor);
            return;
        }
        long count = 10;
        int patternArg = -1, typeArg = -1;
        for (int i = 2; i < ctx.ArgCount;)
        {
            bool hasValue = ctx.ArgCount - i >= 2;
            if (hasValue && ctx.ArgIs(i, "COUNT"u8))
            {
                if (!ctx.TryGetLong(i + 1, out count)) return;
                if (count < 1)
                {
                    ctx.SyntaxError();
                    return;
                }
            }
            else if (hasValue && ctx.ArgIs(i, "MATCH"u8)) patternArg = i + 1;
            else if (hasValue && ctx.ArgIs(i, "TYPE"u8)) typeArg = i + 1;
            else
            {
                ctx.SyntaxError();
                return;
            }
            i += 2;
        }

        // Every shard is parked for SCAN, so one call walks on into the next shard's table until COUNT
        // elements were visited: a small keyspace is done in one call with cursor 0, as in Redis.
        int shards = ctx.ShardCount;
        int shard = (int)(cursor % (ulong)shards);
        ulong tableCursor = ScanCursor.TableCursor(cursor, shards);
        var keys = t_keys ??= new KeyBuffer();
        var reply = ctx.Reply;
        reply.ArrayHeader(2);
        int cursorAt = reply.Length;
        int start = reply.BeginDeferred();
        int written = 0;
        long visited = 0;
        ulong nextCursor = 0;
        bool usePattern = patternArg >= 0 && !Glob.MatchesAll(ctx.Arg(patternArg));
        while (true)
        {
            var db = ctx.Engine.Shards[shard].Databases[ctx.DbIndex];
            keys.Clear();
            var collector = new Collector(keys, count - visited);
            ulong next = db.Scan(tableCursor, ref collector);
            visited += keys.Count;
            for (int k = 0; k < keys.Count; k++)
            {
                var key = keys[k];
                if (usePattern && !Glob.IsMatch(ctx.Arg(patternArg), key)) continue;
                if (typeArg >= 0)
                {
                    // As Redis: a read lookup (stats counted, no touch); a key it finds expired reads as "none".
                    nint rec = db.FindTouch(key, ctx.Now, noTouch: true);
                    string type = rec == 0 ? "none" : KeyType.Name(Record.Type(rec));
                    if (!EqualsAsciiIgnoreCase(ctx.Arg(typeArg), type)) continue;
                }
                else if (db.Find(key, ctx.Now) == 0)
                {
                    continue;
                }
                reply.Bulk(key);
                written++;
            }
            nextCursor = ScanCursor.Next(next, shard, shards);
            if (next != 0 || nextCursor == 0 || visited >= count) break;
            shard++;
            tableCursor = 0;
        }
        reply.EndDeferredArray(start, written);
        // The cursor is known only now: put it in front of the keys.
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(nextCursor, digits, out int n);
        var tail = reply.Written[cursorAt..].ToArray();
        reply.Truncate(cursorAt);
        reply.Bulk(digits[..n]);
        reply.Raw(tail);
        keys.Trim();
    }

    private static void Keys(CommandContext ctx)
    {
        var pattern = ctx.Arg(1);
        var lister = new Lister(ctx.Reply, Glob.MatchesAll(pattern) ? null : pattern.ToArray(), ctx.Now);
        int start = ctx.Reply.BeginDeferred();
        foreach (var shard in ctx.Engine.Shards) shard.Databases[ctx.DbIndex].ForEach(ref lister);
        ctx.Reply.EndDeferredArray(start, lister.Count);
    }

    private static void RandomKey(CommandContext ctx)
    {
        var shards = ctx.Engine.Shards;
        while (true)
        {
            long total = 0;
            foreach (var s in shards) total += s.Databases[ctx.DbIndex].Count;
            if (total == 0)
            {
                ctx.Reply.NullBulk();
                return;
            }
            // Pick a shard in proportion to its keys, so every key is about equally likely.
            long pick = Random.Shared.NextInt64(total);
            int i = 0;
            while (pick >= shards[i].Databases[ctx.DbIndex].Count)
            {
                pick -= shards[i].Databases[ctx.DbIndex].Count;
                i++;
            }
            var db = shards[i].Databases[ctx.DbIndex];
            nint rec = db.RandomRecord(ref shards[i].Rng);
            if (rec == 0) continue;
            if (Record.HasExpire(rec) && Record.ExpireAt(rec) < ctx.Now)
            {
                // dbRandomKey: reclaim it and draw again.
                db.Find(Record.Key(rec), ctx.Now);
                continue;
            }
            ctx.Reply.Bulk(Record.Key(rec));
            return;
        }
    }

    internal static bool EqualsAsciiIgnoreCase(ReadOnlySpan<byte> a, string b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            int x = a[i], y = b[i];
            if (x is >= 'A' and <= 'Z') x += 32;
            if (y is >= 'A' and <= 'Z') y += 32;
            if (x != y) return false;
        }
        return true;
    }

    /// <summary>Key bytes gathered by one SCAN step, filtered after the table walk (the walk must not delete).</summary>
    private sealed class KeyBuffer
    {
        private byte[] _bytes = new byte[4096];
        private int[] _ends = new int[64];
        private int _used;

        public int Count { get; private set; }

        public ReadOnlySpan<byte> this[int i] => _bytes.AsSpan(i == 0 ? 0 : _ends[i - 1], _ends[i] - (i == 0 ? 0 : _ends[i - 1]));

        public void Add(ReadOnlySpan<byte> key)
        {
            if (_bytes.Length - _used < key.Length) Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + key.Length));
            if (Count == _ends.Length) Array.Resize(ref _ends, _ends.Length * 2);
            key.CopyTo(_bytes.AsSpan(_used));
            _used += key.Length;
            _ends[Count++] = _used;
        }

        public void Clear()
        {
            _used = 0;
            Count = 0;
        }

        /// <summary>Drops buffers a huge COUNT grew, so an idle thread keeps little.</summary>
        public void Trim()
        {
            if (_bytes.Length > 1 << 20) _bytes = new byte[4096];
            if (_ends.Length > 1 << 16) _ends = new int[64];
            Clear();
        }
    }

    private struct Collector(KeyBuffer keys, long count) : IRecordVisitor
    {
        public bool Visit(nint rec)
        {
            keys.Add(Record.Key(rec));
            return keys.Count < count;
        }
    }

    private struct Lister(RespWriter reply, byte[]? pattern, long now) : IRecordVisitor
    {
        public int Count;

        public bool Visit(nint rec)
        {
            if (Record.HasExpire(rec) && Record.ExpireAt(rec) < now) return true;
            var key = Record.Key(rec);
            if (pattern is not null && !Glob.IsMatch(pattern, key)) return true;
            reply.Bulk(key);
            Count++;
            return true;
        }
    }
}
