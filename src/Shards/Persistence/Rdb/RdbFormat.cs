using System.Text;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Writes an RDB version 10 file piece by piece, as rdbSaveRio lays it out: "REDIS0010", AUX fields,
/// FUNCTION2 libraries, per database SELECTDB + RESIZEDB + entries, EOF and the CRC-64 of everything before it.
/// </summary>
public static class RdbFormat
{
    private static readonly byte[] s_magic = "REDIS0010"u8.ToArray();

    public static void WriteHeader(RdbOutput o, IEnumerable<KeyValuePair<string, string>> aux)
    {
        o.Write(s_magic);
        foreach (var (name, value) in aux) WriteAux(o, name, value);
    }

    /// <summary>One AUX field; values that are integers take the integer encoding, as rdbSaveAuxFieldStrInt does.</summary>
    public static void WriteAux(RdbOutput o, string name, string value)
    {
        o.WriteByte(RdbConstants.OpAux);
        o.WriteString(Encoding.UTF8.GetBytes(name), compress: false);
        o.WriteString(Encoding.UTF8.GetBytes(value), compress: false);
    }

    public static void WriteSelectDb(RdbOutput o, int db)
    {
        o.WriteByte(RdbConstants.OpSelectDb);
        o.WriteLength((ulong)db);
    }

    public static void WriteResizeDb(RdbOutput o, long size, long expires)
    {
        o.WriteByte(RdbConstants.OpResizeDb);
        o.WriteLength((ulong)size);
        o.WriteLength((ulong)expires);
    }

    /// <summary>
    /// One key (rdbSaveKeyValuePair): EXPIRETIME_MS when it has a TTL, IDLE or FREQ as the policy asks, then
    /// the type byte, the key and the value.
    /// </summary>
    public static void WriteEntry(RdbOutput o, Database db, nint rec, in RdbSaveOptions opts)
    {
        if (Record.HasExpire(rec))
        {
            o.WriteByte(RdbConstants.OpExpireTimeMs);
            o.WriteMillis(Record.ExpireAt(rec));
        }
        if (opts.Lru)
        {
            o.WriteByte(RdbConstants.OpIdle);
            o.WriteLength((ulong)(AccessTracker.IdleMs(Record.Lru(rec), opts.NowMs) / 1000));
        }
        else if (opts.Lfu)
        {
            o.WriteByte(RdbConstants.OpFreq);
            o.WriteByte((byte)db.Store.Access.DecayedFrequency(Record.Lru(rec), opts.NowMs));
        }
        if (Record.Type(rec) == KeyType.String)
        {
            // The hot path of a snapshot: no lookups, no allocation.
            o.WriteByte(RdbConstants.TypeString);
            o.WriteString(Record.Key(rec), opts.Compress);
            o.WriteString(Record.Value(rec), opts.Compress);
            return;
        }
        var value = db.Store.Objects.Get(Record.Handle(rec));
        o.WriteByte(RdbValueWriter.TypeOf(value));
        o.WriteString(Record.Key(rec), opts.Compress);
        RdbValueWriter.WriteValue(o, value, opts.Compress, opts.ListFill ?? -2, opts.ListCompressDepth);
    }

    /// <summary>A function library (opcode FUNCTION2 and its code, LZF-compressed under rdbcompression).</summary>
    public static void WriteFunction(RdbOutput o, string libraryCode) => WriteFunction(o, libraryCode, compress: true);

    public static void WriteFunction(RdbOutput o, string libraryCode, bool compress)
    {
        o.WriteByte(RdbConstants.OpFunction2);
        o.WriteString(Encoding.UTF8.GetBytes(libraryCode), compress);
    }

    /// <summary>
    /// EOF and the 8-byte little-endian checksum. <paramref name="crc"/> is the CRC-64 of every byte before the
    /// EOF opcode (the opcode is folded in here, as Redis's checksum covers it), or 0 when rdbchecksum is off.
    /// </summary>
    public static void WriteEof(RdbOutput o, ulong crc)
    {
        o.WriteByte(RdbConstants.OpEof);
        if (crc != 0) crc = Crc64.Update(crc, [RdbConstants.OpEof]);
        o.WriteUInt64LittleEndian(crc);
    }
}
