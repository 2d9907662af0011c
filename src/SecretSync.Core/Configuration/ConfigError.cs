using SecretSync.Core.Providers;

namespace SecretSync.Core.Configuration;

/// <summary>One problem in a configuration file.</summary>
/// <param name="Location">Where it is.</param>
/// <param name="Field">The dotted path of the field, e.g. <c>bundles.payments-db.secrets[0].target</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(SourceLocation Location, string Field, string Message)
{
    /// <summary>Formats as <c>file:line:column: field: message</c>, the shape editors and CI annotate.</summary>
    public override string ToString() => Field.Length == 0 ? $"{Location}: {Message}" : $"{Location}: {Field}: {Message}";
}

/// <summary>The outcome of loading a configuration: valid, or every problem found.</summary>
public abstract record ConfigResult
{
    private ConfigResult()
    {
    }

    /// <summary>The configuration is valid.</summary>
    public sealed record Valid(SyncConfig Config) : ConfigResult;

    /// <summary>The configuration has problems; nothing of it may be used.</summary>
    public sealed record Invalid(IReadOnlyList<ConfigError> Errors) : ConfigResult
    {
        /// <inheritdoc />
        public override string ToString() => string.Join(Environment.NewLine, Errors);
    }
}
