using TdbPlus.Shards.Codecs;

namespace TdbPlus.Shards.Persistence.Rdb;

/// <summary>Reads the typed fields of a module value, refusing a field of another type than asked.</summary>
public readonly struct RdbModuleReader
{
    private readonly RdbInput _in;

    internal RdbModuleReader(RdbInput input) => _in = input;

    public long ReadSigned()
    {
        Expect(RdbConstants.ModuleOpSInt);
        return (long)_in.ReadLength();
    }

    public ulong ReadUnsigned()
    {
        Expect(RdbConstants.ModuleOpUInt);
        return _in.ReadLength();
    }

    public double ReadDouble()
    {
        Expect(RdbConstants.ModuleOpDouble);
        return _in.ReadBinaryDouble();
    }

    public byte[] ReadString()
    {
        Expect(RdbConstants.ModuleOpString);
        return _in.ReadStringBytes();
    }

    private void Expect(int opcode)
    {
        ulong op = _in.ReadLength();
        if (op != (ulong)opcode) throw _in.Error($"module value field has opcode {op}, expected {opcode}");
    }
}
