namespace TdbPlus.Shards.Storage;

/// <summary>Callback for <see cref="DashTable"/> walks; a struct so the walk is specialised and allocation free.</summary>
public interface IRecordVisitor
{
    /// <summary>Called for one record; return false to stop the walk. Must not insert into or remove from the table.</summary>
    bool Visit(nint rec);
}
