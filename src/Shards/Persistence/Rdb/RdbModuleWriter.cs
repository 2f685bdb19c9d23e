using TdbPlus.Shards.Codecs;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>Writes the typed fields of a module value (RedisModule_Save* with their opcodes).</summary>
public readonly struct RdbModuleWriter(RdbOutput o)
{
    public void WriteSigned(long v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpSInt);
        o.WriteLength((ulong)v);
    }

    public void WriteUnsigned(ulong v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpUInt);
        o.WriteLength(v);
    }

    public void WriteDouble(double v)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpDouble);
        o.WriteBinaryDouble(v);
    }

    public void WriteString(ReadOnlySpan<byte> s)
    {
        o.WriteLength((ulong)RdbConstants.ModuleOpString);
        o.WriteString(s, compress: false);
    }
}
