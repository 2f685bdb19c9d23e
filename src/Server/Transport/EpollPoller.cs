using System.Runtime.InteropServices;
using TdbPlus.Shards.Engine;

namespace TdbPlus.Server.Transport;

/// <summary>Something registered with an <see cref="EpollPoller"/> that handles its own readiness events.</summary>
internal interface IEpollClient
{
    void OnEvents(uint events);
}

/// <summary>
/// One shard's epoll instance: the shard thread sleeps in epoll_wait instead of on an event, so socket I/O
/// and cross-shard messages wake the same loop. An eventfd carries the wake-ups from other threads.
/// </summary>
internal sealed unsafe class EpollPoller : IShardPoller, IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = 0;
    private readonly int _epfd;
    private readonly int _eventFd;
    private readonly byte* _events;
    private readonly int _eventSize;
    private IEpollClient?[] _clients = new IEpollClient?[64];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot = 1;
    private int _wakePending;

    public EpollPoller()
    {
        _epfd = Libc.epoll_create1(Libc.EpollCloexec);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _eventFd = Libc.eventfd(0, Libc.EfdNonblock | Libc.EfdCloexec);
        if (_eventFd < 0) throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        Libc.Control(_epfd, Libc.EpollCtlAdd, _eventFd, Libc.EpollIn | Libc.EpollEt, WakeToken);
        _eventSize = Libc.PackedEvents ? sizeof(Libc.EpollEventPacked) : sizeof(Libc.EpollEventAligned);
        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * _eventSize));
    }

    /// <summary>Registers a socket for edge-triggered read/write readiness; returns the slot to unregister with.</summary>
    public int Register(int fd, IEpollClient client)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= _clients.Length) Array.Resize(ref _clients, _clients.Length * 2);
        _clients[slot] = client;
        uint events = Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup | Libc.EpollEt;
        if (Libc.Control(_epfd, Libc.EpollCtlAdd, fd, events, (ulong)slot) != 0)
        {
            _clients[slot] = null;
            _freeSlots.Push(slot);
            return -1;
        }
        return slot;
    }

    public void Unregister(int fd, int slot)
    {
        Libc.Control(_epfd, Libc.EpollCtlDel, fd, 0, 0);
        _clients[slot] = null;
        _freeSlots.Push(slot);
    }

    public void Poll(int timeoutMs)
    {
        int n = Libc.epoll_wait(_epfd, _events, MaxEvents, timeoutMs);
        for (int i = 0; i < n; i++)
        {
            byte* e = _events + i * _eventSize;
            uint events = *(uint*)e;
            ulong data = Libc.PackedEvents ? *(ulong*)(e + 4) : *(ulong*)(e + 8);
            if (data == WakeToken)
            {
                // Drain first, then re-arm: a Wake() racing in between then skips its write, but this thread
                // is awake and looks at its queue next; the other order can leave the flag set with the
                // eventfd empty, and every later wake-up would be skipped.
                ulong counter;
                Libc.read(_eventFd, &counter, sizeof(ulong));
                Volatile.Write(ref _wakePending, 0);
                continue;
            }
            _clients[(int)data]?.OnEvents(events);
        }
    }

    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 1) return;
        ulong one = 1;
        Libc.write(_eventFd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        Libc.close(_eventFd);
        Libc.close(_epfd);
        NativeMemory.Free(_events);
    }
}
