using System.Runtime.CompilerServices;
using System.Text;
using TdbPlus.Resp;
using TdbPlus.Shards.Engine;
using TdbPlus.Shards.Keyspace;
using TdbPlus.Shards.Storage;

namespace TdbPlus.Shards.Commands;

/// <summary>
/// Everything a handler sees while running one command: its arguments, the reply writer, the session and
/// the data of the shard(s) it may touch. One instance per connection and executor, reused per command.
/// </summary>
public sealed class CommandContext(ShardSet engine, ClientSession session, RespWriter reply)
{
    private byte[] _buffer = [];
    private ArgList _args = new();
    private int _argStart;

    public ShardSet Engine { get; } = engine;

    public ClientSession Session { get; internal set; } = session;

    public RespWriter Reply { get; internal set; } = reply;

    public CommandDef Command { get; internal set; } = null!;

    public int ArgCount { get; private set; }

    /// <summary>The database index the command runs against (the session's, captured when it was queued).</summary>
    public int DbIndex { get; internal set; }

    /// <summary>The shard whose thread runs the command, or null when the command holds several parked shards.</summary>
    public Shard? LocalShard { get; internal set; }

    /// <summary>Unix milliseconds at the start of the command; TTL checks use this one instant.</summary>
    public long Now { get; internal set; }

    /// <summary>Set when the handler replied with an error (failed_calls in commandstats).</summary>
    public bool Failed { get; private set; }

    public int ShardCount => Engine.Count;

    /// <summary>The executor running this context, for handlers that run commands themselves (scripts).</summary>
    public ICommandRunner? Runner { get; internal set; }

    /// <summary>True for the context of commands a script runs (MONITOR shows them as coming from "lua").</summary>
    public bool InScript { get; internal set; }

    /// <summary>Where this context's commands take <see cref="Now"/> and their commandstats time from.</summary>
    internal RunClock Timing { get; } = new();

    // The table hash of one key argument, computed before the command ran (to prefetch its bucket); 0: none.
    private int _hashedArg;
    private ulong _argHash;

    internal void Bind(byte[] buffer, ArgList args, int argStart, int argCount, int hashedArg = 0, ulong argHash = 0)
    {
        _buffer = buffer;
        _args = args;
        _argStart = argStart;
        ArgCount = argCount;
        _hashedArg = hashedArg;
        _argHash = argHash;
        Failed = false;
        BlockRequested = false;
        BlockingKeyCount = 0;
        ContinueShard = -1;
        ContinueState = null;
        Dirty = 0;
        DirtyShards = 0;
    }

    /// <summary>Keys this command changed so far (Redis's server.dirty delta): counted by <see cref="Notify(NotifyClass, string, ReadOnlySpan{byte})"/>.</summary>
    public int Dirty { get; internal set; }

    /// <summary>Shards whose keys this command changed (a bit per shard id).</summary>
    public ulong DirtyShards { get; internal set; }

    /// <summary>
    /// Set while the append-only log is on: a handler whose effect must be logged differently from its
    /// arguments writes the commands to log here (Redis's alsoPropagate); otherwise the log derives them.
    /// </summary>
    public EffectLog? Effects { get; internal set; }

    /// <summary>The buffer behind <see cref="Effects"/>, kept for reuse while logging is off.</summary>
    internal EffectLog? EffectBuffer { get; set; }

    private int[] _blockingKeys = new int[4];

    /// <summary>
    /// True when the command is being re-run to serve a client it had blocked (a key it waits on changed):
    /// the handler behaves as usual and calls <see cref="Block"/> again if there is still nothing for it.
    /// </summary>
    public bool Serving { get; internal set; }

    /// <summary>
    /// While serving a blocked client that declared <c>servesPerShard</c>: the state handed on by the run on
    /// the previous shard through <see cref="ContinueOn"/>; null on the first run.
    /// </summary>
    public object? Continuation { get; internal set; }

    internal int ContinueShard { get; private set; } = -1;

    internal object? ContinueState { get; private set; }

