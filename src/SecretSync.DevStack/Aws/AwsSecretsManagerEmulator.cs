using SecretSync.DevStack.Aws;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>What the emulator holds for one secret, for tests to inspect.</summary>
/// <param name="Name">The secret's name.</param>
/// <param name="Arn">Its ARN (name plus six random characters).</param>
/// <param name="CurrentVersionId">The version labelled <c>AWSCURRENT</c>; null when none is.</param>
/// <param name="DeletedDate">When deletion was scheduled; null when it is not.</param>
/// <param name="VersionStages">The staging labels of every version kept.</param>
public sealed record AwsSecretSnapshot(
    string Name, string Arn, string? CurrentVersionId, DateTimeOffset? DeletedDate, IReadOnlyDictionary<string, IReadOnlyList<string>> VersionStages);

/// <summary>An in-process AWS Secrets Manager speaking the JSON 1.1 protocol, verifying SigV4 signatures.</summary>
/// <remarks>
/// Faithful at the HTTP level to <c>shared/reference/aws-secrets-manager.md</c> and checked against the official
/// npm SDK (<c>@aws-sdk/client-secrets-manager</c>) and Debian's awscli. Operations: CreateSecret, GetSecretValue,
/// BatchGetSecretValue, PutSecretValue, UpdateSecret, DescribeSecret, ListSecrets, ListSecretVersionIds, DeleteSecret
/// and RestoreSecret. The seeding methods act on the same state without signatures, faults or the request log.
/// Clients sign with <see cref="AccessKeyId"/> / <see cref="SecretAccessKey"/> for <see cref="Region"/>.
/// </remarks>
public sealed class AwsSecretsManagerEmulator : IAsyncDisposable
{
    private readonly EmulatorHost _host;
    private readonly AwsSecretStore _store;
    private readonly AwsSecretsManagerEmulatorOptions _options;

    private AwsSecretsManagerEmulator(EmulatorHost host, AwsSecretStore store, AwsSecretsManagerEmulatorOptions options)
    {
        _host = host;
        _store = store;
        _options = options;
    }

    /// <summary>The endpoint clients use, e.g. <c>http://127.0.0.1:41234/</c> (the adapter's <c>endpoint</c>, the CLI's <c>--endpoint-url</c>).</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>Every request answered, with its verb being the operation name from <c>X-Amz-Target</c> (e.g. <c>ListSecrets</c>).</summary>
    public RequestLog Requests => _host.Requests;

    /// <summary>Latency and errors: 429 answers <c>ThrottlingException</c>, 5xx <c>InternalServiceError</c> (match a verb to target one operation).</summary>
    public FaultInjector Faults => _host.Faults;

    /// <summary>The region requests must be signed for.</summary>
    public string Region => _options.Region;

    /// <summary>The account id in ARNs.</summary>
    public string AccountId => _options.AccountId;

    /// <summary>The access key id the emulator accepts.</summary>
    public string AccessKeyId => _options.AccessKeyId;

    /// <summary>The secret access key signatures are checked with.</summary>
    public string SecretAccessKey => _options.SecretAccessKey;

    /// <summary>Starts an emulator on 127.0.0.1 (and on <see cref="EmulatorListenOptions.UnixSocketPath"/> when set).</summary>
    /// <exception cref="ArgumentException">Empty region, account, access key id or secret key.</exception>
    public static async Task<AwsSecretsManagerEmulator> StartAsync(AwsSecretsManagerEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AwsSecretsManagerEmulatorOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Region, nameof(options.Region));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AccountId, nameof(options.AccountId));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AccessKeyId, nameof(options.AccessKeyId));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SecretAccessKey, nameof(options.SecretAccessKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSecretBytes, 1, nameof(options.MaxSecretBytes));
        var store = new AwsSecretStore(options);
        var host = await EmulatorHost.StartAsync(options, new AwsProtocol(options, store), cancellationToken);
        return new AwsSecretsManagerEmulator(host, store, options);
    }

    /// <summary>Creates the secret, or adds a version to it, holding <paramref name="value"/> as <c>SecretString</c>; the new version becomes <c>AWSCURRENT</c>.</summary>
    /// <returns>The new version id.</returns>
    /// <exception cref="InvalidOperationException">The secret is scheduled for deletion.</exception>
    public string PutSecret(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        return Guard(() => _store.Put(name, value, null));
    }

    /// <summary>Creates the secret, or adds a version to it, holding <paramref name="value"/> as <c>SecretBinary</c>.</summary>
    /// <returns>The new version id.</returns>
    /// <exception cref="InvalidOperationException">The secret is scheduled for deletion.</exception>
    public string PutSecretBinary(string name, byte[] value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        return Guard(() => _store.Put(name, null, [.. value]));
    }

    /// <summary>Deletes a secret as <c>DeleteSecret</c> does: scheduled after a recovery window (reads then fail with
    /// <c>InvalidRequestException</c>), or at once and for good with <paramref name="forceDeleteWithoutRecovery"/>.</summary>
    /// <exception cref="InvalidOperationException">No such secret.</exception>
    public void DeleteSecret(string name, bool forceDeleteWithoutRecovery = false, int recoveryWindowInDays = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recoveryWindowInDays, 7);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recoveryWindowInDays, 30);
        _store.Delete(name, forceDeleteWithoutRecovery, recoveryWindowInDays);
    }

    /// <summary>Cancels a scheduled deletion, as <c>RestoreSecret</c> does.</summary>
    /// <exception cref="InvalidOperationException">No such secret.</exception>
    public void RestoreSecret(string name) => _store.Restore(name);

    /// <summary>The secret's state; null when it does not exist.</summary>
    public AwsSecretSnapshot? Describe(string name) => _store.Snapshot(name);

    /// <summary>Makes IAM deny an operation (any when null) on a secret (any when null) with <c>AccessDeniedException</c> until disposed.</summary>
    /// <remarks>Inside <c>BatchGetSecretValue</c> a secret denied for <c>GetSecretValue</c> lands in <c>Errors</c>, as on AWS.</remarks>
    public IDisposable Deny(string? operation = null, string? secretName = null) => _store.Deny(operation, secretName);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static string Guard(Func<string> put)
    {
        try
        {
            return put();
        }
        catch (AwsError e)
        {
            throw new InvalidOperationException($"The emulator refused the secret ({e.Code}): {e.Message}", e);
        }
    }

}
