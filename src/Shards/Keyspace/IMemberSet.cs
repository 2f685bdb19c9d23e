namespace TdbPlus.Shards.Keyspace;

/// <summary>Receives the members of an <see cref="IMemberSet"/>.</summary>
public interface IMemberVisitor
{
    void Visit(ReadOnlySpan<byte> member);
}

/// <summary>
/// A set value that other families can read without knowing its encoding: ZUNION, ZINTER, ZDIFF (and their
/// STORE forms) and ZINTERCARD accept plain sets as inputs, every member with score 1.
/// </summary>
public interface IMemberSet
{
    long Count { get; }

    bool Contains(ReadOnlySpan<byte> member);

    /// <summary>Visits every member once (integers of an intset as their decimal text).</summary>
    void ForEachMember<TVisitor>(ref TVisitor visitor) where TVisitor : IMemberVisitor, allows ref struct;
}
