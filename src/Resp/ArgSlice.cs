namespace TdbPlus.Resp;

/// <summary>One command argument as a position in the connection's receive buffer.</summary>
public readonly record struct ArgSlice(int Offset, int Length);
