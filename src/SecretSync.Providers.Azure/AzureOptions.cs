namespace SecretSync.Providers.Azure;

/// <summary>How the adapter obtains Entra ID tokens for Key Vault.</summary>
public enum AzureAuthMethod
{
    /// <summary>DefaultAzureCredential: environment, workload identity, managed identity, then developer tools.</summary>
    Default,

    /// <summary>Workload identity federation: the pod's projected service-account token exchanged for an Entra ID token.</summary>
    WorkloadIdentity,

    /// <summary>The managed identity of the node or VM (system-assigned, or user-assigned by client id).</summary>
    ManagedIdentity,

    /// <summary>A ready bearer token read from a file; never contacts Entra ID. For development and tests.</summary>
    AccessToken,
}

/// <summary>How a secret's value string becomes Secret keys.</summary>
public enum AzureValueFormat
{
    /// <summary>A value that is a JSON object is split into one key per property; any other value is the single key <c>value</c>.</summary>
    Json,

    /// <summary>The value is always the single key <c>value</c>.</summary>
    Text,
}

/// <summary>The settings of one configured Azure Key Vault provider, read from its flattened configuration keys.</summary>
/// <remarks>The keys are listed in <see cref="AzureSettingKeys"/>. <see cref="ToString"/> never prints a credential.</remarks>
public sealed class AzureOptions
{
    /// <summary>The key a non-JSON value is returned under.</summary>
    public const string SingleValueKey = "value";

    /// <summary>The vault URL.</summary>
    /// <value>Required; an absolute <c>https</c> URL without path, query or user info.</value>
    public required Uri VaultUrl { get; init; }

    /// <summary>The credential used.</summary>
    /// <value>Default <see cref="AzureAuthMethod.Default"/>.</value>
    public AzureAuthMethod AuthMethod { get; init; } = AzureAuthMethod.Default;

    /// <summary>The application (client) id of the workload identity or user-assigned managed identity.</summary>
    /// <value>Default none: <c>AZURE_CLIENT_ID</c> for workload identity, the system-assigned identity for managed identity.</value>
    public string? ClientId { get; init; }

    /// <summary>The tenant id.</summary>
    /// <value>Default none: <c>AZURE_TENANT_ID</c>.</value>
    public string? TenantId { get; init; }

    /// <summary>The federated (service-account) token file for workload identity.</summary>
    /// <value>Default none: <c>AZURE_FEDERATED_TOKEN_FILE</c>.</value>
    public string? TokenFile { get; init; }

    /// <summary>The file holding a bearer token for <see cref="AzureAuthMethod.AccessToken"/>, read again about once a minute.</summary>
    /// <value>Default none; required for that method.</value>
    public string? AccessTokenFile { get; init; }

    /// <summary>A PEM file of CA certificates trusted instead of the system store.</summary>
    /// <value>Default none (system trust store). Verification is never switched off.</value>
    public string? CaFile { get; init; }

    /// <summary>Whether a challenge resource that is not a parent domain of the vault host is accepted.</summary>
    /// <value>Default <see langword="false"/>; set it only for emulators or private hosts outside <c>*.vault.azure.net</c>.</value>
    public bool DisableChallengeResourceVerification { get; init; }

    /// <summary>How long one network attempt may take.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed attempt (5xx, 408, short 429, network) is retried by the SDK.</summary>
    /// <value>Default 3.</value>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first retry delay; later ones double, with jitter.</summary>
    /// <value>Default 800 milliseconds.</value>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>The longest retry delay. A <c>Retry-After</c> beyond it is not waited out in the call: it is returned as throttling.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How values become keys.</summary>
    /// <value>Default <see cref="AzureValueFormat.Json"/>.</value>
    public AzureValueFormat ValueFormat { get; init; } = AzureValueFormat.Json;

    /// <summary>The REST api-version.</summary>
    /// <value>Default none: the SDK's newest.</value>
    public string? ApiVersion { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"AzureOptions({VaultUrl}, auth {AuthMethod})";
}
