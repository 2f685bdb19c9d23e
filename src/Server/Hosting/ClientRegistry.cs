using System.Collections.Concurrent;

namespace TdbPlus.Server.Hosting;

/// <summary>The connected clients, for CLIENT LIST/KILL, INFO clients and maxclients.</summary>
public sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<long, Connection> _clients = new();

    public int Count => _clients.Count;

    public IEnumerable<Connection> All => _clients.Values.OrderBy(c => c.Id);

    public void Add(Connection c) => _clients[c.Id] = c;

    public void Remove(Connection c) => _clients.TryRemove(c.Id, out _);

    public Connection? Find(long id) => _clients.GetValueOrDefault(id);
}
