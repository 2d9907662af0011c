using System.Collections.Frozen;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Core.Configuration;

/// <summary>Reads and validates the configuration file of DESIGN §2.</summary>
/// <remarks>
/// Works on text only: the caller reads the file. Every problem is collected, not just the first, and
/// each names the file, line, column and field.
/// </remarks>
public static partial class ConfigLoader
{
    private const int MaxDepth = 64;
    private const int MaxProviderSettings = 1024;

    /// <summary>Parses and validates a configuration.</summary>
    /// <param name="yamlText">The file's content.</param>
    /// <param name="fileName">The file name as the user gave it; used in error locations.</param>
    /// <param name="providers">The registered provider types, which validate their own settings.</param>
    /// <param name="checks">How to treat what the file alone cannot settle; <see cref="ConfigChecks.Runtime"/> by default.</param>
    public static ConfigResult Parse(string yamlText, string fileName, ProviderRegistry providers, ConfigChecks? checks = null)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(providers);
        checks ??= ConfigChecks.Runtime;

        var reader = new ConfigReader(fileName);
        var start = new SourceLocation(fileName, 1, 1);
        var stream = new YamlStream();
        try
        {
            if (TooDeep(yamlText) is { } deep)
            {
                return new ConfigResult.Invalid([new ConfigError(reader.At(deep), "", $"invalid YAML: nested more than {MaxDepth} levels deep")]);
            }

            stream.Load(new StringReader(yamlText));
        }
        catch (YamlException e)
        {
            return new ConfigResult.Invalid([new ConfigError(reader.At(e.Start), "", $"invalid YAML: {(e.InnerException ?? e).Message}")]);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet throws this for some malformed streams (e.g. a stray character inside a flow collection).
            return new ConfigResult.Invalid([new ConfigError(start, "", $"invalid YAML: {e.Message}")]);
        }

        if (stream.Documents.Count > 1)
        {
            reader.Report(stream.Documents[1].RootNode, "", "expected one YAML document, found several");
        }

        var root = reader.Open(stream.Documents.FirstOrDefault()?.RootNode, "", start, TopKeys);
        var cluster = root.RequiredText("cluster");
        var providerSettings = ReadProviders(reader, root.Map("providers", null), providers, checks);
        var config = new SyncConfig
        {
            Cluster = cluster,
            Providers = providerSettings,
            Bundles = ReadBundles(reader, root.Map("bundles", null), providerSettings.Keys),
            Sync = ReadSync(root.Map("sync", SyncKeys)),
            Audit = ReadAudit(reader, root.Map("audit", AuditKeys), checks),
            Server = new ServerSettings { Port = root.Map("server", ServerKeys).Int("port", new ServerSettings().Port, 1, 65535) },
            LeaderElection = ReadLeaderElection(reader, root.Map("leaderElection", LeaderKeys)),
            Restarts = ReadRestarts(reader, root.Map("restarts", RestartKeys)),
        };

