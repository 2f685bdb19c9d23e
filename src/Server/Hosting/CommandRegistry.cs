using TdbPlus.Server.Families;
using TdbPlus.Shards.Commands;
using TdbPlus.Shards.Families;
using TdbPlus.Shards.Persistence;

namespace TdbPlus.Server.Hosting;

/// <summary>Puts every command family, engine and server ones, into the server's command table.</summary>
public static class CommandRegistry
{
    public static void RegisterAll(CommandTable table, ServerHost host)
    {
        table.AddRange(CoreFamilies.Commands());
        table.AddRange(DumpFamily.Commands());
        table.AddRange(ConnectionFamily.Commands());
        table.AddRange(ClientFamily.Commands());
        table.AddRange(InfoFamily.Commands());
        table.AddRange(ConfigFamily.Commands());
        table.AddRange(CommandFamily.Commands());
        table.AddRange(ServerFamily.Commands());
        table.AddRange(DebugFamily.Commands());
        table.AddRange(PersistenceFamily.Commands());
        table.AddRange(AofFamily.Commands());
        table.AddRange(ReplicationFamily.Commands());
        table.AddRange(PubSubFamily.Commands());
    }
}