    /// <summary>
    /// True when the handler may touch <paramref name="key"/> now: always, except while serving a blocked
    /// client on one shard (<see cref="Serving"/> with servesPerShard), where only that shard's keys are here.
    /// </summary>
    public bool IsLocal(ReadOnlySpan<byte> key) =>
        LocalShard is not { } s || Engine.Count == 1 || Engine.ShardIndexFor(key) == s.Id;

    /// <summary>
    /// While serving on one shard: finish the command on the shard of <paramref name="key"/>, where the handler
    /// runs again with <see cref="Continuation"/> = <paramref name="state"/> (BLMOVE pops here, pushes there).
    /// Whatever the handler replies across its runs is the client's reply.
    /// </summary>
    public void ContinueOn(ReadOnlySpan<byte> key, object state)
    {
        ContinueShard = Engine.ShardIndexFor(key);
        ContinueState = state;
    }

    /// <summary>Keys may be served per shard (see <see cref="Block(long, bool, bool)"/>).</summary>
    public bool BlockServesPerShard { get; private set; }

    /// <summary>The handler found nothing and asked to block (it wrote no reply).</summary>
    public bool BlockRequested { get; private set; }

    /// <summary>Relative timeout in milliseconds of the requested block; 0 waits forever.</summary>
    public long BlockTimeoutMs { get; private set; }

    /// <summary>Reply on timeout: a null array (BLPOP, BZPOPMIN, XREAD...) or else a null bulk (BLMOVE).</summary>
    public bool BlockTimeoutNullArray { get; private set; }

    internal int BlockingKeyCount { get; private set; }

    internal int BlockingKeyArg(int i) => _blockingKeys[i];

    /// <summary>Names argument <paramref name="argIndex"/> as a key the command would wait on.</summary>
    public void AddBlockingKey(int argIndex)
    {
        if (BlockingKeyCount == _blockingKeys.Length) Array.Resize(ref _blockingKeys, _blockingKeys.Length * 2);
        _blockingKeys[BlockingKeyCount++] = argIndex;
    }

    /// <summary>
    /// Blocks the client on the keys added with <see cref="AddBlockingKey"/> instead of replying. Where a
    /// client may not block (MULTI, scripts) the engine answers the timeout reply at once, as Redis does.
    /// </summary>
    /// <param name="timeoutMs">Relative timeout; 0 waits forever.</param>
    /// <param name="timeoutReplyIsNullArray">The reply on timeout or CLIENT UNBLOCK: a null array, else a null bulk.</param>
    /// <param name="servesPerShard">
    /// The handler can be served on the one shard whose key was fed even when its keys span shards: while
    /// <see cref="Serving"/> it only touches keys for which <see cref="IsLocal"/> holds, and hands any work on
    /// other shards on with <see cref="ContinueOn"/>. Then a fed key serves the client at once, right after the
    /// feeding command, as Redis does. Otherwise such a client is woken to run the command again with all its
    /// shards parked, and another client may take the element first.
    /// </param>
    public void Block(long timeoutMs, bool timeoutReplyIsNullArray, bool servesPerShard = false)
    {
        BlockRequested = true;
        BlockTimeoutMs = timeoutMs;
        BlockTimeoutNullArray = timeoutReplyIsNullArray;
        BlockServesPerShard = servesPerShard;
    }

    /// <summary>The engine answered the block request itself (blocking not allowed here).</summary>
    internal void CancelBlock() => BlockRequested = false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Arg(int index)
    {
        var a = _args[_argStart + index];
        return new ReadOnlySpan<byte>(_buffer, a.Offset, a.Length);
    }

    /// <summary>
    /// <see cref="KeyHash.Hash"/> of argument <paramref name="index"/>, for the <see cref="Database"/> overloads
    /// that take it: the executor has usually computed it for the command's first key already.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong KeyHashOf(int index) => index == _hashedArg ? _argHash : KeyHash.Hash(Arg(index));

    /// <summary>Arguments <paramref name="start"/>.. as a command of their own (COMMAND GETKEYS runs key finders on them).</summary>
    public CommandArgs ArgsFrom(int start) =>
        new(_buffer, _args.Slice(_argStart + start, ArgCount - start));

