using System.Buffers;
using TdbPlus.Resp;

namespace TdbPlus.Shards.Families.Streams;

/// <summary>
/// Iterates the live entries of a stream between two IDs (inclusive), forward or backward (Redis's
/// streamIterator). The stream must not change while a cursor is in use. Dispose after a backward walk.
/// </summary>
public struct StreamCursor : IDisposable
{
    private readonly StreamObject _stream;
    private readonly StreamId _start;
    private readonly StreamId _end;
    private readonly bool _reverse;
    private int _node;          // relative node index; -2 = not started, -1 = done
    private int _pos;           // forward: offset of the next entry; backward: index into _offsets
    private int _nodeEnd;
    private int[]? _offsets;
    private int _masterFields;
    private int _masterFieldsOffset;
    private byte[] _current;
    private EntryHeader _entry;

    public StreamCursor(StreamObject stream, StreamId start, StreamId end, bool reverse)
    {
        _stream = stream;
        _start = start;
        _end = end;
        _reverse = reverse;
        _node = -2;
        _current = [];
    }

    /// <summary>The current entry's ID.</summary>
    public readonly StreamId Id => _entry.Id;

    /// <summary>Number of field/value pairs of the current entry.</summary>
    public readonly int FieldCount => _entry.FieldCount;

    public bool MoveNext()
    {
        if (_node == -1) return false;
        if (_node == -2)
        {
            if (_stream.NodeCount == 0) return Done();
            if (!_reverse)
            {
                int n = _stream.FindNodeAtOrBefore(_start);
                if (!OpenNode(n < 0 ? 0 : n)) return Done();
            }
            else
            {
                int n = _stream.FindNodeAtOrBefore(_end);
                if (n < 0 || !OpenNode(n)) return Done();
            }
        }
        var master = _stream.KeyAt(_node);
        while (true)
        {
            if (!_reverse)
            {
                while (_pos < _nodeEnd)
                {
                    int p = _pos;
                    _pos = StreamNode.ReadEntry(_current, p, master, _masterFields, out var e);
                    if (e.IsDeleted || e.Id < _start) continue;
                    if (e.Id > _end) return Done();
                    _entry = e;
                    return true;
                }
                if (_node + 1 >= _stream.NodeCount || !OpenNode(_node + 1)) return Done();
            }
            else
            {
                while (_pos > 0)
                {
                    int p = _offsets![--_pos];
                    StreamNode.ReadEntry(_current, p, master, _masterFields, out var e);
                    if (e.IsDeleted || e.Id > _end) continue;
                    if (e.Id < _start) return Done();
                    _entry = e;
                    return true;
                }
                if (_node == 0 || !OpenNode(_node - 1)) return Done();
            }
            master = _stream.KeyAt(_node);
        }
    }

    private bool OpenNode(int n)
    {
        _node = n;
        _current = _stream.NodeAt(n);
        _masterFields = StreamNode.MasterFields(_current, out _masterFieldsOffset);
        _nodeEnd = StreamNode.Used(_current);
        _pos = StreamNode.EntriesStart(_current);
        if (_reverse)
        {
            int total = StreamNode.Live(_current) + StreamNode.Deleted(_current);
            if (_offsets is null || _offsets.Length < total)
            {
                if (_offsets is not null) ArrayPool<int>.Shared.Return(_offsets);
                _offsets = ArrayPool<int>.Shared.Rent(Math.Max(total, 16));
            }
            var master = _stream.KeyAt(n);
            int p = _pos, k = 0;
            while (p < _nodeEnd)
            {
                _offsets[k++] = p;
                p = StreamNode.ReadEntry(_current, p, master, _masterFields, out _);
            }
            _pos = k;
        }
        return true;
    }

    private bool Done()
    {
        _node = -1;
        return false;
    }

    /// <summary>The current entry's field/value pairs.</summary>
    public readonly EntryFields Fields => new(_current, _entry, _masterFieldsOffset);

    /// <summary>Writes the current entry as Redis replies it: [id, [field, value, ...]].</summary>
    public readonly void WriteEntry(RespWriter w)
    {
        w.ArrayHeader(2);
        _entry.Id.WriteBulk(w);
        WriteFieldArray(w);
    }

    /// <summary>Writes [field, value, ...] of the current entry.</summary>
    public readonly void WriteFieldArray(RespWriter w)
    {
        w.ArrayHeader(_entry.FieldCount * 2);
        var f = Fields;
        while (f.Next(out var field, out var value))
        {
            w.Bulk(field);
            w.Bulk(value);
        }
    }

    public void Dispose()
    {
        if (_offsets is not null) ArrayPool<int>.Shared.Return(_offsets);
        _offsets = null;
    }
}

/// <summary>Reads the field/value pairs of one entry in place.</summary>
public ref struct EntryFields
{
    private readonly byte[] _node;
    private readonly bool _same;
    private int _fieldPos;
    private int _pos;
    private int _remaining;

    internal EntryFields(byte[] node, scoped in EntryHeader e, int masterFieldsOffset)
    {
        _node = node;
        _same = e.SameFields;
        _fieldPos = masterFieldsOffset;
        _pos = e.BodyOffset;
        _remaining = e.FieldCount;
    }

    public bool Next(out ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        if (_remaining == 0)
        {
            field = default;
            value = default;
            return false;
        }
        _remaining--;
        field = _same ? StreamNode.ReadString(_node, ref _fieldPos) : StreamNode.ReadString(_node, ref _pos);
        value = StreamNode.ReadString(_node, ref _pos);
        return true;
    }
}
