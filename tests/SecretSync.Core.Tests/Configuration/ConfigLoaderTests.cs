using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void Parse_DesignSample_ReadsEverySection()
    {
        var config = Some.Config();

        Assert.Equal("prod-eu-1", config.Cluster);
        var provider = config.Providers["vault-main"];
        Assert.Equal("vault", provider.Type);
        Assert.Equal("kubernetes", provider.Get("auth.method"));
        Assert.Equal("secretsync", provider.Get("auth.role"));
        Assert.Null(provider.Get("type"));
        var bundle = config.Bundles["payments-db"];
        Assert.Equal("vault-main", bundle.Provider);
        Assert.Equal("payments", bundle.Namespaces.MatchLabels["team"]);
        Assert.Equal(["db-credentials", "wildcard-tls"], bundle.Secrets.Select(s => s.Target));
        Assert.Equal("user", bundle.Secrets[0].KeyRenames["username"]);
        Assert.Equal("Opaque", bundle.Secrets[0].Type);
        Assert.Equal("kubernetes.io/tls", bundle.Secrets[1].Type);
        Assert.Equal([AuditSinkKind.Stdout, AuditSinkKind.Events], config.Audit.Sinks);
    }

    [Fact]
    public void Parse_MinimalConfig_AppliesDocumentedDefaults()
    {
        var config = Some.Config("cluster: c1");

        Assert.Equal(TimeSpan.FromSeconds(60), config.Sync.Interval);
        Assert.Equal(0.1, config.Sync.Jitter);
        Assert.Equal(SourceDeletedPolicy.Delete, config.Sync.OnSourceDeleted);
        Assert.Equal(VersionDeletedPolicy.Previous, config.Sync.OnVersionDeleted);
        Assert.Equal(0.10, config.Sync.RevocationBrake.Share);
        Assert.Equal(3, config.Sync.RevocationBrake.Count);
        Assert.Equal(8, config.Sync.Concurrency);
        Assert.Equal(50, config.Sync.Kubernetes.Qps);
        Assert.Equal(100, config.Sync.Kubernetes.Burst);
        Assert.True(config.Sync.Kubernetes.RateLimit);
        Assert.Equal(20, config.Sync.ProviderQps);
        Assert.Equal([AuditSinkKind.Stdout], config.Audit.Sinks);
        Assert.Null(config.Audit.HmacKey);
        Assert.Equal(8080, config.Server.Port);
        Assert.True(config.LeaderElection.Enabled);
        Assert.Equal("secretsync", config.LeaderElection.LeaseName);
        Assert.Equal(TimeSpan.FromSeconds(15), config.LeaderElection.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), config.LeaderElection.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(2), config.LeaderElection.RetryPeriod);
        Assert.Empty(config.Bundles);
    }

    [Fact]
    public void Parse_EverySettingGiven_OverridesDefaults()
    {
        var config = Some.Config("""
            cluster: c1
            sync:
              interval: 1h30m
              jitter: 0
              onSourceDeleted: retain
              onVersionDeleted: revoke
              revocationBrake: { share: 0.5, count: 10 }
              concurrency: 2
              kubernetes: { qps: 5.5, burst: 7, rateLimit: false }
              providerQps: 3
            audit:
              sinks: [file, postgres]
              file: { path: /var/log/audit.log, maxBytes: 1048576, fsync: always }
              postgres: { connectionString: "Host=db;Password=hunter2" }
              hmacKey: { secret: secretsync/audit-key }
            server: { port: 9090 }
            leaderElection:
              enabled: false
              namespace: ops
              leaseName: ss
              leaseDuration: 30s
              renewDeadline: 20s
              retryPeriod: 500ms
            """);

        Assert.Equal(TimeSpan.FromMinutes(90), config.Sync.Interval);
        Assert.Equal(0, config.Sync.Jitter);
        Assert.Equal(SourceDeletedPolicy.Retain, config.Sync.OnSourceDeleted);
        Assert.Equal(VersionDeletedPolicy.Revoke, config.Sync.OnVersionDeleted);
        Assert.Equal(new RevocationBrakeSettings { Share = 0.5, Count = 10 }, config.Sync.RevocationBrake);
        Assert.Equal(new KubernetesClientSettings { Qps = 5.5, Burst = 7, RateLimit = false }, config.Sync.Kubernetes);
        Assert.Equal(2, config.Sync.Concurrency);
        Assert.Equal(3, config.Sync.ProviderQps);
        Assert.Equal(new AuditFileSettings { Path = "/var/log/audit.log", MaxBytes = 1048576, Fsync = FsyncPolicy.Always }, config.Audit.File);
        Assert.Equal("Host=db;Password=hunter2", config.Audit.Postgres!.ConnectionString);
        Assert.Equal(new NamespacedName("secretsync", "audit-key"), config.Audit.HmacKey!.Secret);
        Assert.Equal(9090, config.Server.Port);
        Assert.Equal(new LeaderElectionSettings
        {
            Enabled = false, Namespace = "ops", LeaseName = "ss",
            LeaseDuration = TimeSpan.FromSeconds(30), RenewDeadline = TimeSpan.FromSeconds(20), RetryPeriod = TimeSpan.FromMilliseconds(500),
        }, config.LeaderElection);
    }

    [Fact]
    public void Parse_UnknownKey_NamesFileLineAndAllowedKeys()
    {
        var error = Assert.Single(Some.Errors("""
            cluster: c1
            sync:
              intervall: 30s
            """));

        Assert.Equal(new("config.yaml", 3, 3), error.Location);
        Assert.Equal("sync.intervall", error.Field);
        Assert.Contains("did you mean 'interval'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("allowed keys: interval, jitter,", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("config.yaml:3:3: sync.intervall: unknown key 'intervall'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_WithoutCloseMatch_ListsAllowedKeysOnly()
    {
        var error = Assert.Single(Some.Errors("cluster: c1\nzzz: 1"));

        Assert.Equal("zzz", error.Field);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster, providers, bundles", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidTarget_ReportsLineColumnAndIndexedField()
    {
        var yaml = Some.SampleYaml.Replace("target: wildcard-tls", "target: Wildcard_TLS", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("bundles.payments-db.secrets[1].target", error.Field);
        Assert.Equal(17, error.Location.Line);
        Assert.Equal(17, error.Location.Column);
        Assert.StartsWith("config.yaml:17:17: bundles.payments-db.secrets[1].target: 'Wildcard_TLS' must be a DNS-1123 subdomain", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TargetLongerThan253_IsRejected()
    {
        var yaml = Some.SampleYaml.Replace("target: wildcard-tls", $"target: {string.Join('.', Enumerable.Repeat(new string('a', 63), 4))}", StringComparison.Ordinal);

        Assert.Equal("bundles.payments-db.secrets[1].target", Assert.Single(Some.Errors(yaml)).Field);
    }

    [Fact]
    public void Parse_DuplicateTargetInBundle_PointsAtTheSecondOne()
    {
        var yaml = Some.SampleYaml.Replace("target: wildcard-tls", "target: db-credentials", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("bundles.payments-db.secrets[1].target", error.Field);
        Assert.Equal(17, error.Location.Line);
        Assert.Contains("secrets[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BundleWithUnknownProvider_SuggestsTheConfiguredOne()
    {
        var yaml = Some.SampleYaml.Replace("provider: vault-main", "provider: vault-mian", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("bundles.payments-db.provider", error.Field);
        Assert.Equal(10, error.Location.Line);
        Assert.Contains("did you mean 'vault-main'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownProviderType_ListsKnownTypes()
    {
        var yaml = Some.SampleYaml.Replace("type: vault", "type: valut", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("providers.vault-main.type", error.Field);
        Assert.Equal(new("config.yaml", 4, 11), error.Location);
        Assert.Contains("known types: aws, vault", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'vault'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ProviderSettingError_IsMappedToTheSettingsLine()
    {
        var yaml = Some.SampleYaml.Replace("method: kubernetes", "method: password", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("providers.vault-main.auth.method", error.Field);
        Assert.Equal(new("config.yaml", 6, 21), error.Location);
        Assert.Equal("must be kubernetes, token or approle", error.Message);
    }

    [Fact]
    public void Parse_MissingProviderSetting_PointsAtTheProviderEntry()
    {
        var yaml = Some.SampleYaml.Replace("    address: https://vault.internal:8200\n", "", StringComparison.Ordinal);

        var error = Assert.Single(Some.Errors(yaml));

        Assert.Equal("providers.vault-main.address", error.Field);
        Assert.Equal(4, error.Location.Line);
    }

    [Fact]
    public void Parse_ProviderSettings_FlattensListsWithIndexes()
    {
        var config = Some.Config("""
            cluster: c1
            providers:
              p:
                type: aws
                address: x
                regions: [eu-west-1, us-east-1]
            """);

        var settings = config.Providers["p"];
        Assert.Equal("us-east-1", settings.Get("regions.1"));
        Assert.Equal(new SecretSync.Core.Providers.SourceLocation("config.yaml", 6, 26), settings.LocationOf("regions.1"));
    }

    [Fact]
    public void Parse_MissingCluster_IsRequired()
    {
        var error = Assert.Single(Some.Errors("sync: { interval: 5s }"));

        Assert.Equal("cluster", error.Field);
        Assert.Equal("config.yaml:1:1: cluster: is required", error.ToString());
    }

    [Theory]
    [InlineData("cluster: ''", "cluster")]
    [InlineData("cluster: c\nproviders: { v: { type: '', address: x } }", "providers.v.type")]
    [InlineData("cluster: c\nproviders: { v: { address: x } }", "providers.v.type")]
    public void Parse_EmptyRequiredValue_IsAnError(string yaml, string field) =>
        Assert.Equal(field, Assert.Single(Some.Errors(yaml)).Field);

    [Fact]
    public void Parse_FileSectionWithoutFileSink_IsStillValidated() =>
        Assert.Equal("audit.file.maxBytes", Assert.Single(Some.Errors("cluster: c\naudit: { file: { maxBytes: 1 } }")).Field);

    [Fact]
    public void Parse_ProviderSettingsWithComplexKey_DoesNotThrow() =>
        Assert.IsType<ConfigResult.Valid>(Some.Parse("cluster: c\nproviders:\n  v:\n    type: vault\n    address: x\n    extra: { ? [a, b] : c }\n"));

    [Fact]
    public void Parse_EmptyFile_SaysClusterIsRequired() =>
        Assert.Equal("cluster", Assert.Single(Some.Errors("")).Field);

    [Fact]
    public void Parse_BrokenYaml_ReportsSyntaxErrorLocation()
    {
        var error = Assert.Single(Some.Errors("cluster: c1\nsync:\n  interval: [30s\n"));

        Assert.Equal("", error.Field);
        Assert.Equal("config.yaml", error.Location.File);
        Assert.True(error.Location.Line >= 3, error.ToString());
        Assert.StartsWith("invalid YAML:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateYamlKey_IsAnError()
    {
        var errors = Some.Errors("cluster: c1\ncluster: c2\n");

        Assert.Single(errors);
    }

    [Theory]
    [InlineData("interval: 30", "sync.interval", "a number needs a unit, e.g. 30s")]
    [InlineData("interval: 0s", "sync.interval", "a positive duration")]
    [InlineData("interval: 5w", "sync.interval", "a positive duration")]
    [InlineData("jitter: 1", "sync.jitter", "up to (not including) 1")]
    [InlineData("jitter: -0.1", "sync.jitter", "from 0")]
    [InlineData("onSourceDeleted: keep", "sync.onSourceDeleted", "not one of delete, retain")]
    [InlineData("onVersionDeleted: prev", "sync.onVersionDeleted", "not one of previous, revoke")]
    [InlineData("concurrency: 0", "sync.concurrency", "from 1 to 1024")]
    [InlineData("concurrency: many", "sync.concurrency", "got 'many'")]
    [InlineData("providerQps: 0", "sync.providerQps", "a positive number")]
    [InlineData("revocationBrake: { share: 1.5 }", "sync.revocationBrake.share", "from 0 to 1")]
    [InlineData("revocationBrake: { count: -1 }", "sync.revocationBrake.count", "at least 0")]
    [InlineData("kubernetes: { burst: 0 }", "sync.kubernetes.burst", "at least 1")]
    [InlineData("kubernetes: { rateLimit: off }", "sync.kubernetes.rateLimit", "true or false")]
    [InlineData("interval: { a: 1 }", "sync.interval", "not a mapping")]
    public void Parse_InvalidSyncValue_NamesFieldAndRule(string line, string field, string message)
    {
        var error = Assert.Single(Some.Errors($"cluster: c1\nsync:\n  {line}\n"));

        Assert.Equal(field, error.Field);
        Assert.Equal(3, error.Location.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sinks: [stdout, syslog]", "audit.sinks[1]")]
    [InlineData("sinks: []", "audit.sinks")]
    [InlineData("sinks: [file]", "audit.file.path")]
    [InlineData("sinks: [postgres]", "audit.postgres.connectionString")]
    [InlineData("file: { path: a, fsync: sometimes }", "audit.file.fsync")]
    [InlineData("hmacKey: { file: k, secret: a/b }", "audit.hmacKey")]
    [InlineData("hmacKey: { secret: just-a-name }", "audit.hmacKey.secret")]
    public void Parse_InvalidAudit_NamesField(string line, string field) =>
        Assert.Equal(field, Assert.Single(Some.Errors($"cluster: c1\naudit:\n  {line}\n")).Field);

    [Theory]
    [InlineData("server: { port: 70000 }", "server.port")]
    [InlineData("leaderElection: { renewDeadline: 20s }", "leaderElection.renewDeadline")]
    [InlineData("leaderElection: { retryPeriod: 10s }", "leaderElection.retryPeriod")]
    [InlineData("leaderElection: { enabled: yes }", "leaderElection.enabled")]
    [InlineData("leaderElection: { leaseName: Bad_Name }", "leaderElection.leaseName")]
    [InlineData("leaderElection: { namespace: Ops }", "leaderElection.namespace")]
    public void Parse_InvalidServerOrLeaderElection_NamesField(string line, string field) =>
        Assert.Equal(field, Assert.Single(Some.Errors($"cluster: c1\n{line}\n")).Field);

    [Fact]
    public void Parse_Selector_ReadsEveryOperator()
    {
        var config = Some.Config("""
            cluster: c1
            providers: { v: { type: vault, address: x } }
            bundles:
              b:
                provider: v
                namespaces:
                  matchExpressions:
                    - { key: tier, operator: In, values: [gold, silver] }
                    - { key: env, operator: NotIn, values: [dev] }
                    - { key: team, operator: Exists }
                    - { key: frozen, operator: DoesNotExist }
                secrets: [{ source: s, target: t }]
            """);

        Assert.Equal(
            [SelectorOperator.In, SelectorOperator.NotIn, SelectorOperator.Exists, SelectorOperator.DoesNotExist],
            config.Bundles["b"].Namespaces.MatchExpressions.Select(e => e.Operator));
    }

    [Theory]
    [InlineData("{ key: tier, operator: in, values: [a] }", "namespaces.matchExpressions[0].operator")]
    [InlineData("{ key: tier, operator: In }", "namespaces.matchExpressions[0].values")]
    [InlineData("{ key: tier, operator: Exists, values: [a] }", "namespaces.matchExpressions[0].values")]
    [InlineData("{ key: tier }", "namespaces.matchExpressions[0].operator")]
    [InlineData("{ key: 'bad key', operator: Exists }", "namespaces.matchExpressions[0].key")]
    [InlineData("{ key: tier, operator: In, values: ['not valid!'] }", "namespaces.matchExpressions[0].values")]
    [InlineData("{ key: tier, op: In }", "namespaces.matchExpressions[0].op")]
    public void Parse_InvalidSelectorExpression_NamesField(string expression, string field)
    {
        var errors = Some.Errors($"""
            cluster: c1
            providers: {"{"} v: {"{"} type: vault, address: x {"}"} {"}"}
            bundles:
              b:
                provider: v
                namespaces:
                  matchExpressions:
                    - {expression}
                secrets: [{"{"} source: s, target: t {"}"}]
            """);

        Assert.Contains("bundles.b." + field, errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("keys: { 'user name': user }", "bundles.b.secrets[0].keys.user name")]
    [InlineData("keys: { username: '..x' }", "bundles.b.secrets[0].keys.username")]
    [InlineData("keys: { a: x, b: x }", "bundles.b.secrets[0].keys.b")]
    [InlineData("tpye: Opaque", "bundles.b.secrets[0].tpye")]
    public void Parse_InvalidKeyRenames_NamesField(string extra, string field)
    {
        var error = Assert.Single(Some.Errors($$"""
            cluster: c1
            providers: { v: { type: vault, address: x } }
            bundles:
              b:
                provider: v
                namespaces: all
                secrets:
                  - source: s
                    target: t
                    {{extra}}
            """));

        Assert.Equal(field, error.Field);
        Assert.Equal(10, error.Location.Line);
    }

    [Theory]
    [InlineData("Payments")]
    [InlineData("payments_db")]
    [InlineData("-payments")]
    public void Parse_InvalidBundleName_IsRejected(string name) =>
        Assert.Equal($"bundles.{name}", Assert.Single(Some.Errors(Some.SampleYaml.Replace("  payments-db:", $"  {name}:", StringComparison.Ordinal))).Field);

    [Fact]
    public void Parse_BundleWithoutSecrets_IsAnError() =>
        Assert.Equal("bundles.b.secrets", Assert.Single(Some.Errors("cluster: c\nproviders: { v: { type: vault, address: x } }\nbundles: { b: { provider: v, namespaces: all } }")).Field);

    [Fact]
    public void Parse_ManyProblems_ReportsAllInDocumentOrder()
    {
        var errors = Some.Errors("""
            cluster: c1
            sync: { interval: soon, jitter: 2 }
            server: { port: 0 }
            """);

        Assert.Equal(["sync.interval", "sync.jitter", "server.port"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Parse_BundleWithoutSelector_IsAnErrorNamingTheBundleAndTheFix()
    {
        var errors = Some.Errors(Some.SampleYaml.Replace("    namespaces: { matchLabels: { team: payments } }\n", "", StringComparison.Ordinal));

        var error = Assert.Single(errors);
        Assert.Equal("bundles.payments-db.namespaces", error.Field);
        Assert.Contains("'payments-db'", error.Message, StringComparison.Ordinal);
        Assert.Contains("namespaces: all", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    namespaces:\n")]
    [InlineData("    namespaces: {}\n")]
    [InlineData("    namespaces: { matchLabels: {} }\n")]
    [InlineData("    namespaces: everyone\n")]
    public void Parse_EmptyOrUnclearSelector_IsAnError(string selector)
    {
        var errors = Some.Errors(Some.SampleYaml.Replace("    namespaces: { matchLabels: { team: payments } }\n", selector, StringComparison.Ordinal));

        Assert.Equal("bundles.payments-db.namespaces", Assert.Single(errors).Field);
    }

    [Fact]
    public void Parse_NamespacesAll_SelectsEveryNamespace()
    {
        var config = Some.Config(Some.SampleYaml.Replace("    namespaces: { matchLabels: { team: payments } }\n", "    namespaces: all\n", StringComparison.Ordinal));

        Assert.True(config.Bundles["payments-db"].Namespaces.IsEmpty);
    }

    [Theory]
    [InlineData("{ matchExpressions: [{ key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system] }] }", "operator", "removing a label")]
    [InlineData("{ matchExpressions: [{ key: restricted, operator: DoesNotExist }] }", "operator", "removing a label")]
    [InlineData("{ matchLabels: { team: payments } }", "matchLabels.team", "tenants can usually set 'team'")]
    [InlineData("{ matchExpressions: [{ key: team, operator: In, values: [payments] }] }", "key", "tenants can usually set 'team'")]
    public void Parse_SelectorATenantCanSatisfy_IsAWarning(string selector, string fieldEnd, string message)
    {
        var result = Assert.IsType<ConfigResult.Valid>(Some.Parse(
            Some.SampleYaml.Replace("{ matchLabels: { team: payments } }", selector, StringComparison.Ordinal)));

        var warning = Assert.Single(result.Warnings);
        Assert.EndsWith(fieldEnd, warning.Field, StringComparison.Ordinal);
        Assert.Contains(message, warning.Message, StringComparison.Ordinal);
        Assert.Equal(SettingSeverity.Warning, warning.Severity);
        Assert.StartsWith("config.yaml:", warning.ToString(), StringComparison.Ordinal);
        Assert.Contains(": warning: ", warning.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SelectorOnTheNamespaceName_HasNoWarning()
    {
        var result = Assert.IsType<ConfigResult.Valid>(Some.Parse(
            Some.SampleYaml.Replace("{ matchLabels: { team: payments } }", "{ matchLabels: { kubernetes.io/metadata.name: payments } }", StringComparison.Ordinal)));

        Assert.Empty(result.Warnings);
    }

    [Theory]
    [InlineData("/payments/db")]
    [InlineData("payments//db")]
    [InlineData("payments/../db")]
    [InlineData("payments/db/")]
    [InlineData("'payments db'")]
    [InlineData("'payments/db?version=1'")]
    public void Parse_MalformedSourcePath_IsAnErrorAtTheSource(string source)
    {
        var error = Assert.Single(Some.Errors(Some.SampleYaml.Replace("source: payments/db", $"source: {source}", StringComparison.Ordinal)));

        Assert.Equal("bundles.payments-db.secrets[0].source", error.Field);
    }

    [Theory]
    [InlineData("tls", "kubernetes.io/tls")]
    [InlineData("kubernetes.io/tsl", "kubernetes.io/tls")]
    [InlineData("opaque", "Opaque")]
    [InlineData("kubernetes.io/service-account-token", "never written")]
    public void Parse_UnknownSecretType_IsAnError(string type, string hint)
    {
        var error = Assert.Single(Some.Errors(Some.SampleYaml.Replace("type: kubernetes.io/tls", $"type: {type}", StringComparison.Ordinal)));

        Assert.Equal("bundles.payments-db.secrets[1].type", error.Field);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DomainQualifiedCustomSecretType_IsAccepted() =>
        Assert.IsType<ConfigResult.Valid>(Some.Parse(Some.SampleYaml.Replace("type: kubernetes.io/tls", "type: example.com/token", StringComparison.Ordinal)));

    [Theory]
    [InlineData("all", true)]
    [InlineData("{ matchLabels: { kubernetes.io/metadata.name: payments } }", true)]
    [InlineData("{ matchExpressions: [{ key: kubernetes.io/metadata.name, operator: In, values: [payments, checkout] }] }", true)]
    [InlineData("{ matchLabels: { kubernetes.io/metadata.name: checkout } }", false)]
    [InlineData("{ matchExpressions: [{ key: kubernetes.io/metadata.name, operator: NotIn, values: [payments] }] }", false)]
    public void Parse_TwoBundlesWritingOneSecret_WarnOnlyWhenANamespaceCouldAskForBoth(string otherSelector, bool warns)
    {
        var yaml = $$"""
            cluster: c1
            providers: { v: { type: vault, address: x } }
            bundles:
              a:
                provider: v
                namespaces: { matchLabels: { kubernetes.io/metadata.name: payments } }
                secrets: [{ source: a/db, target: db }]
              b:
                provider: v
                namespaces: {{otherSelector}}
                secrets: [{ source: b/db, target: db }]
            """;

        var warnings = Assert.IsType<ConfigResult.Valid>(Some.Parse(yaml)).Warnings.Where(w => w.Message.Contains("also written by bundle 'a'", StringComparison.Ordinal));

        Assert.Equal(warns, warnings.Any());
    }

    [Fact]
    public void ToString_OfPostgresSettings_HidesTheConnectionString()
    {
        var config = Some.Config("cluster: c\naudit: { sinks: [postgres], postgres: { connectionString: 'Host=h;Password=hunter2' } }");

        Assert.DoesNotContain("hunter2", config.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", config.Audit.ToString(), StringComparison.Ordinal);
    }
}
