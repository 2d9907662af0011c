namespace SecretSync.Core.Providers;

/// <summary>Where a configuration value came from, for error messages.</summary>
/// <param name="File">The configuration file path as given by the user.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One scalar configuration value and where it was written.</summary>
public readonly record struct SettingValue(string Value, SourceLocation? Location);

/// <summary>How much a configuration finding matters.</summary>
public enum SettingSeverity
{
    /// <summary>The configuration cannot be used: <c>validate</c> fails and the daemon refuses it.</summary>
    Error,

    /// <summary>Advice: printed by <c>validate</c> (an error under <c>--strict</c>); never stops the daemon.</summary>
    Warning,

    /// <summary>
    /// Something only the runtime environment can supply (an environment variable, a file mounted in the pod) is
    /// missing here: a warning for <c>validate</c>, an error when the daemon starts without it.
    /// </summary>
    RuntimeRequirement,
}

/// <summary>A problem with one provider setting, found by <see cref="ISecretProvider.Validate"/>.</summary>
/// <param name="Key">The dotted setting key, e.g. <c>auth.role</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Severity">Whether it stops the configuration; <see cref="SettingSeverity.Error"/> unless stated.</param>
public sealed record SettingError(string Key, string Message, SettingSeverity Severity = SettingSeverity.Error)
{
    /// <summary>True when this finding stops the configuration wherever it is checked.</summary>
    public bool IsError => Severity == SettingSeverity.Error;
}

/// <summary>The configuration of one provider entry: its name, type and flattened settings.</summary>
/// <remarks>
/// Nested maps are flattened with dots (<c>auth.method</c>) and lists with indexes (<c>scopes.0</c>).
/// Each provider reads the keys it understands and reports the rest through <see cref="ISecretProvider.Validate"/>.
/// </remarks>
public sealed class ProviderSettings
{
    private readonly IReadOnlyDictionary<string, SettingValue> _values;

    /// <summary>Creates settings for one provider entry.</summary>
    public ProviderSettings(string name, string type, IReadOnlyDictionary<string, SettingValue> values, SourceLocation? location = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(values);
        Name = name;
        Type = type;
        Location = location;
        _values = values;
    }

    /// <summary>The provider's name in the configuration (the key under <c>providers</c>).</summary>
    public string Name { get; }

    /// <summary>The provider type, e.g. <c>vault</c>.</summary>
    public string Type { get; }

    /// <summary>Where the provider entry starts in the configuration file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>Every flattened key present.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>The value of <paramref name="key"/>, or <see langword="null"/> when it is not set.</summary>
    public string? Get(string key) => _values.TryGetValue(key, out var value) ? value.Value : null;

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/> when it is not set.</summary>
    public string Get(string key, string fallback) => Get(key) ?? fallback;

    /// <summary>Where <paramref name="key"/> was written, falling back to the provider entry itself.</summary>
    public SourceLocation? LocationOf(string key) =>
        _values.TryGetValue(key, out var value) && value.Location is not null ? value.Location : Location;

    /// <summary>A copy with <paramref name="key"/> set to <paramref name="value"/>; used to aim a provider at an emulator.</summary>
    public ProviderSettings With(string key, string value)
    {
        var copy = new Dictionary<string, SettingValue>(_values, StringComparer.Ordinal) { [key] = new SettingValue(value, null) };
        return new ProviderSettings(Name, Type, copy, Location);
    }
}