    /// <summary>Case-insensitive match of an argument against an upper-case keyword.</summary>
    public bool ArgIs(int index, ReadOnlySpan<byte> upperKeyword) => CommandTable.EqualsIgnoreCase(upperKeyword, Arg(index));

    public string ArgString(int index) => Encoding.UTF8.GetString(Arg(index));

    /// <summary>The argument as Latin-1 text: every byte kept, for echoing client bytes in error messages.</summary>
    public string ArgRaw(int index) => Encoding.Latin1.GetString(Arg(index));

    /// <summary>The database holding <paramref name="key"/> in the current db index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Database Db(ReadOnlySpan<byte> key) =>
        LocalShard is { } s ? s.Databases[DbIndex] : Engine.Db(key, DbIndex);

    /// <summary>The shard holding <paramref name="key"/> (the local one when running on a shard).</summary>
    public Shard ShardOf(ReadOnlySpan<byte> key) => LocalShard ?? Engine.ShardFor(key);

    /// <summary>The database holding <paramref name="key"/> in another db index (MOVE, COPY DB).</summary>
    public Database Db(ReadOnlySpan<byte> key, int dbIndex) =>
        LocalShard is { } s ? s.Databases[dbIndex] : Engine.Db(key, dbIndex);

    /// <summary>
    /// The key event hook every write calls once per changed key, as Redis's notifyKeyspaceEvent +
    /// signalModifiedKey: publishes the keyspace notification when its class is enabled and invalidates the
    /// key for tracking clients. One field read when nobody listens.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key)
    {
        TouchWatches(key, DbIndex);
        var events = Engine.Events;
        if (events.Mask != 0) events.Emit(type, eventName, key, DbIndex, Session, Reply);
    }

    // A key really changed: its WATCHers' next EXEC must fail (Redis's signalModifiedKey goes with every event),
    // and it counts as a change (server.dirty) for the logs and save rules.
    private void TouchWatches(ReadOnlySpan<byte> key, int dbIndex)
    {
        var watches = CountChange(key).Watches;
        if (watches.Any) watches.Touch(dbIndex, key);
    }

    /// <summary>
    /// A change Redis makes without a keyspace event or a WATCH invalidation (consumer-group bookkeeping of
    /// XREADGROUP, XACK, XCLAIM): counted as a change (server.dirty) so that it is logged.
    /// </summary>
    public void Dirtied(ReadOnlySpan<byte> key) => CountChange(key);

    private ShardStore CountChange(ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        shard.Store.Dirty++;
        Dirty++;
        DirtyShards |= 1UL << shard.Id;
        return shard.Store;
    }

    /// <summary><see cref="Notify(NotifyClass, string, ReadOnlySpan{byte})"/> for a key in another database (MOVE, COPY DB).</summary>
    public void Notify(NotifyClass type, string eventName, ReadOnlySpan<byte> key, int dbIndex)
    {
        TouchWatches(key, dbIndex);
        var events = Engine.Events;
        if (events.Mask != 0) events.Emit(type, eventName, key, dbIndex, Session, Reply);
    }

    /// <summary>FLUSHDB (this db) / FLUSHALL (-1): tracking clients drop every cached key.</summary>
    public void NotifyFlushed(int dbIndex)
    {
        foreach (var shard in Engine.Shards) shard.Store.Dirty++;
        Dirty++;
        DirtyShards = Engine.AllShardsMask;
        var events = Engine.Events;
        if ((events.Mask & KeyspaceEvents.TrackingBit) != 0) events.Sink?.Flushed(dbIndex, Session);
    }

    public void Error(string message)
    {
        Failed = true;
        Reply.Error(message);
    }

    public void WrongType() => Error(Errors.WrongType);

    public void SyntaxError() => Error(Errors.Syntax);

    /// <summary>Parses an integer argument or replies Redis's error; false means the reply is written.</summary>
    public bool TryGetLong(int index, out long value, string? error = null)
    {
        if (NumberParser.TryParseInt64(Arg(index), out value)) return true;
        Error(error ?? Errors.NotInteger);
        return false;
    }
}
