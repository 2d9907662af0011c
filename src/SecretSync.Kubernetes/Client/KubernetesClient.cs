using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Client;

/// <summary>A narrow, typed Kubernetes API client over <see cref="HttpClient"/>.</summary>
/// <remarks>
/// One instance per API server, shared by all callers: it owns the connection pool, the client-side rate limiter
/// (token bucket; watches count only for their initial request) and the bearer-token source. Requests answered with
/// 429, or 5xx with <c>Retry-After</c>, are retried after the wait the server asked for, a bounded number of times.
/// </remarks>
public sealed class KubernetesClient : IDisposable
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> the client reports to.</summary>
    public const string MeterName = KubernetesMetrics.MeterName;

    /// <summary>The request counter, tagged <c>verb</c> and <c>code</c> (HTTP status, or <c>error</c> when no answer came).</summary>
    public const string RequestCounterName = KubernetesMetrics.RequestCounterName;

    private readonly ApiTransport _transport;

    /// <summary>Creates a client for the server and credentials in <paramref name="config"/>.</summary>
    /// <param name="config">Where the server is and how to authenticate.</param>
    /// <param name="options">Rate limits and retries; null uses the defaults.</param>
    /// <param name="timeProvider">The clock for rate limiting, retries, back-off and token re-reads; null uses the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public KubernetesClient(KubernetesClientConfig config, KubernetesClientOptions? options = null, TimeProvider? timeProvider = null)
        : this(config, options, timeProvider, CreateHandler(config))
    {
    }

    internal KubernetesClient(KubernetesClientConfig config, KubernetesClientOptions? options, TimeProvider? timeProvider, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new KubernetesClientOptions();
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        Config = config;
        var tokens = new BearerTokenSource(config.BearerToken, config.BearerTokenFile, time);
        _transport = new ApiTransport(handler, config.Server, tokens, options, time);
        Secrets = new ResourceClient<Secret>(_transport, ResourceDescriptor<Secret>.Secrets);
        ConfigMaps = new ResourceClient<ConfigMap>(_transport, ResourceDescriptor<ConfigMap>.ConfigMaps);
        Namespaces = new ResourceClient<Namespace>(_transport, ResourceDescriptor<Namespace>.Namespaces);
        Events = new ResourceClient<Event>(_transport, ResourceDescriptor<Event>.Events);
        // Leader election sends one request per retry period; queued behind a burst of writes, a renewal would miss its
        // deadline and cost the leadership (controller-runtime gives leader election its own client for the same reason).
        Leases = new ResourceClient<Lease>(_transport.Unlimited(), ResourceDescriptor<Lease>.Leases);
        Deployments = new ResourceClient<Deployment>(_transport, ResourceDescriptor<Deployment>.Deployments);
        StatefulSets = new ResourceClient<StatefulSet>(_transport, ResourceDescriptor<StatefulSet>.StatefulSets);
        DaemonSets = new ResourceClient<DaemonSet>(_transport, ResourceDescriptor<DaemonSet>.DaemonSets);
    }

    /// <summary>The configuration the client was built from.</summary>
    public KubernetesClientConfig Config { get; }

    /// <summary>The namespace of the kubeconfig context or the pod's service account.</summary>
    public string DefaultNamespace => Config.Namespace;

    /// <summary>core/v1 Secrets.</summary>
    public ResourceClient<Secret> Secrets { get; }

    /// <summary>core/v1 ConfigMaps.</summary>
    public ResourceClient<ConfigMap> ConfigMaps { get; }

    /// <summary>core/v1 Namespaces (cluster-scoped: pass a null namespace).</summary>
    public ResourceClient<Namespace> Namespaces { get; }

    /// <summary>core/v1 Events.</summary>
    public ResourceClient<Event> Events { get; }

    /// <summary>coordination.k8s.io/v1 Leases; not held back by the client's rate limit.</summary>
    public ResourceClient<Lease> Leases { get; }

    /// <summary>apps/v1 Deployments (read-only models: patch, never replace).</summary>
    public ResourceClient<Deployment> Deployments { get; }

    /// <summary>apps/v1 StatefulSets (read-only models: patch, never replace).</summary>
    public ResourceClient<StatefulSet> StatefulSets { get; }

    /// <summary>apps/v1 DaemonSets (read-only models: patch, never replace).</summary>
    public ResourceClient<DaemonSet> DaemonSets { get; }

    internal TokenBucket? RateLimiter => _transport.Limiter;

    /// <inheritdoc />
    public void Dispose() => _transport.Dispose();

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Long-lived watches each hold a connection; do not let them starve ordinary requests.
            MaxConnectionsPerServer = int.MaxValue,
            AllowAutoRedirect = false,
            UseProxy = false,
        };
        if (config.ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        if (config.InsecureSkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.CertificateAuthority is { Count: > 0 } || config.TlsServerName is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, presented, presentedChain, errors) => Verify(config.CertificateAuthority, config.TlsServerName, presented, presentedChain, errors);
        }

        return handler;
    }

    /// <summary>Checks the server certificate against the configured CAs (kubernetes.md §6: in-cluster, trust only
    /// ca.crt) or the system store, and against <c>tls-server-name</c> when set, else the URL host.</summary>
    /// <remarks>SocketsHttpHandler validates (and sends SNI for) the URL host whatever <c>SslOptions.TargetHost</c> says, so
    /// the <c>tls-server-name</c> check is done here; SNI still carries the URL host.</remarks>
    internal static bool Verify(X509Certificate2Collection? authorities, string? serverName, X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        if (presented is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        // The presented certificate belongs to the TLS stream: use it, never dispose it.
        using var copy = presented is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        var leaf = presented as X509Certificate2 ?? copy!;
        var nameMatches = serverName is null
            ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
            : leaf.MatchesHostname(serverName);
        if (!nameMatches)
        {
            return false;
        }

        if (authorities is not { Count: > 0 })
        {
            return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presentedChain is not null)
        {
            // Intermediates the server sent, so a CA bundle holding only the root still verifies.
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
