using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>fsync of a file's data (fdatasync on Linux) and of a directory (so a rename survives a crash).</summary>
internal static partial class FileSync
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    public static void Data(SafeFileHandle handle, FileStream? fallback)
    {
        if (OperatingSystem.IsLinux())
        {
            bool added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                if (fdatasync((int)handle.DangerousGetHandle()) != 0)
                    throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
            return;
        }
        fallback?.Flush(flushToDisk: true);
    }

    public static void SyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = open(dir, 0);
        if (fd < 0) return;
        try
        {
            fsync(fd);
        }
        finally
        {
            close(fd);
        }
    }
}
