using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>How a <see cref="GcpSecretManagerEmulator"/> listens and what it starts with.</summary>
public sealed record GcpSecretManagerEmulatorOptions : EmulatorListenOptions
{
    /// <summary>The project id clients name in paths.</summary>
    /// <value>Defaults to <c>demo-project</c>.</value>
    public string Project { get; init; } = "demo-project";

    /// <summary>The project number; resource names in answers use it, as Google's do (gcp-secret-manager.md §2).</summary>
    /// <value>Defaults to <c>123456789012</c>. Paths may name the project by id or by number.</value>
    public long ProjectNumber { get; init; } = 123456789012;

    /// <summary>The OAuth2 bearer token every request must carry (<c>Authorization: Bearer …</c>).</summary>
    /// <value>Defaults to <c>ya29.devstack-token</c>. Tokens from the emulated token and metadata endpoints are accepted too.</value>
    public string AccessToken { get; init; } = "ya29.devstack-token";

    /// <summary>The largest payload a version may hold.</summary>
    /// <value>Defaults to 65,536 bytes, Secret Manager's limit (§5).</value>
    public int MaxPayloadBytes { get; init; } = 64 * 1024;
}
