using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace TdbPlus.Shards.Persistence.Aof;

/// <summary>fsync of a log file's data: fdatasync on Linux (the file's size is all the metadata a log needs), else FileStream.Flush(true).</summary>
internal static partial class LogFileSync
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

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
}
