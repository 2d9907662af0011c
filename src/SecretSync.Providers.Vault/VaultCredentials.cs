using System.Text;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>A Vault token and what the adapter knows of its lifetime. <see cref="ToString"/> hides the token.</summary>
/// <param name="Token">The token; never logged.</param>
/// <param name="ObtainedAt">When the login or renewal that produced it finished.</param>
/// <param name="Ttl">The TTL Vault granted then, or <see langword="null"/> for a non-expiring token.</param>
/// <param name="Renewable">Whether <c>renew-self</c> may extend it.</param>
/// <param name="AfterRejection">Obtained because Vault refused the previous token.</param>
internal sealed record VaultLease(string Token, DateTimeOffset ObtainedAt, TimeSpan? Ttl, bool Renewable, bool AfterRejection)
{
    public DateTimeOffset? ExpiresAt => Ttl is { } ttl ? ObtainedAt + ttl : null;

    public override string ToString() => $"VaultLease(ttl {Ttl}, renewable {Renewable})";
}

/// <summary>Either a usable lease or why there is none.</summary>
internal readonly record struct LeaseResult(VaultLease? Lease, ProviderFailure? Failure);

/// <summary>Obtains, renews and replaces the adapter's Vault token (vault.md §3).</summary>
/// <remarks>
/// Logs in lazily on first use. Renews with <c>renew-self</c> at about 2/3 of the TTL on the injected clock,
/// logs in again when renewal fails, the TTL runs out, or Vault refuses the token (at most once per failing
/// call, and not again within <see cref="RejectionCooldown"/> of a login that a refusal triggered, so a
/// path the policy forbids cannot cause a login storm).
/// </remarks>
internal sealed class VaultCredentials : IDisposable
{
    /// <summary>How long a token obtained after a refusal is trusted to be fresh; a 403 within it means "forbidden".</summary>
    public static readonly TimeSpan RejectionCooldown = TimeSpan.FromSeconds(30);

    /// <summary>How long a failed login is answered from memory, so calls queued behind it do not each log in again.</summary>
    public static readonly TimeSpan LoginFailureHoldoff = TimeSpan.FromSeconds(2);

    private readonly string _provider;
    private readonly VaultOptions _options;
    private readonly VaultTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProviderMetrics _metrics;
    private readonly Func<string, string?> _environment;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private VaultLease? _current;
    private ITimer? _maintenance;
    private (ProviderFailure Failure, DateTimeOffset At)? _lastLoginFailure;

    public VaultCredentials(
        string provider, VaultOptions options, VaultTransport transport, TimeProvider time, ILogger logger, ProviderMetrics metrics,
        Func<string, string?> environment)
    {
        _provider = provider;
        _options = options;
        _transport = transport;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _environment = environment;
    }

    /// <summary>The current lease, for tests and diagnostics.</summary>
    internal VaultLease? Current => Volatile.Read(ref _current);

    /// <summary>Whether a new credential can be obtained without the operator (a login method, or a token file).</summary>
    private bool CanLogIn => _options.AuthMethod != VaultAuthMethod.Token || _options.TokenFile is not null;

