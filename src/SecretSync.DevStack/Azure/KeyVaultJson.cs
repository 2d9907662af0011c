using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Azure;

/// <summary>An answer the protocol writes: status, optional JSON body, optional extra headers.</summary>
internal sealed record KeyVaultReply(int Status, byte[]? Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static KeyVaultReply NoContent { get; } = new(204, null);
}

/// <summary>Key Vault's JSON shapes (azure-key-vault.md §2–§3): bundles, items, lists and errors.</summary>
internal static class KeyVaultJson
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary><c>{"error":{"code":…,"message":…[,"innererror":{"code":…}]}}</c> (§3).</summary>
    public static KeyVaultReply Error(int status, string code, string message, string? innerCode = null, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            if (innerCode is not null)
            {
                w.WriteStartObject("innererror");
                w.WriteString("code", innerCode);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }), headers);

    public static KeyVaultReply SecretNotFound(string what) =>
        Error(404, "SecretNotFound",
            $"A secret with (name/id) {what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182");

    public static KeyVaultReply DeletedSecretNotFound(string name) => Error(404, "SecretNotFound", $"Deleted Secret not found: {name}");

    public static KeyVaultReply BadParameter(string message) => Error(400, "BadParameter", message);

    /// <summary>A SecretBundle, or a DeletedSecretBundle when <paramref name="deleted"/> is given (§2).</summary>
    public static KeyVaultReply Bundle(string origin, string name, StoredVersion version, bool withValue, int recoverableDays, DeletedSecret? deleted = null) =>
        new(200, Write(w =>
        {
            w.WriteStartObject();
            if (withValue)
            {
                w.WriteString("value", version.Value);
            }

            WriteProperties(w, $"{origin}/secrets/{name}/{version.Id}", version, recoverableDays);
            if (deleted is not null)
            {
                WriteDeletion(w, origin, name, deleted);
            }

            w.WriteEndObject();
        }));

    /// <summary>A page of SecretItems (or DeletedSecretItems) with an absolute <c>nextLink</c> or null (§2 List).</summary>
    public static KeyVaultReply Page<T>(IReadOnlyList<T> items, string? nextLink, Action<Utf8JsonWriter, T> writeItem) =>
        new(200, Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("value");
            foreach (var item in items)
            {
                w.WriteStartObject();
                writeItem(w, item);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (nextLink is null)
            {
                w.WriteNull("nextLink");
            }
            else
            {
                w.WriteString("nextLink", nextLink);
            }

            w.WriteEndObject();
        }));

    /// <summary><c>id</c>, <c>contentType</c>, <c>attributes</c> (epoch seconds) and <c>tags</c>.</summary>
    public static void WriteProperties(Utf8JsonWriter w, string id, StoredVersion version, int recoverableDays)
    {
        w.WriteString("id", id);
        if (version.ContentType is not null)
        {
            w.WriteString("contentType", version.ContentType);
        }

        w.WriteStartObject("attributes");
        w.WriteBoolean("enabled", version.Enabled);
        if (version.NotBefore is { } nbf)
        {
            w.WriteNumber("nbf", nbf);
        }

        if (version.Expires is { } exp)
        {
            w.WriteNumber("exp", exp);
        }

        w.WriteNumber("created", version.Created);
        w.WriteNumber("updated", version.Updated);
        w.WriteString("recoveryLevel", recoverableDays >= 90 ? "Recoverable+Purgeable" : "CustomizedRecoverable+Purgeable");
        w.WriteNumber("recoverableDays", recoverableDays);
        w.WriteEndObject();
        if (version.Tags is { } tags)
        {
            w.WriteStartObject("tags");
            foreach (var (key, value) in tags)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }
    }

    public static void WriteDeletion(Utf8JsonWriter w, string origin, string name, DeletedSecret deleted)
    {
        w.WriteString("recoveryId", $"{origin}/deletedsecrets/{name}");
        w.WriteNumber("deletedDate", deleted.DeletedDate);
        w.WriteNumber("scheduledPurgeDate", deleted.ScheduledPurgeDate);
    }

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return stream.ToArray();
    }

    public static string Text(byte[]? body) => body is null ? "" : Encoding.UTF8.GetString(body);
}
