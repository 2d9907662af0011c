using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>A connected Key Vault client: reads, version checks and check-and-set writes through <see cref="SecretClient"/>.</summary>
/// <remarks>
/// <para>Absence is reported only on Key Vault's evidence (azure-key-vault.md §3): 404 <c>SecretNotFound</c> (never
/// created, or soft-deleted) and 403 <c>SecretDisabled</c>. Every other 403, 401, 429, 5xx, TLS or network failure is a
/// <see cref="ProviderFailure"/>.</para>
/// <para>Version checks, per cycle: list items carry no version id (§2), but they carry the current version's
/// <c>created</c>/<c>updated</c>/<c>enabled</c>. The client lists the vault once (⌈secrets/25⌉ pages) and reads
/// (one GET each) only the sources whose list entry changed since their version was last resolved, or that are
/// missing or disabled in the list (a GET confirms the evidence before absence is reported). A steady vault costs
/// the list pages alone. When the vault holds many more secrets than are synced, so that the pages would outnumber
/// the sources, it reads each source instead (one GET each) and re-measures the vault every
/// <see cref="RelistEvery"/> cycles. A resolved version is reused only once the vault's clock (<c>Date</c>) is
/// <see cref="SettleMargin"/> past its <c>updated</c> second, since two versions created in one second would
/// otherwise look alike in the list.</para>
/// </remarks>
internal sealed class AzureClient : ProviderClient
{
    /// <summary>How many GETs a version check runs at once.</summary>
    public const int VersionCheckParallelism = 4;

    /// <summary>Items per list page: Key Vault's maximum (§2).</summary>
    public const int PageSize = 25;

    /// <summary>How many cycles of per-source reads pass before the vault is listed again to re-measure it.</summary>
    public const int RelistEvery = 20;

    /// <summary>How far past a version's <c>updated</c> time the vault's clock must be before the version is cached.</summary>
    public static readonly TimeSpan SettleMargin = TimeSpan.FromSeconds(5);

    /// <summary>The largest answer read: a secret is at most 25 KiB and a list page 25 items, so this leaves ample room.</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;

    private readonly AzureOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpMessageHandler _handler;
    private readonly SecretClient _client;
    private readonly ConcurrentDictionary<string, Resolved> _resolved = new(AzureNames.Comparer);
    private readonly TimeSpan _budget;
    private readonly Lock _gate = new();
    private int? _listPages;
    private int _cyclesWithoutList;

    public AzureClient(string provider, AzureOptions options, TokenCredential credential, TimeProvider time, ILoggerFactory loggerFactory, ProviderMetrics metrics)
        : base(provider, metrics, recordCalls: false)
    {
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger<AzureClient>();
        // The SDK buffers every answer itself, without a bound: the cap sits below it.
        _handler = new ResponseSizeCap(AzureTls.CreateHandler(options, _logger), MaxResponseBytes);
        var clientOptions = options.ApiVersion is { } apiVersion
            ? new SecretClientOptions(AzureOptionsReader.ServiceVersionOf(apiVersion))
            : new SecretClientOptions();
        clientOptions.DisableChallengeResourceVerification = options.DisableChallengeResourceVerification;
        clientOptions.Transport = new HttpClientTransport(_handler);
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.RetryMaxDelay;
        clientOptions.Retry.NetworkTimeout = options.Timeout;
        clientOptions.RetryPolicy = new AzureRetryPolicy(options);
        clientOptions.Diagnostics.IsLoggingContentEnabled = false;
        _client = new SecretClient(options.VaultUrl, credential, clientOptions);
        // A whole call, retries included, ends after this even if the transport hangs in a way the per-try timeout misses.
        _budget = (options.Timeout * (options.MaxRetries + 1)) + (options.RetryMaxDelay * options.MaxRetries) + TimeSpan.FromSeconds(5);
    }

    /// <summary>How many list pages the last listing took; null before the first.</summary>
    internal int? LastListPages => _listPages;

    protected override async ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsCoreAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<string, VersionResult>(StringComparer.Ordinal);
        var byName = new Dictionary<string, List<string>>(AzureNames.Comparer);
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (!AzureNames.TryMap(path, out var name, out var problem))
            {
                results[path] = new VersionResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
                continue;
            }

            if (!byName.TryGetValue(name, out var group))
            {
                byName[name] = group = [];
            }

