using System.Globalization;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>Reads single values out of a provider's flattened settings, adding one <see cref="SettingError"/> per problem.</summary>
/// <remarks>Readers never throw on bad input: they record the error and return a fallback, so one pass reports every problem.</remarks>
public static class SettingsReader
{
    /// <summary>The most retries <see cref="ReadMaxRetries"/> accepts.</summary>
    public const int MaxRetriesLimit = 10;

    // Keys the configuration layer may pass through alongside the provider's own settings.
    private static readonly string[] EntryKeys = ["type", "name"];

    /// <summary>A setting's value without surrounding white space; <see langword="null"/> when missing or blank.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <returns>The trimmed value, or <see langword="null"/>.</returns>
    public static string? Trimmed(ProviderSettings settings, string key)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Get(key)?.Trim() is { Length: > 0 } value ? value : null;
    }

    /// <summary>A required setting's trimmed value; when missing or blank, an error <c>{key} is required: {what}</c> and <see langword="null"/>.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="what">What the setting holds, with an example.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The trimmed value, or <see langword="null"/>.</returns>
    public static string? Required(ProviderSettings settings, string key, string what, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var value = Trimmed(settings, key);
        if (value is null)
        {
            errors.Add(new SettingError(key, $"{key} is required: {what}"));
        }

        return value;
    }

    /// <summary>Reports every key that is neither a known setting nor an entry key (<c>type</c>, <c>name</c>), in ordinal order.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="providerType">The provider type for messages, e.g. <c>vault</c>.</param>
    /// <param name="knownKeys">The provider's settings; case-sensitive.</param>
    /// <param name="errors">Collects one error per unknown key.</param>
    /// <param name="explain">
    /// Gives a provider-specific error for an unknown key (e.g. a literal credential), or <see langword="null"/> for the
    /// generic one, which suggests a key differing only in case or lists the known keys.
    /// </param>
    public static void CheckKeys(
        ProviderSettings settings, string providerType, IReadOnlyCollection<string> knownKeys, List<SettingError> errors,
        Func<string, SettingError?>? explain = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var key in settings.Keys.Order(StringComparer.Ordinal))
        {
            if (knownKeys.Contains(key, StringComparer.Ordinal) || EntryKeys.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            if (explain?.Invoke(key) is { } specific)
            {
                errors.Add(specific);
                continue;
            }

            var hint = knownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            errors.Add(new SettingError(key, hint is not null
                ? $"Unknown {providerType} setting '{key}'; did you mean '{hint}'? Keys are case-sensitive."
                : $"Unknown {providerType} setting '{key}'. Known settings: {string.Join(", ", knownKeys)}."));
        }
    }

    /// <summary>Reports each of <paramref name="keys"/> that is present but blank.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="keys">The keys to check, in reporting order.</param>
    /// <param name="advice">What to do instead, appended to "<c>{key} is empty; </c>".</param>
    /// <param name="errors">Collects one error per blank key.</param>
    public static void CheckNotBlank(ProviderSettings settings, IEnumerable<string> keys, string advice, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var key in keys)
        {
            if (settings.Get(key) is not null && Trimmed(settings, key) is null)
            {
                errors.Add(new SettingError(key, $"{key} is empty; {advice}"));
            }
        }
    }

    /// <summary>Whether any finding added after the first <paramref name="before"/> stops the configuration.</summary>
    /// <param name="errors">The findings so far.</param>
    /// <param name="before">How many there were before the provider's reader started.</param>
    /// <returns><see langword="true"/> when one of them is an <see cref="SettingSeverity.Error"/>.</returns>
    public static bool HasErrorsSince(List<SettingError> errors, int before)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Skip(before).Any(e => e.IsError);
    }

    /// <summary>Reports a file named by a setting that does not exist.</summary>
    /// <remarks>
    /// An absolute path is usually mounted into the pod (a projected token, a Secret or ConfigMap volume), so its
    /// absence here is a <see cref="SettingSeverity.RuntimeRequirement"/>; a relative path names a local file, so its
    /// absence is an error.
    /// </remarks>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="path">The configured path, or <see langword="null"/> when the setting is absent.</param>
    /// <param name="errors">Collects the finding.</param>
    public static void CheckMountedFile(ProviderSettings settings, string key, string? path, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        if (path is null || File.Exists(path))
        {
            return;
        }

        errors.Add(Path.IsPathRooted(path)
            ? new SettingError(key, $"{key} '{path}' does not exist here; the daemon needs it when it starts (in a pod it is usually mounted).", SettingSeverity.RuntimeRequirement)
            : new SettingError(key, $"{key} '{path}' does not exist (relative to the working directory); name an existing file."));
    }

    /// <summary>Reads a CA bundle path (<c>tls.caFile</c>); a blank value is an error, a missing file is checked as <see cref="CheckMountedFile"/> does.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The path, or <see langword="null"/> when missing or blank.</returns>
    public static string? ReadCaFile(ProviderSettings settings, string key, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var caFile = Trimmed(settings, key);
        if (settings.Get(key) is not null && caFile is null)
        {
            errors.Add(new SettingError(key, $"{key} is empty; name a PEM file of CA certificates or remove it."));
        }
        else
        {
            CheckMountedFile(settings, key, caFile, errors);
        }

        return caFile;
    }

    /// <summary>Reads <c>true</c> or <c>false</c>; missing or blank is <see langword="false"/>.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="errors">Collects the error when the value is neither.</param>
    /// <returns>The value; <see langword="false"/> after an error.</returns>
    public static bool ReadBool(ProviderSettings settings, string key, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Trimmed(settings, key) is not { } text)
        {
            return false;
        }

        if (!bool.TryParse(text, out var value))
        {
            errors.Add(new SettingError(key, $"{key} must be true or false, not '{text}'."));
        }

        return value;
    }

    /// <summary>Reads one of an enum's values, written as its name in any case (<c>AppRole</c>: <c>approle</c>) or as an alias.</summary>
    /// <typeparam name="TEnum">The enum.</typeparam>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="fallback">The value when the setting is missing or blank.</param>
    /// <param name="choices">The spellings to suggest, appended to "<c>{key} '{text}' is not supported; use </c>".</param>
    /// <param name="errors">Collects the error.</param>
    /// <param name="aliases">Other accepted spellings, compared without regard to case.</param>
    /// <returns>The value, <paramref name="fallback"/>, or <see langword="null"/> after an error.</returns>
    public static TEnum? ReadChoice<TEnum>(
        ProviderSettings settings, string key, TEnum fallback, string choices, List<SettingError> errors, IReadOnlyDictionary<string, TEnum>? aliases = null)
        where TEnum : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Trimmed(settings, key) is not { } text)
        {
            return fallback;
        }

        // Names only: Enum.TryParse would also take numbers and comma lists.
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        var alias = aliases?.FirstOrDefault(a => string.Equals(a.Key, text, StringComparison.OrdinalIgnoreCase));
        if (alias is { Key: not null } found)
        {
            return found.Value;
        }

        errors.Add(new SettingError(key, $"{key} '{text}' is not supported; use {choices}."));
        return null;
    }

    /// <summary>Reads a duration from <paramref name="min"/> to <paramref name="max"/> (see <see cref="Duration"/>).</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="fallback">The value when the setting is missing or wrong.</param>
    /// <param name="min">The shortest duration allowed.</param>
    /// <param name="max">The longest duration allowed.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The duration, or <paramref name="fallback"/>.</returns>
    public static TimeSpan ReadDuration(ProviderSettings settings, string key, TimeSpan fallback, TimeSpan min, TimeSpan max, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!TryReadDuration(settings, key, errors, out var text, out var value))
        {
            return fallback;
        }

        if (value < min || value > max)
        {
            errors.Add(new SettingError(key, $"{key} '{text}' must be from {min.TotalMilliseconds:0}ms to {max.TotalSeconds:0}s."));
            return fallback;
        }

        return value;
    }

    /// <summary>Reads a positive timeout of at most <paramref name="max"/> (see <see cref="Duration"/>).</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="fallback">The value when the setting is missing or wrong.</param>
    /// <param name="max">The longest timeout allowed, stated in whole minutes in the error.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The timeout, or <paramref name="fallback"/>.</returns>
    public static TimeSpan ReadTimeout(ProviderSettings settings, string key, TimeSpan fallback, TimeSpan max, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!TryReadDuration(settings, key, errors, out var text, out var timeout))
        {
            return fallback;
        }

        if (timeout <= TimeSpan.Zero || timeout > max)
        {
            errors.Add(new SettingError(key, $"{key} '{text}' must be more than 0 and at most {max.TotalMinutes:0} minutes."));
            return fallback;
        }

        return timeout;
    }

    /// <summary>Reads a retry count (<c>retry.maxRetries</c>): a whole number from 0 to <see cref="MaxRetriesLimit"/>.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="key">The setting's key.</param>
    /// <param name="fallback">The value when the setting is missing or wrong.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The count, or <paramref name="fallback"/>.</returns>
    public static int ReadMaxRetries(ProviderSettings settings, string key, int fallback, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Trimmed(settings, key) is not { } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var retries) || retries > MaxRetriesLimit)
        {
            errors.Add(new SettingError(key, $"{key} '{text}' must be a whole number from 0 to {MaxRetriesLimit}."));
            return fallback;
        }

        return retries;
    }

    /// <summary>
    /// Reads a base URL: absolute http(s), no user info, query or fragment; returned with a trailing slash so relative
    /// API paths append cleanly, also behind a path-prefixing proxy.
    /// </summary>
    /// <remarks>
    /// Plain <c>http://</c> would send tokens and secret values in clear text, so it is refused except to a loopback
    /// host (a local emulator or a sidecar proxy), which is accepted with a warning.
    /// </remarks>
    /// <param name="text">The trimmed setting value.</param>
    /// <param name="key">The setting's key, for messages.</param>
    /// <param name="example">An example URL for the message.</param>
    /// <param name="credentialsAdvice">Where credentials belong instead of user info, for the message.</param>
    /// <param name="errors">Collects the error.</param>
    /// <returns>The URL, or <see langword="null"/> after an error.</returns>
    public static Uri? ReadBaseUrl(string text, string key, string example, string credentialsAdvice, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new SettingError(key, $"{key} must be an absolute http:// or https:// URL, e.g. {example}."));
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            // Never echo the value: user info is a credential.
            errors.Add(new SettingError(key, $"{key} must not contain user info; {credentialsAdvice}"));
            return null;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new SettingError(key, $"{key} '{uri.GetLeftPart(UriPartial.Path)}' must not have a query or fragment."));
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (!uri.IsLoopback)
            {
                errors.Add(new SettingError(key,
                    $"{key} '{uri.GetLeftPart(UriPartial.Authority)}' uses plain http, which would send credentials and secret values in clear text; use https:// (http is accepted only for a loopback host such as 127.0.0.1)."));
                return null;
            }

            errors.Add(new SettingError(key,
                $"{key} '{uri.GetLeftPart(UriPartial.Authority)}' uses plain http; accepted only because the host is loopback (a local emulator or sidecar).",
                SettingSeverity.Warning));
        }

        var normalized = uri.GetLeftPart(UriPartial.Path);
        return new Uri(normalized.EndsWith('/') ? normalized : normalized + "/");
    }

    private static bool TryReadDuration(ProviderSettings settings, string key, List<SettingError> errors, out string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = Trimmed(settings, key);
        if (text is null)
        {
            if (settings.Get(key) is not null)
            {
                errors.Add(new SettingError(key, $"{key} is empty; use a duration such as 10s or remove it."));
            }

            return false;
        }

        if (!Duration.TryParse(text, out value))
        {
            errors.Add(new SettingError(key, $"{key} '{text}' is not a duration; {Duration.Hint(text)}."));
            return false;
        }

        return true;
    }
}