        return reader.Errors.Count == 0
            ? new ConfigResult.Valid(config, reader.Warnings)
            : new ConfigResult.Invalid(reader.Errors) { Warnings = reader.Warnings };
    }

    private static FrozenDictionary<string, ProviderSettings> ReadProviders(ConfigReader reader, Section section, ProviderRegistry registry, ConfigChecks checks)
    {
        var result = new Dictionary<string, ProviderSettings>(StringComparer.Ordinal);
        foreach (var (name, keyNode, value) in section.Entries())
        {
            var field = section.FieldOf(name);
            RequireLabel(reader, keyNode, field, name, "provider name");
            var entry = reader.Open(value, field, reader.At(keyNode), allowedKeys: null);
            var type = entry.RequiredText("type");
            var values = new Dictionary<string, SettingValue>(StringComparer.Ordinal);
            foreach (var (key, _, setting) in entry.Entries().Where(e => e.Key != "type"))
            {
                Flatten(reader, setting, key, values);
            }

            if (values.Count > MaxProviderSettings)
            {
                reader.Report(entry.Location, field, $"more than {MaxProviderSettings} settings; check anchors and aliases");
                result[name] = new ProviderSettings(name, type, new Dictionary<string, SettingValue>(), entry.Location);
                continue;
            }

            // The name is known even when the entry is broken, so bundles naming it do not cascade errors.
            var settings = new ProviderSettings(name, type.Length == 0 ? "unknown" : type, values, entry.Location);
            result[name] = settings;
            if (type.Length == 0)
            {
                continue;
            }

            if (!registry.TryGet(type, out var provider))
            {
                reader.Report(entry.Get("type")!, entry.FieldOf("type"),
                    $"unknown provider type '{type}'{Suggestions.Hint(type, registry.Types)}; known types: {string.Join(", ", registry.Types)}");
                continue;
            }

            foreach (var error in provider.Validate(settings))
            {
                var at = settings.LocationOf(error.Key) ?? entry.Location;
                if (error.IsError || (error.Severity == SettingSeverity.RuntimeRequirement && checks.RuntimeRequirementsAreErrors))
                {
                    reader.Report(at, entry.FieldOf(error.Key), error.Message);
                }
                else
                {
                    reader.Warn(at, entry.FieldOf(error.Key), error.Message);
                }
            }
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The first place the text nests collections deeper than <see cref="MaxDepth"/>, found without recursion.</summary>
    /// <remarks>YamlDotNet builds its node tree recursively, so a deep enough file would overflow the stack.</remarks>
    private static Mark? TooDeep(string yamlText)
    {
        var parser = new Parser(new StringReader(yamlText));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart when ++depth > MaxDepth:
                    return parser.Current.Start;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    // Nested maps become dotted keys and lists indexed keys, as ProviderSettings documents.
    private static void Flatten(ConfigReader reader, YamlNode node, string key, Dictionary<string, SettingValue> into)
    {
        // Aliases make the tree a graph: a few lines of anchors could otherwise expand to billions of keys.
        if (into.Count > MaxProviderSettings)
        {
            return;
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (childKey, child) in mapping.Children)
                {
                    Flatten(reader, child, $"{key}.{(childKey as YamlScalarNode)?.Value ?? childKey.ToString()}", into);
                }

                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Flatten(reader, sequence.Children[i], $"{key}.{i}", into);
                }

                break;
            case YamlScalarNode scalar:
                into[key] = new SettingValue(ConfigReader.IsNull(scalar) ? "" : scalar.Value ?? "", reader.At(scalar));
                break;
        }
    }

    private static SyncSettings ReadSync(Section sync)
    {
        var defaults = new SyncSettings();
        var brake = sync.Map("revocationBrake", BrakeKeys);
        var kubernetes = sync.Map("kubernetes", KubernetesKeys);
        return new SyncSettings
        {
            Interval = sync.Duration("interval", defaults.Interval),
            Jitter = sync.Number("jitter", defaults.Jitter, v => v is >= 0 and < 1, "a number from 0 up to (not including) 1"),
            OnSourceDeleted = sync.Choice("onSourceDeleted", defaults.OnSourceDeleted),
            OnVersionDeleted = sync.Choice("onVersionDeleted", defaults.OnVersionDeleted),
            RevocationBrake = new RevocationBrakeSettings
            {
                Share = brake.Number("share", defaults.RevocationBrake.Share, v => v is >= 0 and <= 1, "a number from 0 to 1"),
                Count = brake.Int("count", defaults.RevocationBrake.Count, 0, int.MaxValue),
                Window = brake.Duration("window", defaults.RevocationBrake.Window),
            },
            Concurrency = sync.Int("concurrency", defaults.Concurrency, 1, 1024),
            Kubernetes = new KubernetesClientSettings
            {
                Qps = kubernetes.Number("qps", defaults.Kubernetes.Qps, v => v > 0, "a positive number"),
                Burst = kubernetes.Int("burst", defaults.Kubernetes.Burst, 1, int.MaxValue),
                RateLimit = kubernetes.Bool("rateLimit", defaults.Kubernetes.RateLimit),
            },
            ProviderQps = sync.Number("providerQps", defaults.ProviderQps, v => v > 0, "a positive number"),
        };
    }

    private static AuditSettings ReadAudit(ConfigReader reader, Section audit, ConfigChecks checks)
    {
        var defaults = new AuditSettings();
        var sinks = new List<AuditSinkKind>();
        var list = audit.List("sinks");
        for (var i = 0; i < list.Count; i++)
        {
            var field = $"{audit.FieldOf("sinks")}[{i}]";
            if (reader.Choice<AuditSinkKind>(list[i], field) is { } sink && !sinks.Contains(sink))
            {
                sinks.Add(sink);
            }
        }

        if (audit.Get("sinks") is { } sinksNode && list.Count == 0)
        {
            reader.Report(sinksNode, audit.FieldOf("sinks"), "must list at least one sink (stdout, file, events, postgres)");
        }

        var file = audit.Map("file", AuditFileKeys);
        var path = file.Text("path");
        var maxBytes = file.Long("maxBytes", AuditFileSettings.DefaultMaxBytes, 4096);
        var fsync = file.Choice("fsync", AuditFileSettings.DefaultFsync);
        var retention = file.Get("retention") is null ? (TimeSpan?)null : file.Duration("retention", TimeSpan.MaxValue);
        var fileSettings = path is null ? null : new AuditFileSettings { Path = path, MaxBytes = maxBytes, Fsync = fsync, Retention = retention };

        var postgres = audit.Map("postgres", AuditPostgresKeys);
        var connectionString = postgres.Text("connectionString");
        var bufferDir = postgres.Text("bufferDir");
        if (sinks.Contains(AuditSinkKind.File) && string.IsNullOrEmpty(path))
        {
            reader.Report(file.Location, file.FieldOf("path"), "is required when the file sink is selected");
        }

        if (sinks.Contains(AuditSinkKind.Postgres) && string.IsNullOrEmpty(connectionString))
        {
            reader.Report(postgres.Location, postgres.FieldOf("connectionString"), "is required when the postgres sink is selected");
        }

        return new AuditSettings
        {
            Sinks = sinks.Count == 0 ? defaults.Sinks : [.. sinks],
            File = fileSettings,
            Postgres = connectionString is null ? null : new AuditPostgresSettings { ConnectionString = connectionString, BufferDir = bufferDir },
            HmacKey = ReadHmacKey(reader, audit.Map("hmacKey", HmacKeyKeys), checks),
        };
    }

    private static HmacKeySource? ReadHmacKey(ConfigReader reader, Section section, ConfigChecks checks)
    {
        if (!section.Exists)
        {
            return null;
        }

        var file = section.Text("file");
        var secret = section.Text("secret");
        if ((file is null) == (secret is null))
        {
            reader.Report(section.Location, section.Field, "must set exactly one of 'file' or 'secret' (namespace/name)");
            return null;
        }

        if (secret is null)
        {
            // As for provider files: an absolute path is usually mounted in the pod, a relative one is local.
            if (checks.FileExists is { } exists && file is { Length: > 0 } && !exists(file))
            {
                var node = section.Get("file")!;
                if (!Path.IsPathRooted(file))
                {
                    reader.Report(node, section.FieldOf("file"), $"'{file}' does not exist (relative to the working directory); create the key file or name its Secret with 'secret: namespace/name'");
                }
                else if (checks.RuntimeRequirementsAreErrors)
                {
                    reader.Report(node, section.FieldOf("file"), $"'{file}' does not exist; mount the install key there or name its Secret with 'secret: namespace/name'");
                }
                else
                {
                    reader.Warn(node, section.FieldOf("file"), $"'{file}' does not exist here; the daemon needs it when it starts (in a pod it is usually mounted)");
                }
            }

            return new HmacKeySource(file, null);
        }

        var parts = secret.Split('/');
        if (parts.Length != 2 || !KubernetesNames.IsDns1123Label(parts[0]) || !KubernetesNames.IsDns1123Subdomain(parts[1]))
        {
            reader.Report(section.Get("secret")!, section.FieldOf("secret"), $"'{secret}' must be namespace/name of a Secret");
            return null;
        }

        return new HmacKeySource(null, new NamespacedName(parts[0], parts[1]));
    }

    private static LeaderElectionSettings ReadLeaderElection(ConfigReader reader, Section section)
    {
        var defaults = new LeaderElectionSettings();
        var settings = new LeaderElectionSettings
        {
            Enabled = section.Bool("enabled", defaults.Enabled),
            Namespace = section.Text("namespace"),
            LeaseName = section.Text("leaseName") ?? defaults.LeaseName,
            LeaseDuration = section.Duration("leaseDuration", defaults.LeaseDuration),
            RenewDeadline = section.Duration("renewDeadline", defaults.RenewDeadline),
            RetryPeriod = section.Duration("retryPeriod", defaults.RetryPeriod),
        };

        if (settings.Namespace is { } ns && !KubernetesNames.IsDns1123Label(ns))
        {
            reader.Report(section.Get("namespace")!, section.FieldOf("namespace"), $"'{ns}' is not a valid namespace name");
        }

        if (!KubernetesNames.IsDns1123Subdomain(settings.LeaseName))
        {
            reader.Report(section.Get("leaseName")!, section.FieldOf("leaseName"), $"'{settings.LeaseName}' must be a DNS-1123 subdomain");
        }

        // client-go's rules: a leader must give up before a standby may take over, and retry within the deadline.
        if (settings.RenewDeadline >= settings.LeaseDuration)
        {
            reader.Report(section.Location, section.FieldOf("renewDeadline"), "must be shorter than leaseDuration");
        }

        if (settings.RetryPeriod >= settings.RenewDeadline)
        {
            reader.Report(section.Location, section.FieldOf("retryPeriod"), "must be shorter than renewDeadline");
        }

        return settings;
    }

    private static RestartSettings ReadRestarts(ConfigReader reader, Section section)
    {
        var defaults = new RestartSettings();
        var settings = new RestartSettings
        {
            Enabled = section.Bool("enabled", defaults.Enabled),
            Debounce = section.Duration("debounce", defaults.Debounce),
            MaxConcurrentPerNamespace = section.Int("maxConcurrentPerNamespace", defaults.MaxConcurrentPerNamespace, 1, 10_000),
            MaxConcurrentPerCluster = section.Int("maxConcurrentPerCluster", defaults.MaxConcurrentPerCluster, 1, 100_000),
            RolloutTimeout = section.Duration("rolloutTimeout", defaults.RolloutTimeout),
        };

        if (settings.MaxConcurrentPerNamespace > settings.MaxConcurrentPerCluster)
        {
            var at = section.Get("maxConcurrentPerNamespace") is { } node ? reader.At(node) : section.Location;
            reader.Report(at, section.FieldOf("maxConcurrentPerNamespace"), $"must not exceed maxConcurrentPerCluster ({settings.MaxConcurrentPerCluster})");
        }

        return settings;
    }
}
