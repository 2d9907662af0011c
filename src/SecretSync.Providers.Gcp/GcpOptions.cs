using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>How the adapter obtains OAuth2 access tokens.</summary>
public enum GcpAuthMethod
{
    /// <summary>Application default credentials: <c>GOOGLE_APPLICATION_CREDENTIALS</c>, gcloud's user credentials, then the metadata server (GKE Workload Identity).</summary>
    Default,

    /// <summary>A service-account key JSON file.</summary>
    ServiceAccountKey,

    /// <summary>A static bearer token (read from a file at every call, or given literally); no token endpoint is contacted.</summary>
    AccessToken,
}

/// <summary>How a version's payload becomes Secret keys.</summary>
public enum GcpPayloadFormat
{
    /// <summary>A JSON object is split into its keys; any other payload is one key.</summary>
    Auto,

    /// <summary>Every payload is one key, byte for byte.</summary>
    Raw,
}

/// <summary>The settings of one configured GCP Secret Manager provider, read from its flattened configuration keys.</summary>
/// <remarks>Built by the provider after validation; the keys are listed in <see cref="GcpSettingKeys"/>. <see cref="ToString"/> never prints a credential.</remarks>
public sealed class GcpOptions
{
    /// <summary>Google's global Secret Manager endpoint.</summary>
    public static readonly Uri DefaultEndpoint = new("https://secretmanager.googleapis.com/");

    /// <summary>The OAuth2 scope every Secret Manager call needs (gcp-secret-manager.md §4).</summary>
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>The key of a payload that is not split.</summary>
    public const string DefaultValueKey = "value";

    /// <summary>The project id or number that holds the secrets.</summary>
    /// <value>Required.</value>
    public required string Project { get; init; }

    /// <summary>The API base address, ending in <c>/</c>.</summary>
    /// <value>Default <c>https://secretmanager.googleapis.com/</c>.</value>
    public Uri Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>How access tokens are obtained.</summary>
    /// <value>Default <see cref="GcpAuthMethod.Default"/> (application default credentials).</value>
    public GcpAuthMethod AuthMethod { get; init; } = GcpAuthMethod.Default;

    /// <summary>The service-account key file for <see cref="GcpAuthMethod.ServiceAccountKey"/>.</summary>
    /// <value>Default none.</value>
    public string? CredentialsFile { get; init; }

    /// <summary>The bearer token file for <see cref="GcpAuthMethod.AccessToken"/>.</summary>
    /// <value>Default none.</value>
    public string? AccessTokenFile { get; init; }

    /// <summary>A literal bearer token for <see cref="GcpAuthMethod.AccessToken"/>; never printed.</summary>
    /// <value>Default none.</value>
    public string? AccessToken { get; init; }

    /// <summary>A PEM file of CA certificates trusted instead of the system store.</summary>
    /// <value>Default none (system trust store).</value>
    public string? CaFile { get; init; }

    /// <summary>How long one HTTP attempt may take; a whole call (with retries) is bounded by twice this.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt, within twice <see cref="Timeout"/>.</summary>
    /// <value>Default 2.</value>
    public int MaxRetries { get; init; } = ProviderPipeline.DefaultMaxRetries;

    /// <summary>How payloads become keys.</summary>
    /// <value>Default <see cref="GcpPayloadFormat.Auto"/>.</value>
    public GcpPayloadFormat PayloadFormat { get; init; } = GcpPayloadFormat.Auto;

    /// <summary>The key a payload that is not split is returned under.</summary>
    /// <value>Default <c>value</c>.</value>
    public string ValueKey { get; init; } = DefaultValueKey;

    /// <summary>How many versions one list request asks for.</summary>
    /// <value>Default 100; versions come newest first, so the first page nearly always answers a version check.</value>
    internal int VersionPageSize { get; init; } = 100;

    /// <inheritdoc />
    public override string ToString() => $"GcpOptions(project {Project}, {Endpoint}, auth {AuthMethod})";
}
