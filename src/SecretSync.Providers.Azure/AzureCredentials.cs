using Azure.Core;
using Azure.Identity;

namespace SecretSync.Providers.Azure;

/// <summary>Builds the Azure.Identity credential for the configured auth method.</summary>
internal static class AzureCredentials
{
    public static TokenCredential Create(AzureOptions options, Func<string, string?> environment, TimeProvider time) => options.AuthMethod switch
    {
        AzureAuthMethod.WorkloadIdentity => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions
        {
            ClientId = options.ClientId ?? environment(AzureOptionsReader.ClientIdVariable),
            TenantId = options.TenantId ?? environment(AzureOptionsReader.TenantIdVariable),
            TokenFilePath = options.TokenFile ?? environment(AzureOptionsReader.TokenFileVariable),
        }),
        AzureAuthMethod.ManagedIdentity => new ManagedIdentityCredential(options.ClientId is { } id
            ? ManagedIdentityId.FromUserAssignedClientId(id)
            : ManagedIdentityId.SystemAssigned),
        AzureAuthMethod.AccessToken => new AccessTokenFileCredential(options.AccessTokenFile!, time),
        _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            TenantId = options.TenantId,
            ManagedIdentityClientId = options.ClientId,
            WorkloadIdentityClientId = options.ClientId,
            // A daemon has no user to prompt.
            ExcludeInteractiveBrowserCredential = true,
        }),
    };
}

/// <summary>A bearer token read from a file, for development and tests: it never contacts Entra ID.</summary>
/// <remarks>
/// The token is reported to expire six minutes after it was read, so the SDK's token cache (which refreshes five
/// minutes before expiry) reads the file again about once a minute and picks up a rotated token.
/// Messages name the file, never its content.
/// </remarks>
internal sealed class AccessTokenFileCredential(string path, TimeProvider time) : TokenCredential
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(6);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        Create(File.ReadAllText(Checked()));

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Checked(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CredentialUnavailableException($"auth.accessTokenFile '{path}' cannot be read ({e.GetType().Name}).");
        }

        return Create(text);
    }

    private string Checked() =>
        File.Exists(path) ? path : throw new CredentialUnavailableException($"auth.accessTokenFile '{path}' does not exist.");

    private AccessToken Create(string text)
    {
        var token = text.Trim();
        if (token.Length == 0)
        {
            throw new CredentialUnavailableException($"auth.accessTokenFile '{path}' is empty.");
        }

        return new AccessToken(token, time.GetUtcNow() + Lifetime);
    }
}
