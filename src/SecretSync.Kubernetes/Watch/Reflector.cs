using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Polly;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Watch;

/// <summary>List-then-watch with resume and re-list (kubernetes.md §3), feeding a bounded channel.</summary>
/// <remarks>
/// After kubernetes-reflector's watcher: the stream is read by a producer task into a bounded channel, so a slow consumer
/// pauses the stream instead of buffering without limit. The last resourceVersion seen (events and bookmarks) is where
/// a new watch starts after a normal end or a dropped connection; a 410 (ERROR event or HTTP) forces a fresh LIST,
/// delivered as one <see cref="ReflectorEventType.Relisted"/> event from which the consumer rebuilds its cache (or, with
/// <see cref="ReflectorOptions.DeliverPages"/>, page by page).
/// </remarks>
internal sealed class Reflector<T>(ResourceClient<T> client, string? ns, ReflectorOptions options, TimeProvider time)
    where T : class, IKubernetesObject
{
    // A stream that ends normally this soon without delivering anything is treated as a failure, so a server that
    // closes at once cannot make the reflector spin.
    private static readonly TimeSpan HealthyStream = TimeSpan.FromSeconds(1);

    // Failed lists are retried by Polly; a failed watch goes round the loop (resume or re-list) and waits with the same back-off.
    private readonly ResiliencePipeline _relist = options.Backoff.BuildPipeline(time, _ => true, (error, _, _) => options.OnError?.Invoke(error));

    private int _failures;

    public async IAsyncEnumerable<ReflectorEvent<T>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ReflectorEvent<T>>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    private async Task ProduceAsync(ChannelWriter<ReflectorEvent<T>> writer, CancellationToken cancellationToken)
    {
        Exception? fault = null;
        try
        {
            await LoopAsync(writer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the consumer.
        }
        catch (Exception e)
        {
            fault = e;
        }
        finally
        {
            writer.TryComplete(fault);
        }
    }

    private async Task LoopAsync(ChannelWriter<ReflectorEvent<T>> writer, CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var freshList = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (resourceVersion is null)
            {
                resourceVersion = await _relist.ExecuteAsync(ct => new ValueTask<string>(ListAsync(writer, ct)), cancellationToken).ConfigureAwait(false);
                freshList = true;
                _failures = 0;
            }

            var started = time.GetTimestamp();
            var received = false;
            try
            {
                var watch = new WatchOptions
                {
                    ResourceVersion = resourceVersion,
                    LabelSelector = options.LabelSelector,
                    FieldSelector = options.FieldSelector,
                    AllowWatchBookmarks = true,
                    // Randomised like client-go's reflector, so replicas do not reconnect in lockstep.
                    Timeout = options.WatchTimeout * (1 + Random.Shared.NextDouble()),
                };
                await foreach (var change in client.WatchAsync(ns, watch, cancellationToken).ConfigureAwait(false))
                {
                    received = true;
                    _failures = 0;
                    if (change.ResourceVersion is { Length: > 0 } version)
                    {
                        resourceVersion = version;
                    }

                    if (change.Type != WatchEventType.Bookmark)
                    {
                        await writer.WriteAsync(ReflectorEvent<T>.Change(change), cancellationToken).ConfigureAwait(false);
                    }
                }

                // The server ended the stream at its timeout: resume from where we are.
                if (!received && time.GetElapsedTime(started) < HealthyStream)
                {
                    await FailedAsync(new IOException("The watch stream ended at once without any event."), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (KubernetesApiException e) when (e.Reason == KubernetesErrorReason.Gone && !cancellationToken.IsCancellationRequested)
            {
                // Our resourceVersion left the server's history: drop it and re-list. Right after a list this means the
                // server cannot serve its own version; back off instead of looping.
                resourceVersion = null;
                if (freshList && !received)
                {
                    await FailedAsync(e, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    options.OnError?.Invoke(e);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                await FailedAsync(e, cancellationToken).ConfigureAwait(false);
            }

            freshList = false;
        }
    }

    private Task<string> ListAsync(ChannelWriter<ReflectorEvent<T>> writer, CancellationToken cancellationToken)
    {
        var list = new ListOptions { LabelSelector = options.LabelSelector, FieldSelector = options.FieldSelector, Limit = options.PageSize };
        return options.DeliverPages ? ListInPagesAsync(writer, list, cancellationToken) : ListWholeAsync(writer, list, cancellationToken);
    }

    private async Task<string> ListWholeAsync(ChannelWriter<ReflectorEvent<T>> writer, ListOptions list, CancellationToken cancellationToken)
    {
        var all = await client.ListAllAsync(ns, list, cancellationToken).ConfigureAwait(false);
        var resourceVersion = all.Metadata.ResourceVersion ?? "";
        await writer.WriteAsync(ReflectorEvent<T>.Relisted(all.Items, resourceVersion), cancellationToken).ConfigureAwait(false);
        return resourceVersion;
    }

    /// <summary>Hands each page on as it arrives; a continue token that expires (410) fails the attempt, and the next one starts over.</summary>
    private async Task<string> ListInPagesAsync(ChannelWriter<ReflectorEvent<T>> writer, ListOptions list, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(ReflectorEvent<T>.Started(), cancellationToken).ConfigureAwait(false);
        string? resourceVersion = null;
        string? token = null;
        do
        {
            // A continued page is read at the first page's version; the server refuses both together.
            var page = await client.ListAsync(ns, token is null ? list : list with { Continue = token, ResourceVersion = null }, cancellationToken).ConfigureAwait(false);
            resourceVersion ??= page.Metadata.ResourceVersion ?? "";
            token = page.Metadata.Continue;
            await writer.WriteAsync(ReflectorEvent<T>.Page(page.Items, resourceVersion), cancellationToken).ConfigureAwait(false);
        }
        while (!string.IsNullOrEmpty(token));

        await writer.WriteAsync(ReflectorEvent<T>.Relisted([], resourceVersion), cancellationToken).ConfigureAwait(false);
        return resourceVersion ?? "";
    }

    private async Task FailedAsync(Exception error, CancellationToken cancellationToken)
    {
        options.OnError?.Invoke(error);
        _failures = Math.Min(_failures + 1, 30);
        await Task.Delay(options.Backoff.DelayFor(_failures), time, cancellationToken).ConfigureAwait(false);
    }
}
