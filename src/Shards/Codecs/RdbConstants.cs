namespace TdbPlus.Shards.Codecs;

/// <summary>The type bytes, opcodes and encodings of RDB version 10 (Redis 7.0's rdb.h).</summary>
public static class RdbConstants
{
    public const int Version = 10;

    public const byte TypeString = 0;
    public const byte TypeList = 1;
    public const byte TypeSet = 2;
    public const byte TypeZSet = 3;
    public const byte TypeHash = 4;
    public const byte TypeZSet2 = 5;
    public const byte TypeModule = 6;
    public const byte TypeModule2 = 7;
    public const byte TypeHashZipmap = 9;
    public const byte TypeListZiplist = 10;
    public const byte TypeSetIntset = 11;
    public const byte TypeZSetZiplist = 12;
    public const byte TypeHashZiplist = 13;
    public const byte TypeListQuicklist = 14;
    public const byte TypeStreamListpacks = 15;
    public const byte TypeHashListpack = 16;
    public const byte TypeZSetListpack = 17;
    public const byte TypeListQuicklist2 = 18;
    public const byte TypeStreamListpacks2 = 19;

    public const byte OpFunction2 = 245;
    public const byte OpFunctionPreRelease = 246;
    public const byte OpModuleAux = 247;
    public const byte OpIdle = 248;
    public const byte OpFreq = 249;
    public const byte OpAux = 250;
    public const byte OpResizeDb = 251;
    public const byte OpExpireTimeMs = 252;
    public const byte OpExpireTime = 253;
    public const byte OpSelectDb = 254;
    public const byte OpEof = 255;

    /// <summary>Special string encodings behind a length byte of 11xxxxxx.</summary>
    public const int EncInt8 = 0;
    public const int EncInt16 = 1;
    public const int EncInt32 = 2;
    public const int EncLzf = 3;

    /// <summary>Quicklist node containers (quicklist.h).</summary>
    public const int QuicklistNodePlain = 1;
    public const int QuicklistNodePacked = 2;

    /// <summary>Module opcodes inside a module value (RDB_MODULE_OPCODE_*).</summary>
    public const int ModuleOpEof = 0;
    public const int ModuleOpSInt = 1;
    public const int ModuleOpUInt = 2;
    public const int ModuleOpFloat = 3;
    public const int ModuleOpDouble = 4;
    public const int ModuleOpString = 5;

    /// <summary>True for the value type bytes Redis 7.0 can load.</summary>
    public static bool IsObjectType(byte t) => t <= TypeModule2 || (t >= TypeHashZipmap && t <= TypeStreamListpacks2);
}
