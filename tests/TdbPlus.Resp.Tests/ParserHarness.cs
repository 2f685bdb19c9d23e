using System.Text;

namespace TdbPlus.Resp.Tests;

/// <summary>Feeds bytes to a parser the way a connection does (growing buffer, resumable), collecting commands.</summary>
internal sealed class ParserHarness
{
    private readonly RespParser _parser = new();
    private readonly ArgList _args = new();
    private byte[] _buffer = new byte[64];
    private int _filled;
    private int _pos;
    private int _committed;

    public List<string[]> Commands { get; } = [];

    public string? Error { get; private set; }

    public int Empties { get; private set; }

    public RespParser Parser => _parser;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        if (_buffer.Length - _filled < bytes.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _filled + bytes.Length));
        bytes.CopyTo(_buffer.AsSpan(_filled));
        _filled += bytes.Length;
        while (Error is null)
        {
            int start = _committed;
            var status = _parser.TryParse(_buffer.AsSpan(0, _filled), ref _pos, _args);
            if (status == ParseStatus.Incomplete) break;
            if (status == ParseStatus.Error)
            {
                Error = _parser.Error;
                break;
            }
            if (status == ParseStatus.Empty)
            {
                Empties++;
                continue;
            }
            var cmd = new string[_args.Count - start];
            for (int i = 0; i < cmd.Length; i++)
            {
                var a = _args[start + i];
                cmd[i] = Encoding.Latin1.GetString(_buffer, a.Offset, a.Length);
            }
            Commands.Add(cmd);
            _committed = _args.Count;
        }
        Compact();
    }

    // Moves unparsed bytes to the front like the connection does, exercising Rebase and ArgsRemoved.
    private void Compact()
    {
        _args.RemoveFront(_committed);
        _parser.ArgsRemoved(_committed);
        _committed = 0;
        if (_pos == 0) return;
        Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _filled - _pos);
        _parser.Rebase(_pos, _args);
        _filled -= _pos;
        _pos = 0;
    }

    public static List<string[]> ParseAll(string text, int chunk = int.MaxValue)
    {
        var h = new ParserHarness();
        var bytes = Encoding.Latin1.GetBytes(text);
        for (int i = 0; i < bytes.Length; i += chunk) h.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        Assert.Null(h.Error);
        return h.Commands;
    }
}
