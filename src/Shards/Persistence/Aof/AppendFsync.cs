namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>appendfsync: when the logs are fsynced.</summary>
public enum AppendFsync { No, EverySec, Always }
