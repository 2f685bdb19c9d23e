using System.Threading.Tasks.Sources;

namespace TdbPlus.Shards.Execution;

/// <summary>Awaitable countdown a connection waits on while shards run its commands; reused, allocation-free.</summary>
internal sealed class RunCompletion : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _pending;

    public ValueTask Start(int participants)
    {
        _core.Reset();
        _pending = participants;
        return new ValueTask(this, _core.Version);
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _pending) == 0) _core.SetResult(true);
    }

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
