using System.Buffers.Binary;
using TdbPlus.Shards.Codecs;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// DUMP's serialisation (createDumpPayload / verifyDumpPayload): the RDB type byte and value, the RDB version
/// as 2 bytes little-endian, and the CRC-64 of all that as 8 bytes little-endian.
/// </summary>
public static class DumpPayload
{
    /// <summary>Appends the payload of <paramref name="rec"/> to <paramref name="o"/>.</summary>
    public static void Write(RdbOutput o, Database db, nint rec, bool compress, int listFill, int listCompressDepth = 0)
    {
        int start = o.Length;
        if (Record.Type(rec) == KeyType.String)
        {
            o.WriteByte(RdbConstants.TypeString);
            o.WriteString(Record.Value(rec), compress);
        }
        else
        {
            var value = db.Store.Objects.Get(Record.Handle(rec));
            o.WriteByte(RdbValueWriter.TypeOf(value));
            RdbValueWriter.WriteValue(o, value, compress, listFill, listCompressDepth);
        }
        o.WriteUInt16LittleEndian(RdbConstants.Version);
        o.WriteUInt64LittleEndian(Crc64.Compute(o.Written[start..]));
    }

    /// <summary>True when the footer's version is one we read and the checksum matches.</summary>
    public static bool Verify(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 10) return false;
        int version = BinaryPrimitives.ReadUInt16LittleEndian(payload[^10..]);
        if (version > RdbConstants.Version) return false;
        ulong crc = BinaryPrimitives.ReadUInt64LittleEndian(payload[^8..]);
        return Crc64.Compute(payload[..^8]) == crc;
    }

    /// <summary>
    /// Decodes a verified payload's value; throws <see cref="RdbFormatException"/> for bad data (Redis's
    /// "Bad data format"), including a value with no elements.
    /// </summary>
    public static RdbValue Read(byte[] payload, RdbLimits limits)
    {
        var input = new RdbInput(new MemoryStream(payload, 0, payload.Length - 10, writable: false), 4096);
        byte type = input.ReadByte();
        if (!RdbConstants.IsObjectType(type)) throw input.Error($"unknown value type {type}");
        var value = RdbValueReader.Read(input, type, limits, out bool empty);
        if (empty) throw input.Error("empty value");
        return value;
    }
}