    /// <summary>A token usable now, logging in first when there is none or it is about to expire.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<LeaseResult> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } lease && !IsExpiring(lease))
        {
            return new LeaseResult(lease, null);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } again && !IsExpiring(again))
            {
                return new LeaseResult(again, null);
            }

            return await LogInLockedAsync(afterRejection: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Vault refused <paramref name="rejected"/> (403): log in again unless another caller already did.</summary>
    /// <returns>
    /// A new lease to retry with; the same lease when a fresh login would not help (the 403 is then a
    /// policy decision); or a failure (<see cref="FailureKind.Unauthenticated"/> when Vault rejects the login).
    /// </returns>
    public async ValueTask<LeaseResult> RefreshAsync(VaultLease rejected, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } current && current.Token != rejected.Token)
            {
                return new LeaseResult(current, null);
            }

            if (rejected.AfterRejection && _time.GetUtcNow() - rejected.ObtainedAt < RejectionCooldown)
            {
                return new LeaseResult(rejected, null);
            }

            Volatile.Write(ref _current, null);
            return await LogInLockedAsync(afterRejection: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        // The token source stays undisposed: a timer callback racing this may still read its token.
        _stopping.Cancel();
        _maintenance?.Dispose();
    }

    private bool IsExpiring(VaultLease lease)
    {
        if (lease.ExpiresAt is not { } expires)
        {
            return false;
        }

        // Leave a margin so a request does not race the expiry; a tenth of the TTL, at most 5 s.
        var margin = TimeSpan.FromTicks(Math.Min(lease.Ttl!.Value.Ticks / 10, TimeSpan.FromSeconds(5).Ticks));
        return _time.GetUtcNow() >= expires - margin;
    }

    private async ValueTask<LeaseResult> LogInLockedAsync(bool afterRejection, CancellationToken cancellationToken)
    {
        if (_lastLoginFailure is { } last && _time.GetUtcNow() - last.At < LoginFailureHoldoff)
        {
            return new LeaseResult(null, last.Failure);
        }

        var result = _options.AuthMethod == VaultAuthMethod.Token
            ? await AdoptTokenAsync(afterRejection, cancellationToken).ConfigureAwait(false)
            : await LogInWithRoleAsync(afterRejection, cancellationToken).ConfigureAwait(false);
        _metrics.Record(_provider, "login", result.Failure is { } failure ? ProviderMetrics.ResultOf(failure) : "ok");
        _lastLoginFailure = result.Failure is { } failed ? (failed, _time.GetUtcNow()) : null;
        if (result.Lease is { } lease)
        {
            Volatile.Write(ref _current, lease);
            VaultLog.LoggedIn(_logger, _provider, _options.AuthMethod.ToString().ToLowerInvariant(), Duration.FormatTtl(lease.Ttl), lease.Renewable ? "renewable" : "not renewable");
            ScheduleMaintenance(lease);
        }
        else
        {
            VaultLog.LoginFailed(_logger, _provider, _options.AuthMethod.ToString(), result.Failure!.ToString());
        }

        return result;
    }

    /// <summary>Token auth: take the configured token and learn its TTL with <c>lookup-self</c> (vault.md §3).</summary>
    private async ValueTask<LeaseResult> AdoptTokenAsync(bool afterRejection, CancellationToken cancellationToken)
    {
        string? token;
        if (_options.Token is { } literal)
        {
            token = literal;
        }
        else if (_options.TokenFile is { } file)
        {
            var read = await ReadCredentialFileAsync(file, VaultSettingKeys.AuthTokenFile, cancellationToken).ConfigureAwait(false);
            if (read.Failure is { } failure)
            {
                return new LeaseResult(null, failure);
            }

            token = read.Value;
        }
        else
        {
            token = _environment("VAULT_TOKEN")?.Trim();
        }

        if (string.IsNullOrEmpty(token))
        {
            return new LeaseResult(null, new ProviderFailure(FailureKind.Unauthenticated,
                "No Vault token: set auth.tokenFile, auth.token or VAULT_TOKEN."));
        }

        var call = await _transport.SendAsync(HttpMethod.Get, "auth/token/lookup-self", token, null, idempotent: true, cancellationToken)
            .ConfigureAwait(false);
        if (call.Failure is { } callFailure)
        {
            return new LeaseResult(null, callFailure);
        }

        var reply = call.Reply!.Value;
        if (reply.Status is 400 or 401 or 403)
        {
            return new LeaseResult(null, new ProviderFailure(FailureKind.Unauthenticated,
                $"Vault rejected the configured token ({reply.Status}): it is expired, revoked or lacks the default policy."));
        }

        if (reply.Status != 200)
        {
            return new LeaseResult(null, VaultOutcomes.FailureOf(reply, "token lookup"));
        }

        using var doc = JsonValues.TryParse(reply.Body);
        if (doc is null || VaultJson.Data(doc.RootElement) is not { } data)
        {
            return new LeaseResult(null, new ProviderFailure(FailureKind.InvalidResponse, "Vault's token lookup answer is not the documented JSON."));
        }

        // lookup-self data.ttl is the remaining TTL in seconds; 0 for non-expiring root tokens (§3).
        var ttl = JsonValues.Integer(data, "ttl") is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var renewable = VaultJson.Boolean(data, "renewable") ?? false;
        return new LeaseResult(new VaultLease(token, _time.GetUtcNow(), ttl, renewable, afterRejection), null);
    }

    /// <summary>AppRole or Kubernetes login; both answer with an <c>auth</c> block (vault.md §3).</summary>
    private async ValueTask<LeaseResult> LogInWithRoleAsync(bool afterRejection, CancellationToken cancellationToken)
    {
        var secrets = new List<string>(2);
        byte[] body;
        if (_options.AuthMethod == VaultAuthMethod.AppRole)
        {
            var secretId = _options.SecretId;
            if (_options.SecretIdFile is { } file)
            {
                var read = await ReadCredentialFileAsync(file, VaultSettingKeys.AuthSecretIdFile, cancellationToken).ConfigureAwait(false);
                if (read.Failure is { } failure)
                {
                    return new LeaseResult(null, failure);
                }

                secretId = read.Value;
            }

            secrets.Add(_options.RoleId!);
            if (secretId is not null)
            {
                secrets.Add(secretId);
            }

            body = JsonValues.Body(writer =>
            {
                writer.WriteString("role_id", _options.RoleId);
                if (secretId is not null)
                {
                    writer.WriteString("secret_id", secretId);
                }
            });
        }
        else
        {
            // The projected service-account token rotates; read it at every login.
            var read = await ReadCredentialFileAsync(_options.JwtPath, VaultSettingKeys.AuthJwtPath, cancellationToken).ConfigureAwait(false);
            if (read.Failure is { } failure)
            {
                return new LeaseResult(null, failure);
            }

            secrets.Add(read.Value!);
            body = JsonValues.Body(writer =>
            {
                writer.WriteString("role", _options.Role);
                writer.WriteString("jwt", read.Value);
            });
        }

        var call = await _transport.SendAsync(HttpMethod.Post, $"auth/{_options.EffectiveAuthMountPath}/login", null, body, idempotent: true, cancellationToken)
            .ConfigureAwait(false);
        Array.Clear(body);
        if (call.Failure is { } callFailure)
        {
            return new LeaseResult(null, callFailure);
        }

        var reply = call.Reply!.Value;
        var method = _options.AuthMethod == VaultAuthMethod.AppRole ? "AppRole" : "Kubernetes";
        if (reply.Status is >= 400 and < 500 and not 429)
        {
            var reason = Redact(VaultJson.ErrorText(reply.Body), secrets);
            return new LeaseResult(null, new ProviderFailure(FailureKind.Unauthenticated,
                $"{method} login at auth/{_options.EffectiveAuthMountPath} refused ({reply.Status}){(reason.Length > 0 ? ": " + reason : "")}."));
        }

        if (reply.Status != 200)
        {
            return new LeaseResult(null, VaultOutcomes.FailureOf(reply, $"{method} login"));
        }

        return ParseAuth(reply, afterRejection, fallbackToken: null) is { } lease
            ? new LeaseResult(lease, null)
            : new LeaseResult(null, new ProviderFailure(FailureKind.InvalidResponse, $"Vault's {method} login answer has no auth.client_token."));
    }

    private VaultLease? ParseAuth(ProviderReply reply, bool afterRejection, string? fallbackToken)
    {
        using var doc = JsonValues.TryParse(reply.Body);
        if (doc is null || VaultJson.Object(doc.RootElement, "auth") is not { } auth)
        {
            return null;
        }

        var token = JsonValues.String(auth, "client_token") is { Length: > 0 } t ? t : fallbackToken;
        if (token is null)
        {
            return null;
        }

        // auth.lease_duration is the token TTL in seconds (§3); 0 means it does not expire.
        var ttl = JsonValues.Integer(auth, "lease_duration") is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var renewable = VaultJson.Boolean(auth, "renewable") ?? false;
        return new VaultLease(token, _time.GetUtcNow(), ttl, renewable, afterRejection);
    }

    private void ScheduleMaintenance(VaultLease lease, TimeSpan? dueOverride = null)
    {
        _maintenance?.Dispose();
        _maintenance = null;
        if (lease.Ttl is not { } ttl || _stopping.IsCancellationRequested)
        {
            return;
        }

        if (!lease.Renewable && !CanLogIn)
        {
            return;
        }

        // Common client practice: act at about 2/3 of the TTL (vault.md §3).
        var due = dueOverride ?? ttl * 2 / 3;
        _maintenance = _time.CreateTimer(_ => _ = MaintainAsync(lease), null, due, Timeout.InfiniteTimeSpan);
    }

    private async Task MaintainAsync(VaultLease lease)
    {
        var stopping = _stopping.Token;
        try
        {
            await _gate.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            if (!ReferenceEquals(_current, lease))
            {
                return;
            }

            if (!lease.Renewable)
            {
                await LogInLockedAsync(afterRejection: false, stopping).ConfigureAwait(false);
                return;
            }

            var call = await _transport.SendAsync(HttpMethod.Post, "auth/token/renew-self", lease.Token, "{}"u8.ToArray(), idempotent: true, stopping)
                .ConfigureAwait(false);
            var renewed = call.Reply is { Status: 200 } reply ? ParseAuth(reply, lease.AfterRejection, lease.Token) : null;
            var failure = call.Failure
                ?? (renewed is null && call.Reply is { } bad
                    ? bad.Status == 200
                        ? new ProviderFailure(FailureKind.InvalidResponse, "Vault's renew-self answer has no auth block.")
                        : VaultOutcomes.FailureOf(bad, "token renewal")
                    : null);
            _metrics.Record(_provider, "renew", failure is null ? "ok" : ProviderMetrics.ResultOf(failure));

            if (renewed is not null)
            {
                VaultLog.Renewed(_logger, _provider, Duration.FormatTtl(renewed.Ttl));
                if (renewed.Ttl < lease.Ttl && CanLogIn)
                {
                    // The TTL shrank: the token nears its max TTL and renewing would only shrink it further,
                    // so the next maintenance logs in again instead.
                    renewed = renewed with { Renewable = false };
                }

                Volatile.Write(ref _current, renewed);
                ScheduleMaintenance(renewed);
                return;
            }

            VaultLog.RenewFailed(_logger, _provider, failure!.ToString());
            if (failure.Kind is FailureKind.Unavailable or FailureKind.Throttled)
            {
                // Vault is unreachable: try again halfway to expiry while there is time.
                var remaining = lease.ExpiresAt!.Value - _time.GetUtcNow();
                if (remaining > TimeSpan.FromSeconds(2))
                {
                    ScheduleMaintenance(lease, remaining / 2);
                }

                return;
            }

            if (CanLogIn)
            {
                Volatile.Write(ref _current, null);
                await LogInLockedAsync(afterRejection: false, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            VaultLog.BackgroundFailure(_logger, _provider, e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async ValueTask<(string? Value, ProviderFailure? Failure)> ReadCredentialFileAsync(
        string path, string key, CancellationToken cancellationToken)
    {
        try
        {
            var text = (await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false)).Trim();
            return text.Length == 0
                ? (null, new ProviderFailure(FailureKind.Unauthenticated, $"The {key} file '{path}' is empty."))
                : (text, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new ProviderFailure(FailureKind.Unauthenticated, $"Cannot read the {key} file '{path}' ({e.GetType().Name})."));
        }
    }

    /// <summary>Defence in depth: never let a credential echoed by a server reach a message.</summary>
    private static string Redact(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length >= 4)
            {
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
