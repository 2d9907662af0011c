using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>How a <see cref="VaultEmulator"/> listens and what it starts with.</summary>
public sealed record VaultEmulatorOptions : EmulatorListenOptions
{
    /// <summary>The root token, which bypasses every policy.</summary>
    /// <value>Defaults to <c>root</c>, as <c>vault server -dev</c> is usually started.</value>
    public string RootToken { get; init; } = "root";

    /// <summary>Whether the event-notification WebSocket exists.</summary>
    /// <value>Defaults to true (Vault Enterprise 1.16+, or 1.15). False acts as community Vault 1.16+ or OpenBao:
    /// the subscribe endpoint answers 404 like any unknown route.</value>
    public bool EventsEnabled { get; init; } = true;

    /// <summary>The KV version 2 mounts, by path without slashes at either end.</summary>
    /// <value>Defaults to <c>["secret"]</c>, the dev server's mount.</value>
    public IReadOnlyList<string> KvMounts { get; init; } = ["secret"];

    /// <summary>The longest a token may live, however often it is renewed (Vault's <c>max_lease_ttl</c>).</summary>
    /// <value>Defaults to 768 hours, Vault's system default.</value>
    public TimeSpan MaxTokenTtl { get; init; } = TimeSpan.FromHours(768);

    /// <summary>The version <c>sys/health</c> reports.</summary>
    /// <value>Defaults to <c>1.15.6</c>, the last release whose community edition had event notifications.</value>
    public string ServerVersion { get; init; } = "1.15.6";
}
