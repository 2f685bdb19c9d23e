using System.Globalization;

namespace TdbPlus.Server.Hosting;

/// <summary>Log lines in redis-server's format ("pid:M date time * message"), to stdout or the logfile.</summary>
public sealed class ServerLog(string logFile)
{
    private readonly object _gate = new();
    private readonly int _pid = Environment.ProcessId;

    public void Notice(string message) => Write('*', message);

    public void Warning(string message) => Write('#', message);

    private void Write(char level, string message)
    {
        string stamp = DateTime.Now.ToString("dd MMM yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture);
        string line = $"{_pid}:M {stamp} {level} {message}";
        lock (_gate)
        {
            if (logFile.Length == 0) Console.Out.WriteLine(line);
            else File.AppendAllText(logFile, line + Environment.NewLine);
        }
    }
}
