using System.Collections.Frozen;
using System.Text;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Rendering;

/// <summary>The data of a Secret about to be written. <see cref="ToString"/> never prints values.</summary>
public sealed class RenderedSecret
{
    internal RenderedSecret(string type, IReadOnlyDictionary<string, byte[]> data, long size)
    {
        Type = type;
        Data = data;
        Size = size;
    }

    /// <summary>The Secret type.</summary>
    public string Type { get; }

    /// <summary>Secret key to value bytes.</summary>
    public IReadOnlyDictionary<string, byte[]> Data { get; }

    /// <summary>Bytes of keys and values together, the figure checked against <see cref="SecretRenderer.MaxDataBytes"/>.</summary>
    public long Size { get; }

    /// <inheritdoc />
    public override string ToString() => $"RenderedSecret({Type}, {Data.Count} keys, {Size} bytes)";
}

/// <summary>Why a source version cannot be written as a Secret.</summary>
public enum RenderErrorKind
{
    /// <summary>A key (after renaming) is not a valid Secret key.</summary>
    InvalidKey,

    /// <summary>A rename maps a key onto another key of the same source.</summary>
    KeyCollision,

    /// <summary>A key listed in the renames is not in the source.</summary>
    MissingKey,

    /// <summary>The data exceeds what a Secret can hold.</summary>
    TooLarge,
}

/// <summary>A render failure; the message names keys and sizes, never values.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">Explanation for audit events and logs.</param>
public sealed record RenderError(RenderErrorKind Kind, string Message);

/// <summary>The outcome of rendering: Secret data, or why there is none.</summary>
public abstract record RenderResult
{
    private RenderResult()
    {
    }

    /// <summary>The data to write.</summary>
    public sealed record Rendered(RenderedSecret Secret) : RenderResult;

    /// <summary>Nothing can be written; the last good Secret stays.</summary>
    public sealed record Failed(RenderError Error) : RenderResult;
}

/// <summary>Turns a source version into Secret data, applying a target's key renames.</summary>
public static class SecretRenderer
{
    /// <summary>Most bytes of keys and values a Secret may hold (Kubernetes' 1 MiB object limit).</summary>
    public const int MaxDataBytes = 1_048_576;

    /// <summary>Renders <paramref name="payload"/> for <paramref name="target"/>; never throws for bad data.</summary>
    public static RenderResult Render(DesiredTarget target, SecretPayload payload)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(payload);

        if (target.KeyRenames.Keys.FirstOrDefault(key => !payload.Values.ContainsKey(key)) is { } missing)
        {
            return Fail(RenderErrorKind.MissingKey, $"source {target.Source} version {payload.Version} has no key '{missing}' named in the renames of bundle {target.Bundle}");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long size = 0;
        foreach (var (sourceKey, value) in payload.Values)
        {
            var key = target.KeyRenames.GetValueOrDefault(sourceKey, sourceKey);
            if (!KubernetesNames.IsSecretKey(key))
            {
                return Fail(RenderErrorKind.InvalidKey, $"key '{key}' of source {target.Source} is not a valid Secret key; rename it with 'keys' in bundle {target.Bundle}");
            }

            if (!data.TryAdd(key, value))
            {
                return Fail(RenderErrorKind.KeyCollision, $"two keys of source {target.Source} would both be written as '{key}'; fix the renames of bundle {target.Bundle}");
            }

            size += Encoding.UTF8.GetByteCount(key) + value.LongLength;
        }

        return size > MaxDataBytes
            ? Fail(RenderErrorKind.TooLarge, $"source {target.Source} renders to {size} bytes, over the Secret limit of {MaxDataBytes}")
            : new RenderResult.Rendered(new RenderedSecret(target.Type, data.ToFrozenDictionary(StringComparer.Ordinal), size));
    }

    private static RenderResult.Failed Fail(RenderErrorKind kind, string message) => new(new RenderError(kind, message));
}
