using System.Text;
using TdbPlus.Shards.Codecs;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>
/// Loads an RDB file (versions 1 to 10, as redis-server 7.0 does): AUX fields, SELECTDB, RESIZEDB, expiry
/// (seconds and ms), IDLE, FREQ, FUNCTION2 libraries and every value type, handing each to an
/// <see cref="IRdbLoadSink"/>; verifies the trailing CRC-64 unless it is 0 (rdbchecksum no). Corrupt input
/// throws <see cref="RdbFormatException"/> with the byte offset.
/// </summary>
public sealed class RdbReader
{
    private readonly RdbInput _in;
    private readonly RdbLimits _limits;

    public RdbReader(Stream stream, RdbLimits? limits = null)
    {
        _in = new RdbInput(stream);
        _limits = limits ?? RdbLimits.Default;
    }

    /// <summary>
    /// Bytes of RDB consumed. The reader buffers ahead, so the stream itself may be further on: a caller that
    /// reads on after the RDB (an AOF with an RDB preamble) seeks to its start position + BytesRead.
    /// </summary>
    public long BytesRead => _in.Offset - _in.Start;

    /// <summary>The RDB version from the header, once <see cref="Load"/> has read it.</summary>
    public int Version { get; private set; }

    public void Load(IRdbLoadSink sink)
    {
        Span<byte> magic = stackalloc byte[9];
        try
        {
            _in.ReadExact(magic);
        }
        catch (RdbFormatException)
        {
            throw _in.Error("file too short for the RDB header");
        }
        if (!magic[..5].SequenceEqual("REDIS"u8)) throw RdbFormatException.At(0, "wrong signature trying to load the DB from file");
        int version = 0;
        foreach (byte b in magic[5..])
        {
            if (b < '0' || b > '9') throw RdbFormatException.At(5, "RDB version is not a number");
            version = version * 10 + (b - '0');
        }
        if (version < 1 || version > RdbConstants.Version) throw RdbFormatException.At(5, $"can't handle RDB format version {version}");
        Version = version;

        int db = 0;
        long expireAt = 0, idle = -1;
        int freq = -1;
        while (true)
        {
            byte type = _in.ReadByte();
            switch (type)
            {
                case RdbConstants.OpExpireTime:
                    expireAt = _in.ReadInt32LittleEndian() * 1000L;
                    continue;
                case RdbConstants.OpExpireTimeMs:
                    expireAt = _in.ReadMillis();
                    continue;
                case RdbConstants.OpFreq:
                    freq = _in.ReadByte();
                    continue;
                case RdbConstants.OpIdle:
                    ulong idleValue = _in.ReadLength();
                    idle = idleValue > long.MaxValue ? long.MaxValue : (long)idleValue;
                    continue;
                case RdbConstants.OpSelectDb:
                    ulong dbId = _in.ReadLength();
                    if (dbId > int.MaxValue) throw _in.Error($"database id {dbId} out of range");
                    db = (int)dbId;
                    continue;
                case RdbConstants.OpResizeDb:
                    _in.ReadLength();
                    _in.ReadLength();
                    continue;
                case RdbConstants.OpAux:
                    string name = Encoding.UTF8.GetString(_in.ReadString(0));
                    sink.OnAux(name, _in.ReadString(1));
                    continue;
                case RdbConstants.OpModuleAux:
                    ulong moduleId = _in.ReadLength();
                    throw _in.Error($"the file has AUX data of module '{RdbModuleTypes.DecodeName(moduleId, out _)}', which is not loaded");
                case RdbConstants.OpFunctionPreRelease:
                    throw _in.Error("pre-release function format not supported");
                case RdbConstants.OpFunction2:
                    sink.OnFunction(_in.ReadStringUtf8());
                    continue;
                case RdbConstants.OpEof:
                    break;
                default:
                    if (!RdbConstants.IsObjectType(type)) throw _in.Error($"unknown RDB opcode or value type {type}");
                    var key = _in.ReadString(0);
                    var value = RdbValueReader.Read(_in, type, _limits, out bool empty);
                    if (!empty) sink.OnEntry(db, key, value, expireAt, idle, freq);
                    expireAt = 0;
                    idle = -1;
                    freq = -1;
                    continue;
            }
            break;
        }
        if (version >= 5)
        {
            ulong expected = _in.Crc;
            Span<byte> trailer = stackalloc byte[8];
            _in.ReadExact(trailer);
            ulong stored = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(trailer);
            if (stored != 0 && stored != expected)
                throw _in.Error($"wrong RDB checksum: the file says 0x{stored:x16}, the data gives 0x{expected:x16}");
        }
    }
}
