namespace TdbPlus.Shards.Commands;

/// <summary>Redis's error texts, word for word, for the errors many commands share.</summary>
public static class Errors
{
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NoSuchKey = "ERR no such key";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string NoAuth = "NOAUTH Authentication required.";
    public const string Loading = "LOADING Redis is loading the dataset in memory";
    public const string Oom = "OOM command not allowed when used memory > 'maxmemory'.";
    public const string InvalidExpire = "ERR invalid expire time in '{0}' command";
    public const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

    public static string WrongArity(string fullName) => $"ERR wrong number of arguments for '{fullName}' command";

    public static string InvalidExpireTime(string commandName) => $"ERR invalid expire time in '{commandName}' command";
}
