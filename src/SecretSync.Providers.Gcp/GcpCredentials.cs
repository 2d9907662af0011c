using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Gcp;

/// <summary>An access token, or why there is none. The token is a credential: never log it.</summary>
internal readonly record struct TokenResult(string? Token, ProviderFailure? Failure);

/// <summary>Supplies OAuth2 bearer tokens for Secret Manager calls (gcp-secret-manager.md §4).</summary>
internal interface IGcpTokenSource
{
    ValueTask<TokenResult> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Creates the token source for the configured auth method.</summary>
internal static class GcpCredentials
{
    public static IGcpTokenSource Create(GcpOptions options, Func<CancellationToken, Task<GoogleCredential>>? defaultCredentials = null) => options.AuthMethod switch
    {
        GcpAuthMethod.AccessToken when options.AccessToken is { } token => new StaticTokenSource(token),
        GcpAuthMethod.AccessToken => new FileTokenSource(options.AccessTokenFile!),
        GcpAuthMethod.ServiceAccountKey => new GoogleTokenSource(options, ct => LoadServiceAccountAsync(options.CredentialsFile!, ct), "auth.credentialsFile"),
        _ => new GoogleTokenSource(options, defaultCredentials ?? (ct => GoogleCredential.GetApplicationDefaultAsync(ct)), "application default credentials"),
    };

    private static async Task<GoogleCredential> LoadServiceAccountAsync(string path, CancellationToken cancellationToken)
    {
        // CredentialFactory checks the file's "type", unlike the obsolete GoogleCredential.FromFile.
        var account = await CredentialFactory.FromFileAsync<ServiceAccountCredential>(path, cancellationToken).ConfigureAwait(false);
        return account.ToGoogleCredential();
    }

    /// <summary>A bearer token given literally in the settings.</summary>
    private sealed class StaticTokenSource(string token) : IGcpTokenSource
    {
        public ValueTask<TokenResult> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new TokenResult(token, null));
    }

    /// <summary>A bearer token read from a file at every call, so a rotated file is picked up at once.</summary>
    private sealed class FileTokenSource(string path) : IGcpTokenSource
    {
        public async ValueTask<TokenResult> GetAsync(CancellationToken cancellationToken)
        {
            try
            {
                var token = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
                return token.Length == 0 || token.Any(char.IsControl)
                    ? new TokenResult(null, new ProviderFailure(FailureKind.Unauthenticated, $"auth.accessTokenFile '{path}' holds no usable token."))
                    : new TokenResult(token, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new TokenResult(null, new ProviderFailure(FailureKind.Unauthenticated, $"auth.accessTokenFile '{path}' cannot be read ({e.GetType().Name})."));
            }
        }
    }

    /// <summary>Google.Apis.Auth credentials, created on first use (ADC may probe the metadata server) and cached once they load.</summary>
    /// <remarks>The credential caches and refreshes its token itself; asking it per request is the documented use.</remarks>
    private sealed class GoogleTokenSource(GcpOptions options, Func<CancellationToken, Task<GoogleCredential>> load, string what) : IGcpTokenSource
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private ITokenAccess? _credential;

        public async ValueTask<TokenResult> GetAsync(CancellationToken cancellationToken)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(options.Timeout * 2);
            try
            {
                var credential = await CredentialAsync(bounded.Token).ConfigureAwait(false);
                var token = await credential.GetAccessTokenForRequestAsync(options.Endpoint.ToString(), bounded.Token).ConfigureAwait(false);
                return string.IsNullOrEmpty(token)
                    ? new TokenResult(null, new ProviderFailure(FailureKind.Unauthenticated, $"No access token from {what}."))
                    : new TokenResult(token, null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                return Fail(FailureKind.Unavailable, $"Getting an access token from {what} timed out.");
            }
            catch (TokenResponseException e)
            {
                // The token server's error code (invalid_grant, ...) names the problem without any credential in it.
                return e.StatusCode is { } status && (int)status >= 500
                    ? Fail(FailureKind.Unavailable, $"The token server failed ({(int)status}) for {what}.")
                    : Fail(FailureKind.Unauthenticated, $"The token server refused {what}: {e.Error?.Error ?? "unknown error"}.");
            }
            catch (HttpRequestException e)
            {
                return Fail(FailureKind.Unavailable, $"Cannot reach the token server or metadata server for {what} ({e.HttpRequestError}).");
            }
            catch (InvalidOperationException e)
            {
                // ADC throws this when no source of credentials exists; a key file of the wrong type too.
                return Fail(FailureKind.Unauthenticated, $"No credentials from {what}: {FirstSentence(e.Message)}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or Newtonsoft.Json.JsonException or FormatException or ArgumentException)
            {
                return Fail(FailureKind.Unauthenticated, $"The credentials from {what} cannot be used ({e.GetType().Name}).");
            }
        }

        private async Task<ITokenAccess> CredentialAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _credential) is { } ready)
            {
                return ready;
            }

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_credential is null)
                {
                    var credential = await load(cancellationToken).ConfigureAwait(false);
                    if (credential.IsCreateScopedRequired)
                    {
                        credential = credential.CreateScoped(GcpOptions.CloudPlatformScope);
                    }

                    Volatile.Write(ref _credential, credential);
                }

                return _credential!;
            }
            finally
            {
                _gate.Release();
            }
        }

        private static TokenResult Fail(FailureKind kind, string message) => new(null, new ProviderFailure(kind, message));

        private static string FirstSentence(string message)
        {
            var end = message.IndexOf(". ", StringComparison.Ordinal);
            var sentence = end > 0 ? message[..(end + 1)] : message;
            return sentence.Length > 200 ? sentence[..200] + "…" : sentence;
        }
    }
}
