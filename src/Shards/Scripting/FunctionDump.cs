using System.Buffers.Binary;
using TdbPlus.Shards.Codecs;

namespace TdbPlus.Shards.Scripting;

/// <summary>
/// FUNCTION DUMP / RESTORE payloads in Redis 7.0's format: for each library RDB_OPCODE_FUNCTION2 (245) and its
/// code as an RDB string (LZF-compressed when that is shorter, as Redis does with rdbcompression on), then the
/// RDB version (10, two bytes little endian) and the CRC64 (Jones, little endian) of everything before.
/// </summary>
public static class FunctionDump
{
    private const string WrongPayload = "ERR DUMP payload version or checksum are wrong";

    public static byte[] Dump(IEnumerable<FunctionLibrary> libraries)
    {
        var o = new RdbOutput();
        foreach (var lib in libraries)
        {
            o.WriteByte(RdbConstants.OpFunction2);
            o.WriteString(lib.Code, compress: true);
        }
        o.WriteUInt16LittleEndian(RdbConstants.Version);
        o.WriteUInt64LittleEndian(Crc64.Compute(o.Written));
        return o.Written.ToArray();
    }

    /// <summary>Parses a payload; null with the error reply when it is not valid.</summary>
    public static List<byte[]>? Parse(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        if (payload.Length < 10)
        {
            error = WrongPayload;
            return null;
        }
        var footer = payload[^10..];
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        ulong crc = BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]);
        if (version > RdbConstants.Version || Crc64.Compute(payload[..^8]) != crc)
        {
            error = WrongPayload;
            return null;
        }
        var input = new RdbInput(new MemoryStream(payload[..^10].ToArray()));
        var codes = new List<byte[]>();
        try
        {
            while (!input.AtEnd)
            {
                byte op = input.ReadByte();
                if (op == RdbConstants.OpFunctionPreRelease)
                {
                    error = "ERR Pre-GA function format not supported";
                    return null;
                }
                if (op != RdbConstants.OpFunction2)
                {
                    error = "ERR given type is not a function";
                    return null;
                }
                codes.Add(input.ReadStringBytes());
            }
        }
        catch (RdbFormatException)
        {
            error = "ERR Failed loading library";
            return null;
        }
        return codes;
    }
}
