using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Execution;

namespace TdbPlus.Shards.Tests.Execution;

/// <summary>Builds a pipeline batch from commands given as strings (Latin-1: every char one byte), as a connection would parse it.</summary>
public static class TestBatch
{
    public static CommandBatch Of(IEnumerable<string[]> commands)
    {
        var batch = new CommandBatch();
        var buffer = new MemoryStream();
        foreach (var cmd in commands)
        {
            int start = batch.Args.Count;
            foreach (var a in cmd)
            {
                var bytes = Encoding.Latin1.GetBytes(a);
                batch.Args.Add(new ArgSlice((int)buffer.Length, bytes.Length));
                buffer.Write(bytes);
            }
            batch.Add(start, cmd.Length);
        }
        batch.Buffer = buffer.ToArray();
        return batch;
    }
}
