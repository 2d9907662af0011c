using Xunit;

namespace SecretSync.Testing;

/// <summary>One real PostgreSQL server per test class (<c>IClassFixture&lt;PostgresFixture&gt;</c>); each test takes its own database from it.</summary>
/// <remarks>Starts nothing when the binaries are missing: the <c>[PeerFact("postgres")]</c> tests are skipped then.</remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The running server.</summary>
    /// <exception cref="InvalidOperationException">The PostgreSQL binaries are missing; the message says how to install them.</exception>
    public PostgresServer Server => _server ?? throw new InvalidOperationException(PeerRequirements.WhyMissing("postgres"));

    public async Task InitializeAsync()
    {
        if (PostgresBinaries.Directory is not null)
        {
            _server = await PostgresServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
