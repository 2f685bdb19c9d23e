namespace TdbPlus.Shards.Execution;

/// <summary>Countdown of the shards still running a connection's run; the last one to finish calls back.</summary>
internal sealed class RunCompletion(Action onDone)
{
    private int _pending;

    public void Start(int participants) => Volatile.Write(ref _pending, participants);

    public void Signal()
    {
        if (Interlocked.Decrement(ref _pending) == 0) onDone();
    }
}
