using System.Threading.Tasks.Sources;

namespace TdbPlus.Shards.Execution;

/// <summary>Reusable awaitable a connection waits on while its batch is suspended; allocation-free.</summary>
internal sealed class ResumeSignal(bool continueOnThreadPool) : IValueTaskSource
{
    // The thread-per-core transport resumes on its home shard's thread and must stay there; the portable
    // one must not run a connection on the shard thread that completed its work.
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = continueOnThreadPool };

    public short Version => _core.Version;

    public void Reset() => _core.Reset();

    public void SetResult(bool value) => _core.SetResult(value);

    public void GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
