using System.Text;
using SecretSync.Core.Audit;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Audit.Events;

/// <summary>What one audit event says as a Kubernetes Event: where, about what, type, reason and message.</summary>
/// <param name="Namespace">The namespace the Event is written to.</param>
/// <param name="InvolvedKind">The kind of the object the Event is about: <c>Secret</c> or <c>Namespace</c>.</param>
/// <param name="InvolvedName">The name of that object.</param>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">The CamelCase reason.</param>
/// <param name="Message">A sentence built only from the audit event's value-free fields, at most <see cref="MaxMessageBytes"/>.</param>
internal sealed record EventDraft(string Namespace, string InvolvedKind, string InvolvedName, string Type, string Reason, string Message)
{
    /// <summary>The longest message in UTF-8 bytes (kubernetes.md §1: the <c>note</c> of an Event is at most 1 KB).</summary>
    public const int MaxMessageBytes = 1024;

    private const string Ellipsis = "…";

    /// <summary>Type, reason and the message's opening words of each action that becomes an Event.</summary>
    private static readonly Dictionary<string, (string Type, string Reason, string Lead)> Actions = new(StringComparer.Ordinal)
    {
        [AuditActions.Created] = (Event.NormalType, "SecretSynced", "Secret synced"),
        [AuditActions.Updated] = (Event.NormalType, "SecretRotated", "Secret rotated to a new source version"),
        [AuditActions.Restored] = (Event.NormalType, "SecretRestored", "Secret edited or deleted outside secretsync was restored"),
        [AuditActions.Pruned] = (Event.NormalType, "SecretPruned", "Secret deleted because it is no longer desired"),
        [AuditActions.Revoked] = (Event.WarningType, "SecretRevoked", "Secret deleted because its source is gone"),
        [AuditActions.Conflict] = (Event.WarningType, "SecretConflict", "Secret left untouched because secretsync does not manage it"),
        [AuditActions.Denied] = (Event.WarningType, "BundleDenied", "Bundle requested by this namespace is not allowed here"),
        [AuditActions.Failed] = (Event.WarningType, "SyncFailed", "Sync failed; the last good Secret stays"),
        [AuditActions.RevocationPaused] = (Event.WarningType, "RevocationPaused", "Revocation paused by the brake; the Secret stays"),
    };

    /// <summary>The aggregation key: the same condition on the same object.</summary>
    public (string Namespace, string Kind, string Name, string Reason) Key => (Namespace, InvolvedKind, InvolvedName, Reason);

    /// <summary>The Event for <paramref name="auditEvent"/>, or null when it names no namespace or its action is not evented.</summary>
    public static EventDraft? From(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (string.IsNullOrEmpty(auditEvent.Namespace) || !Actions.TryGetValue(auditEvent.Action, out var shape))
        {
            return null;
        }

        // A write the daemon attempted and could not finish needs attention, whatever it was.
        if (auditEvent.Outcome == AuditOutcomes.Failure && auditEvent.Action != AuditActions.Failed)
        {
            shape = (Event.WarningType, "SyncFailed", $"Could not complete '{auditEvent.Action}'; the last good Secret stays");
        }

        var (kind, name) = string.IsNullOrEmpty(auditEvent.Secret) ? ("Namespace", auditEvent.Namespace) : ("Secret", auditEvent.Secret);
        return new EventDraft(auditEvent.Namespace, kind, name, shape.Type, shape.Reason, Compose(shape.Lead, auditEvent));
    }

    /// <summary>The reference to the object the Event is about.</summary>
    public ObjectReference InvolvedObject() => new()
    {
        ApiVersion = "v1",
        Kind = InvolvedKind,
        Name = InvolvedName,
        // Also for a Namespace (cluster-scoped): the API server rejects a legacy Event whose involvedObject.namespace
        // is empty unless the Event itself lives in "default".
        Namespace = Namespace,
    };

    /// <summary>The sentence: lead, then bundle, source and version, then the error and detail. Nothing else is read.</summary>
    private static string Compose(string lead, AuditEvent auditEvent)
    {
        var text = new StringBuilder(lead);
        var context = new List<string>(3);
        if (!string.IsNullOrEmpty(auditEvent.Bundle))
        {
            context.Add($"bundle {auditEvent.Bundle}");
        }

        var source = (auditEvent.Provider, auditEvent.Source) switch
        {
            ({ Length: > 0 } provider, { Length: > 0 } path) => $"source {provider}:{path}",
            ({ Length: > 0 } provider, _) => $"provider {provider}",
            (_, { Length: > 0 } path) => $"source {path}",
            _ => null,
        };
        if (source is not null)
        {
            context.Add(source);
        }

        if (!string.IsNullOrEmpty(auditEvent.SourceVersion))
        {
            context.Add($"version {auditEvent.SourceVersion}");
        }

        if (context.Count > 0)
        {
            text.Append(" (").AppendJoin(", ", context).Append(')');
        }

        var why = string.Join("; ", new[] { auditEvent.Error, auditEvent.Detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (why.Length > 0)
        {
            text.Append(": ").Append(why);
        }

        if (text[^1] is not ('.' or '!' or '?'))
        {
            text.Append('.');
        }

        return Fit(OneLine(text));
    }

    private static string OneLine(StringBuilder text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]))
            {
                text[i] = ' ';
            }
        }

        return text.ToString();
    }

    /// <summary>Cuts the text to <see cref="MaxMessageBytes"/> of UTF-8, marking the cut, without splitting a character.</summary>
    private static string Fit(string text)
    {
        if (Encoding.UTF8.GetByteCount(text) <= MaxMessageBytes)
        {
            return text;
        }

        var budget = MaxMessageBytes - Encoding.UTF8.GetByteCount(Ellipsis);
        var length = 0;
        var bytes = 0;
        while (length < text.Length)
        {
            var step = char.IsSurrogatePair(text, length) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(length, step));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return string.Concat(text.AsSpan(0, length), Ellipsis);
    }
}
