using System.Runtime.InteropServices;

namespace TdbPlus.Server.Transport;

/// <summary>The few Linux system calls the epoll transport needs (x86-64 and arm64 layouts).</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc.so.6";

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;
    public const int EpollCloexec = 0x80000;
    public const int EfdNonblock = 0x800;
    public const int EfdCloexec = 0x80000;
    public const int MsgNoSignal = 0x4000;
    public const int MsgPeek = 0x2;
    public const int EAgain = 11;
    public const int EIntr = 4;

    /// <summary>struct epoll_event: packed on x86-64 (12 bytes), naturally aligned elsewhere (16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEventPacked
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct EpollEventAligned
    {
        public uint Events;
        public ulong Data;
    }

    public static bool PackedEvents => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, void* ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_wait(int epfd, void* events, int maxevents, int timeout);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, void* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, void* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, void* buf, nint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint send(int fd, void* buf, nint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>Adds or modifies interest in <paramref name="fd"/>, tagging events with <paramref name="data"/>.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        if (PackedEvents)
        {
            var ev = new EpollEventPacked { Events = events, Data = data };
            return epoll_ctl(epfd, op, fd, &ev);
        }
        var aligned = new EpollEventAligned { Events = events, Data = data };
        return epoll_ctl(epfd, op, fd, &aligned);
    }
}
