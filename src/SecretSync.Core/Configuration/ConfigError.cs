using SecretSync.Core.Providers;

namespace SecretSync.Core.Configuration;

/// <summary>One problem in a configuration file.</summary>
/// <param name="Location">Where it is.</param>
/// <param name="Field">The dotted path of the field, e.g. <c>bundles.payments-db.secrets[0].target</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
/// <param name="Severity">
/// <see cref="SettingSeverity.Error"/> or <see cref="SettingSeverity.Warning"/>; the loader has already decided
/// whether a runtime requirement counts as either.
/// </param>
public sealed record ConfigError(SourceLocation Location, string Field, string Message, SettingSeverity Severity = SettingSeverity.Error)
{
    /// <summary>Formats as <c>file:line:column: [warning: ]field: message</c>, the shape editors and CI annotate.</summary>
    public override string ToString()
    {
        var prefix = Severity == SettingSeverity.Error ? "" : "warning: ";
        return Field.Length == 0 ? $"{Location}: {prefix}{Message}" : $"{Location}: {prefix}{Field}: {Message}";
    }
}

/// <summary>How strictly <see cref="ConfigLoader.Parse(string, string, ProviderRegistry, ConfigChecks?)"/> treats what the file alone cannot settle.</summary>
public sealed record ConfigChecks
{
    /// <summary>The checks the daemon makes at start: every runtime requirement must be met here and now.</summary>
    public static readonly ConfigChecks Runtime = new() { RuntimeRequirementsAreErrors = true };

    /// <summary>The checks of <c>secretsync validate</c>: runtime requirements are warnings.</summary>
    public static readonly ConfigChecks Offline = new() { RuntimeRequirementsAreErrors = false };

    /// <summary>Whether a <see cref="SettingSeverity.RuntimeRequirement"/> stops the configuration.</summary>
    /// <value>Default <see langword="true"/>, as the daemon needs.</value>
    public bool RuntimeRequirementsAreErrors { get; init; } = true;

    /// <summary>Whether a file named by the configuration exists; <see langword="null"/> skips those checks.</summary>
    /// <remarks>Core does no I/O, so the host passes the probe in.</remarks>
    /// <value>Default <see langword="null"/>.</value>
    public Func<string, bool>? FileExists { get; init; }
}

/// <summary>The outcome of loading a configuration: valid, or every problem found.</summary>
public abstract record ConfigResult
{
    private ConfigResult()
    {
    }

    /// <summary>The configuration is valid.</summary>
    /// <param name="Config">The configuration.</param>
    /// <param name="Warnings">Findings that do not stop it; empty when there are none.</param>
    public sealed record Valid(SyncConfig Config, IReadOnlyList<ConfigError> Warnings) : ConfigResult
    {
        /// <summary>A valid configuration without warnings.</summary>
        public Valid(SyncConfig config)
            : this(config, [])
        {
        }
    }

    /// <summary>The configuration has problems; nothing of it may be used.</summary>
    /// <param name="Errors">Every error found.</param>
    public sealed record Invalid(IReadOnlyList<ConfigError> Errors) : ConfigResult
    {
        /// <summary>Findings that would not have stopped the configuration on their own.</summary>
        /// <value>Default empty.</value>
        public IReadOnlyList<ConfigError> Warnings { get; init; } = [];

        /// <inheritdoc />
        public override string ToString() => string.Join(Environment.NewLine, Errors);
    }
}
