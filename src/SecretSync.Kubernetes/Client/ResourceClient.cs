using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Watch;

namespace SecretSync.Kubernetes.Client;

/// <summary>Typed calls on one resource (Secrets, Namespaces, ...): get, list, create, replace, patch, delete, watch.</summary>
/// <typeparam name="T">The object type.</typeparam>
/// <remarks>
/// Namespace arguments are required for namespaced resources on single-object calls, null for cluster-scoped ones,
/// and null on list/watch of a namespaced resource means all namespaces.
/// Every call may throw <see cref="KubernetesApiException"/> (the server's Status), <see cref="HttpRequestException"/>
/// (no answer), <see cref="TimeoutException"/> (no answer in time) or <see cref="JsonException"/> (an unreadable answer).
/// </remarks>
public sealed class ResourceClient<T>
    where T : class, IKubernetesObject
{
    private const int MaxListRestarts = 3;
    private const int DefaultPageSize = 500;

    private readonly ApiTransport _transport;
    private readonly ResourceDescriptor<T> _resource;

    internal ResourceClient(ApiTransport transport, ResourceDescriptor<T> resource)
    {
        _transport = transport;
        _resource = resource;
    }

    /// <summary>Reads one object.</summary>
    /// <param name="ns">The namespace, or null for a cluster-scoped resource.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.NotFound"/> when it does not exist.</exception>
    public Task<T> GetAsync(string? ns, string name, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(new ApiRequest(HttpMethod.Get, _resource.ItemPath(ns, name), "get"), _resource.Type, cancellationToken);

    /// <summary>Reads one object, or null when it (or its namespace) does not exist.</summary>
    /// <param name="ns">The namespace, or null for a cluster-scoped resource.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object, or null on 404.</returns>
    public async Task<T?> TryGetAsync(string? ns, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.Reason == KubernetesErrorReason.NotFound)
        {
            return null;
        }
    }

    /// <summary>Reads one page of objects.</summary>
    /// <param name="ns">The namespace; null lists all namespaces (or a cluster-scoped resource).</param>
    /// <param name="options">Selectors, page size and continue token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page; <c>Metadata.Continue</c> is set when more pages follow.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.Gone"/> when the continue token expired.</exception>
    public Task<KubernetesList<T>> ListAsync(string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var query = ApiTransport.Query(
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector),
            ("limit", options.Limit is { } limit ? ApiTransport.Invariant(limit) : null),
            ("continue", options.Continue),
            ("resourceVersion", options.ResourceVersion));
        return _transport.SendAsync(new ApiRequest(HttpMethod.Get, _resource.CollectionPath(ns) + query, "list"), _resource.ListType, cancellationToken);
    }

    /// <summary>Reads every object, page by page, as one list at one resourceVersion.</summary>
    /// <param name="ns">The namespace; null lists all namespaces (or a cluster-scoped resource).</param>
    /// <param name="options">Selectors; <c>Limit</c> is the page size (default 500); <c>Continue</c> is ignored.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>All items, with the first page's resourceVersion (kubernetes.md §3: all pages share it).</returns>
    /// <remarks>A continue token that expires mid-way (410) restarts the list from the first page, up to three times.</remarks>
    public async Task<KubernetesList<T>> ListAllAsync(string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new ListOptions()) with { Continue = null };
        options = options with { Limit = options.Limit ?? DefaultPageSize };
        for (var restart = 0; ; restart++)
        {
            var items = new List<T>();
            KubernetesList<T>? first = null;
            string? token = null;
            try
            {
                do
                {
                    // A continued page is read at the first page's version; the server refuses both together.
                    var page = await ListAsync(ns, token is null ? options : options with { Continue = token, ResourceVersion = null }, cancellationToken).ConfigureAwait(false);
                    first ??= page;
                    items.AddRange(page.Items);
                    token = page.Metadata.Continue;
                }
                while (!string.IsNullOrEmpty(token));
            }
            catch (KubernetesApiException e) when (e.Reason == KubernetesErrorReason.Gone && token is not null && restart < MaxListRestarts)
            {
                continue;
            }

            return new KubernetesList<T>
            {
                Kind = first.Kind,
                ApiVersion = first.ApiVersion,
                Metadata = new ListMeta { ResourceVersion = first.Metadata.ResourceVersion },
                Items = items,
            };
        }
    }

    /// <summary>Creates an object in the namespace its metadata names.</summary>
    /// <param name="obj">The object; <c>metadata.namespace</c> is required for namespaced resources.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored, with uid and resourceVersion.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.AlreadyExists"/> when the name is taken.</exception>
    public Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var ns = NamespaceOf(obj);
        return _transport.SendAsync(Write(HttpMethod.Post, _resource.CollectionPath(ns), "create", obj), _resource.Type, cancellationToken);
    }

    /// <summary>Replaces an object (PUT); a set <c>metadata.resourceVersion</c> makes it conditional.</summary>
    /// <param name="obj">The full new object; its metadata names it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.Conflict"/> when the resourceVersion is stale
    /// (kubernetes.md §5): re-read and apply the change again.</exception>
    public Task<T> ReplaceAsync(T obj, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("metadata.name is required to replace an object.", nameof(obj));
        return _transport.SendAsync(Write(HttpMethod.Put, _resource.ItemPath(NamespaceOf(obj), name), "update", obj), _resource.Type, cancellationToken);
    }

    /// <summary>Patches an object.</summary>
    /// <param name="ns">The namespace, or null for a cluster-scoped resource.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="patch">The patch and its type.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.Invalid"/> when a JSON patch <c>test</c> fails or the result is invalid.</exception>
    public Task<T> PatchAsync(string? ns, string name, KubernetesPatch patch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var sensitive = typeof(T) == typeof(Secret) ? patch.SecretValues() : null;
        var request = new ApiRequest(HttpMethod.Patch, _resource.ItemPath(ns, name), "patch", patch.Serialize(), patch.ContentType, sensitive);
        return _transport.SendAsync(request, _resource.Type, cancellationToken);
    }

    /// <summary>Deletes an object.</summary>
    /// <param name="ns">The namespace, or null for a cluster-scoped resource.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="options">Preconditions (uid, resourceVersion) and propagation; null deletes unconditionally.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the delete (deletion may still be in progress).</returns>
    /// <exception cref="KubernetesApiException">With <see cref="KubernetesErrorReason.NotFound"/> when absent, or
    /// <see cref="KubernetesErrorReason.Conflict"/> when a precondition fails.</exception>
    public Task DeleteAsync(string? ns, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = options is null ? null : JsonSerializer.SerializeToUtf8Bytes(options, KubernetesJsonContext.Default.DeleteOptions);
        // The answer is a Status or the object itself, depending on the resource (kubernetes.md §2); neither is needed.
        return _transport.SendAndDiscardAsync(new ApiRequest(HttpMethod.Delete, _resource.ItemPath(ns, name), "delete", body, "application/json"), cancellationToken);
    }

    /// <summary>Streams changes from a resourceVersion (kubernetes.md §3).</summary>
    /// <param name="ns">The namespace; null watches all namespaces (or a cluster-scoped resource).</param>
    /// <param name="options">Start version, selectors, bookmarks and server timeout.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The events, until the server ends the stream (normally at its timeout) or the connection drops.</returns>
    /// <exception cref="KubernetesApiException">An ERROR event or error response; <see cref="KubernetesErrorReason.Gone"/> when the
    /// start version is too old: re-list.</exception>
    /// <exception cref="IOException">The connection dropped mid-stream; resume from the last event's resourceVersion.</exception>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        var query = ApiTransport.Query(
            ("watch", "true"),
            ("resourceVersion", options.ResourceVersion),
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector),
            ("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null),
            ("timeoutSeconds", options.Timeout is { } t ? ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : null));
        var request = new ApiRequest(HttpMethod.Get, _resource.CollectionPath(ns) + query, "watch");

        // A silently dead connection would otherwise hang forever; the server ends the stream at its timeout first.
        using var deadline = options.Timeout is { } serverTimeout
            ? new CancellationTokenSource(serverTimeout + TimeSpan.FromSeconds(30), _transport.Time)
            : new CancellationTokenSource();
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);

        var response = await _transport.SendAsync(request, lifetime.Token).ConfigureAwait(false);
        using (response)
        {
            var stream = await response.Content.ReadAsStreamAsync(lifetime.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(lifetime.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Our own deadline past the server timeout: end the stream as the server should have.
                    line = null;
                }

                if (line is null)
                {
                    yield break;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                if (Parse(request, line) is { } watchEvent)
                {
                    yield return watchEvent;
                }
            }
        }
    }

    /// <summary>Lists then watches, resuming and re-listing as needed, into a bounded channel read by the caller.</summary>
    /// <param name="ns">The namespace; null for all namespaces (or a cluster-scoped resource).</param>
    /// <param name="options">Selectors, page size, watch timeout, back-off and channel capacity.</param>
    /// <param name="cancellationToken">Stops the reflector.</param>
    /// <returns>A <see cref="ReflectorEventType.Relisted"/> event with the full current set, then changes; again a
    /// <see cref="ReflectorEventType.Relisted"/> event whenever the cache must be rebuilt (after a 410).</returns>
    /// <remarks>Transient failures never end the sequence: they are reported to <see cref="ReflectorOptions.OnError"/> and retried
    /// with exponential back-off and jitter. Only cancellation ends it.</remarks>
    public IAsyncEnumerable<ReflectorEvent<T>> ReflectAsync(string? ns, ReflectorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReflectorOptions();
        options.Validate();
        return new Reflector<T>(this, ns, options, _transport.Time).RunAsync(cancellationToken);
    }

    private WatchEvent<T>? Parse(ApiRequest request, string line)
    {
        var raw = JsonSerializer.Deserialize(line, KubernetesJsonContext.Default.RawWatchEvent)
            ?? throw new JsonException("A watch line held no event.");
        WatchEventType type;
        switch (raw.Type)
        {
            case "ADDED":
                type = WatchEventType.Added;
                break;
            case "MODIFIED":
                type = WatchEventType.Modified;
                break;
            case "DELETED":
                type = WatchEventType.Deleted;
                break;
            case "BOOKMARK":
                type = WatchEventType.Bookmark;
                break;
            case "ERROR":
                // An expired start version usually arrives this way: HTTP 200, then ERROR with a 410 Status (kubernetes.md §3).
                var status = raw.Object.Deserialize(KubernetesJsonContext.Default.Status) ?? new Status { Code = 500, Message = "empty ERROR event" };
                throw ApiTransport.Failure(request, status);
            default:
                return null;
        }

        var obj = raw.Object.Deserialize(_resource.Type) ?? throw new JsonException($"A {raw.Type} watch event held no object.");
        return new WatchEvent<T>(type, obj);
    }

    private string? NamespaceOf(T obj)
    {
        if (!_resource.Namespaced)
        {
            return null;
        }

        return obj.Metadata.Namespace is { Length: > 0 } ns
            ? ns
            : throw new ArgumentException($"metadata.namespace is required for {_resource.Plural}.", nameof(obj));
    }

    private ApiRequest Write(HttpMethod method, string path, string verb, T obj) =>
        new(method, path, verb, JsonSerializer.SerializeToUtf8Bytes(obj, _resource.Type), "application/json", SensitiveValues.Of(obj));
}
