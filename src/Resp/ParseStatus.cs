namespace TdbPlus.Resp;

/// <summary>Outcome of trying to parse one command from a receive buffer.</summary>
public enum ParseStatus
{
    /// <summary>A whole command was parsed; its arguments are in the list.</summary>
    Complete,
    /// <summary>The buffer ends inside a command; read more and try again from the same position.</summary>
    Incomplete,
    /// <summary>A line that carries no command (empty inline line, <c>*0</c>, <c>*-1</c>) was consumed.</summary>
    Empty,
    /// <summary>The bytes break the protocol; reply with the error and close the connection.</summary>
    Error,
}