            group.Add(path);
        }

        if (byName.Count == 0)
        {
            return results;
        }

        Dictionary<string, SecretProperties>? listing = null;
        var pages = 0;
        if (ShouldList(byName.Count))
        {
            var listed = await ListAsync(cancellationToken).ConfigureAwait(false);
            pages = listed.Pages;
            if (listed.Error is { } error)
            {
                if (error.Status != 403)
                {
                    // Throttled, unauthenticated or down: asking once per source would only add load.
                    foreach (var (_, group) in byName)
                    {
                        Assign(results, group, new VersionResult.Failed(error.Failure));
                    }

                    LogFailures(results);
                    return results;
                }

                // No list permission (an access policy with get only): read each source, and try listing again only now and then.
                AzureLog.ListingFailed(_logger, Provider, error.Failure.ToString());
                lock (_gate)
                {
                    _listPages = int.MaxValue;
                    _cyclesWithoutList = 0;
                }
            }
            else
            {
                listing = listed.Items;
            }
        }

        var toResolve = new List<string>();
        foreach (var (name, group) in byName)
        {
            if (listing is not null && listing.TryGetValue(name, out var item) && item.Enabled != false &&
                _resolved.TryGetValue(name, out var known) && known.Fingerprint == Fingerprint.Of(item))
            {
                Assign(results, group, new VersionResult.Current(known.Version));
            }
            else
            {
                toResolve.Add(name);
            }
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = VersionCheckParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(toResolve, options, async (name, ct) =>
            Assign(results, byName[name], await ResolveAsync(name, ct).ConfigureAwait(false))).ConfigureAwait(false);
        AzureLog.Checked(_logger, Provider, byName.Count, pages + toResolve.Count, pages);
        LogFailures(results);
        return new Dictionary<string, VersionResult>(results, StringComparer.Ordinal);
    }

    protected override void LogFailure(string operation, string source, ProviderFailure failure) =>
        AzureLog.CallFailed(_logger, Provider, operation, source, failure.ToString());

    protected override void Release() => _handler.Dispose();

    protected override async ValueTask<ReadResult> ReadCoreAsync(string path, string? version, CancellationToken cancellationToken)
    {
        if (!AzureNames.TryMap(path, out var name, out var problem))
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        if (version is not null && !AzureNames.IsVersion(version))
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, $"Key Vault version ids are 32 hexadecimal characters; '{version}' is not."));
        }

        var (secret, error) = await GetAsync(name, version, "read", cancellationToken).ConfigureAwait(false);
        if (error is null)
        {
            return Payload(secret!.Value);
        }

        if (!error.IsSecretNotFound && !error.IsDisabled)
        {
            return new ReadResult.Failed(error.Failure);
        }

        var kind = error.IsDisabled ? AbsenceKind.Disabled : AbsenceKind.NotFound;
        if (version is null)
        {
            return new ReadResult.Absent(new Absence(kind, kind == AbsenceKind.Disabled
                ? $"the current version of secret {name} is disabled"
                : $"no secret {name} in the vault (never created, or deleted)"));
        }

        // Only this version is known gone; the current version says whether the secret still lives.
        var what = $"version {version} of secret {name} is {(kind == AbsenceKind.Disabled ? "disabled" : "not found")}";
        var (current, currentError) = await GetAsync(name, null, "read", cancellationToken).ConfigureAwait(false);
        if (currentError is null)
        {
            var live = current!.Value.Properties.Version;
            return new ReadResult.Absent(new Absence(kind, $"{what}; the current version is {live}", live));
        }

        return currentError.IsSecretNotFound || currentError.IsDisabled
            ? new ReadResult.Absent(new Absence(kind, $"{what}, and the secret has no readable current version"))
            : new ReadResult.Failed(currentError.Failure with { Message = $"{what}, but the current version cannot be checked: {currentError.Failure.Message}" });
    }

    private ReadResult Payload(KeyVaultSecret? secret)
    {
        // The SDK hands over null, or a secret without properties, for a body that is JSON null or of another shape.
        if (secret?.Value is null || secret.Properties?.Version is not { Length: > 0 } version || secret.Properties.CreatedOn is not { } created)
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Key Vault's secret bundle lacks its value, version id or created time."));
        }

        return new ReadResult.Found(new SecretPayload(new SourceVersion(version, created), AzureValues.Decode(secret.Value, _options.ValueFormat)));
    }

    /// <summary>One GET of the current version: its id, or the evidence that it is gone. Caches the id once settled.</summary>
    private async Task<VersionResult> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var (secret, error) = await GetAsync(name, null, "version", cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            _resolved.TryRemove(name, out _);
            return error.IsSecretNotFound
                ? new VersionResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret {name} in the vault (never created, or deleted)"))
                : error.IsDisabled
                    ? new VersionResult.Absent(new Absence(AbsenceKind.Disabled, $"the current version of secret {name} is disabled"))
                    : new VersionResult.Failed(error.Failure);
        }

        var properties = secret!.Value?.Properties;
        if (properties?.Version is not { Length: > 0 } id || properties.CreatedOn is not { } created)
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Key Vault's secret bundle lacks its version id or created time."));
        }

        var version = new SourceVersion(id, created);
        var date = secret.GetRawResponse().Headers.Date;
        if (date is { } now && properties.UpdatedOn is { } updated && now - updated >= SettleMargin)
        {
            _resolved[name] = new Resolved(Fingerprint.Of(properties), version);
        }
        else
        {
            _resolved.TryRemove(name, out _);
        }

        return new VersionResult.Current(version);
    }

    private async Task<(Dictionary<string, SecretProperties>? Items, int Pages, KeyVaultError? Error)> ListAsync(CancellationToken cancellationToken)
    {
        var items = new Dictionary<string, SecretProperties>(AzureNames.Comparer);
        var pages = 0;
        var (_, error) = await CallAsync("list", async ct =>
        {
            await foreach (var page in _client.GetPropertiesOfSecretsAsync(ct).AsPages(null, PageSize).WithCancellation(ct).ConfigureAwait(false))
            {
                pages++;
                Metrics.Record(Provider, "list", "ok");
                foreach (var item in page.Values)
                {
                    items[item.Name] = item;
                }
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            Metrics.Record(Provider, "list", KeyVaultError.MetricResultOf(error));
            return (null, pages + 1, error);
        }

        lock (_gate)
        {
            _listPages = pages;
            _cyclesWithoutList = 0;
        }

        return (items, pages, null);
    }

    private bool ShouldList(int names)
    {
        lock (_gate)
        {
            if (_listPages is null || _listPages <= names || ++_cyclesWithoutList >= RelistEvery)
            {
                return true;
            }

            return false;
        }
    }

    protected override async ValueTask<WriteResult> WriteCoreAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken)
    {
        if (!AzureNames.TryMap(path, out var name, out var problem))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        // Key Vault has no conditional write: compare the current version first, then set (a narrow race remains).
        var (current, error) = await GetAsync(name, null, "write", cancellationToken).ConfigureAwait(false);
        string? currentVersion;
        if (error is null)
        {
            currentVersion = current!.Value.Properties.Version;
        }
        else if (error.IsSecretNotFound)
        {
            currentVersion = null;
        }
        else if (error.IsDisabled)
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected,
                $"the current version of secret {name} is disabled, so it cannot be compared; enable it (or write it in the portal) first"));
        }
        else
        {
            return new WriteResult.Failed(error.Failure);
        }

        if (!string.Equals(currentVersion, expectedVersion, StringComparison.OrdinalIgnoreCase))
        {
            return new WriteResult.VersionMismatch(currentVersion);
        }

        var secret = new KeyVaultSecret(name, AzureValues.Encode(values, _options.ValueFormat));
        var (written, setError) = await CallAsync("write", ct => _client.SetSecretAsync(secret, ct), cancellationToken).ConfigureAwait(false);
        Metrics.Record(Provider, "write", KeyVaultError.MetricResultOf(setError));
        _resolved.TryRemove(name, out _);
        if (setError is not null)
        {
            return new WriteResult.Failed(setError.Failure);
        }

        var properties = written!.Value.Properties;
        return properties.Version is { Length: > 0 } id && properties.CreatedOn is { } created
            ? new WriteResult.Written(new SourceVersion(id, created))
            : new WriteResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Key Vault accepted the write but its answer lacks the version id or created time."));
    }

    private async Task<(Response<KeyVaultSecret>? Secret, KeyVaultError? Error)> GetAsync(string name, string? version, string operation, CancellationToken cancellationToken)
    {
        var result = await CallAsync(operation, ct => _client.GetSecretAsync(name, version, ct), cancellationToken).ConfigureAwait(false);
        Metrics.Record(Provider, operation, KeyVaultError.MetricResultOf(result.Error));
        return result;
    }

    private async Task<(T? Value, KeyVaultError? Error)> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(_budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            return (await call(linked.Token).ConfigureAwait(false), null);
        }
        catch (Exception e) when (AzureOutcomes.IsKnown(e) && !cancellationToken.IsCancellationRequested &&
                                  AzureOutcomes.Classify(e, operation == "version" ? "version check" : operation, _time, cancellationToken) is { } error)
        {
            return (default, error);
        }
    }

    private static void Assign(ConcurrentDictionary<string, VersionResult> results, List<string> paths, VersionResult result)
    {
        foreach (var path in paths)
        {
            results[path] = result;
        }
    }

    private void LogFailures(ConcurrentDictionary<string, VersionResult> results)
    {
        foreach (var (path, result) in results)
        {
            if (result is VersionResult.Failed failed)
            {
                LogFailure("version check", path, failed.Failure);
            }
        }
    }

    /// <summary>What a list entry says about the current version: created, updated (epoch seconds) and enabled.</summary>
    private readonly record struct Fingerprint(long? Created, long? Updated, bool? Enabled)
    {
        public static Fingerprint Of(SecretProperties properties) =>
            new(properties.CreatedOn?.ToUnixTimeSeconds(), properties.UpdatedOn?.ToUnixTimeSeconds(), properties.Enabled);
    }

    private sealed record Resolved(Fingerprint Fingerprint, SourceVersion Version);
}
