using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Kubernetes.Config;

/// <summary>Reads one context of a kubeconfig file (kubernetes.md §6, "kubeconfig").</summary>
/// <remarks>Reads the YAML node tree rather than binding classes, so every error can name the file, the field path and its line.</remarks>
internal sealed class KubeconfigLoader
{
    private readonly string _file;
    private readonly string _folder;

    private KubeconfigLoader(string file)
    {
        _file = file;
        _folder = Path.GetDirectoryName(file) ?? ".";
    }

    public static KubernetesClientConfig Load(string path, string? contextName)
    {
        var file = Path.GetFullPath(path);
        if (!File.Exists(file))
        {
            throw new KubernetesConfigException($"kubeconfig {file}: file does not exist.");
        }

        return new KubeconfigLoader(file).Read(contextName);
    }

    private KubernetesClientConfig Read(string? contextName)
    {
        var root = Parse();
        var currentContext = Scalar(root, "current-context", "current-context");
        var chosen = contextName ?? currentContext;
        if (string.IsNullOrEmpty(chosen))
        {
            throw Error("current-context", root, "is empty and no context was named; set current-context or pass a context name.");
        }

        var context = Named(root, "contexts", "context", chosen);
        var contextPath = $"contexts[{chosen}].context";
        var clusterName = Scalar(context, "cluster", $"{contextPath}.cluster");
        if (string.IsNullOrEmpty(clusterName))
        {
            throw Error($"{contextPath}.cluster", context, "is required.");
        }

        var userName = Scalar(context, "user", $"{contextPath}.user");
        var ns = Scalar(context, "namespace", $"{contextPath}.namespace");

        var cluster = Named(root, "clusters", "cluster", clusterName);
        var clusterPath = $"clusters[{clusterName}].cluster";
        var serverText = Scalar(cluster, "server", $"{clusterPath}.server");
        if (string.IsNullOrEmpty(serverText))
        {
            throw Error($"{clusterPath}.server", cluster, "is required.");
        }

        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw Error($"{clusterPath}.server", cluster, $"'{serverText}' is not an absolute http(s) URL.");
        }

        if (Scalar(cluster, "proxy-url", $"{clusterPath}.proxy-url") is { Length: > 0 })
        {
            throw Error($"{clusterPath}.proxy-url", cluster, "is not supported by SecretSync; reach the API server directly.");
        }

        var insecure = Boolean(cluster, "insecure-skip-tls-verify", $"{clusterPath}.insecure-skip-tls-verify");
        var authorities = Authorities(cluster, clusterPath);
        if (insecure && authorities is not null)
        {
            throw Error($"{clusterPath}.insecure-skip-tls-verify", cluster, "cannot be combined with certificate-authority(-data); choose one.");
        }

        string? token = null;
        string? tokenFile = null;
        X509Certificate2? clientCertificate = null;
        if (!string.IsNullOrEmpty(userName))
        {
            var user = Named(root, "users", "user", userName);
            var userPath = $"users[{userName}].user";
            foreach (var unsupported in new[] { "exec", "auth-provider", "username", "password" })
            {
                if (user.Children.ContainsKey(unsupported))
                {
                    throw Error($"{userPath}.{unsupported}", user, "is not supported by SecretSync; use token, tokenFile or client-certificate(-data)/client-key(-data).");
                }
            }

            token = Scalar(user, "token", $"{userPath}.token");
            tokenFile = ResolvePath(Scalar(user, "tokenFile", $"{userPath}.tokenFile"));
            if (tokenFile is not null && !File.Exists(tokenFile))
            {
                throw Error($"{userPath}.tokenFile", user, $"file {tokenFile} does not exist.");
            }

            clientCertificate = ClientCertificate(user, userPath);
        }

        return new KubernetesClientConfig
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(ns) ? "default" : ns,
            BearerToken = string.IsNullOrEmpty(token) ? null : token,
            BearerTokenFile = tokenFile,
            CertificateAuthority = authorities,
            ClientCertificate = clientCertificate,
            InsecureSkipTlsVerify = insecure,
            TlsServerName = Scalar(cluster, "tls-server-name", $"{clusterPath}.tls-server-name") is { Length: > 0 } tlsName ? tlsName : null,
            Origin = $"kubeconfig {_file}, context {chosen}",
        };
    }

    private YamlMappingNode Parse()
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(_file);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new KubernetesConfigException($"kubeconfig {_file} (line {e.Start.Line}): not valid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigException($"kubeconfig {_file}: cannot read: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubernetesConfigException($"kubeconfig {_file}: expected a YAML mapping with clusters, users and contexts.");
        }

        return root;
    }

    private X509Certificate2Collection? Authorities(YamlMappingNode cluster, string clusterPath)
    {
        var data = Scalar(cluster, "certificate-authority-data", $"{clusterPath}.certificate-authority-data");
        if (!string.IsNullOrEmpty(data))
        {
            var where = Where($"{clusterPath}.certificate-authority-data", cluster);
            return Certificates.LoadAuthorities(Certificates.DecodeBase64Pem(data, where), where);
        }

        var file = ResolvePath(Scalar(cluster, "certificate-authority", $"{clusterPath}.certificate-authority"));
        if (file is null)
        {
            return null;
        }

        var fileWhere = Where($"{clusterPath}.certificate-authority", cluster);
        if (!File.Exists(file))
        {
            throw new KubernetesConfigException($"{fileWhere}: file {file} does not exist.");
        }

        return Certificates.LoadAuthorities(Certificates.ReadFile(file, fileWhere), $"{fileWhere} ({file})");
    }

    private X509Certificate2? ClientCertificate(YamlMappingNode user, string userPath)
    {
        var certificate = Pem(user, "client-certificate", userPath);
        var key = Pem(user, "client-key", userPath);
        if (certificate is null && key is null)
        {
            return null;
        }

        if (certificate is null || key is null)
        {
            var missing = certificate is null ? "client-certificate(-data)" : "client-key(-data)";
            throw Error($"{userPath}.{missing}", user, "is required when the other half of the client certificate pair is set.");
        }

        return Certificates.LoadClientCertificate(certificate, key, Where($"{userPath}.client-certificate", user));
    }

    private string? Pem(YamlMappingNode user, string field, string userPath)
    {
        var data = Scalar(user, $"{field}-data", $"{userPath}.{field}-data");
        if (!string.IsNullOrEmpty(data))
        {
            return Certificates.DecodeBase64Pem(data, Where($"{userPath}.{field}-data", user));
        }

        var file = ResolvePath(Scalar(user, field, $"{userPath}.{field}"));
        if (file is null)
        {
            return null;
        }

        var where = Where($"{userPath}.{field}", user);
        return File.Exists(file) ? Certificates.ReadFile(file, where) : throw new KubernetesConfigException($"{where}: file {file} does not exist.");
    }

    private YamlMappingNode Named(YamlMappingNode root, string listKey, string innerKey, string name)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(listKey), out var listNode) || listNode is not YamlSequenceNode list)
        {
            throw Error(listKey, root, $"is missing or not a list, so {innerKey} '{name}' cannot be found.");
        }

        foreach (var entry in list.Children.OfType<YamlMappingNode>())
        {
            if (Scalar(entry, "name", $"{listKey}[].name") == name)
            {
                return entry.Children.TryGetValue(new YamlScalarNode(innerKey), out var inner) && inner is YamlMappingNode mapping
                    ? mapping
                    : throw Error($"{listKey}[{name}].{innerKey}", entry, "is missing or not a mapping.");
            }
        }

        var known = string.Join(", ", list.Children.OfType<YamlMappingNode>().Select(e => Scalar(e, "name", $"{listKey}[].name")).Where(n => n is not null));
        throw Error(listKey, list, $"has no entry named '{name}' (found: {(known.Length > 0 ? known : "none")}).");
    }

    private string? Scalar(YamlMappingNode mapping, string key, string fieldPath)
    {
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }

        return node switch
        {
            YamlScalarNode scalar => scalar.Value,
            _ => throw Error(fieldPath, node, "must be a single value."),
        };
    }

    private bool Boolean(YamlMappingNode mapping, string key, string fieldPath)
    {
        var text = Scalar(mapping, key, fieldPath);
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        return bool.TryParse(text, out var value) ? value : throw Error(fieldPath, mapping.Children[new YamlScalarNode(key)], $"'{text}' is not true or false.");
    }

    private string? ResolvePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]);
        }

        // kubeconfig path fields are relative to the kubeconfig's folder, not the working directory (kubernetes.md §6).
        return Path.GetFullPath(path, _folder);
    }

    private string Where(string fieldPath, YamlNode node) =>
        string.Create(CultureInfo.InvariantCulture, $"kubeconfig {_file}: {fieldPath} (line {node.Start.Line})");

    private KubernetesConfigException Error(string fieldPath, YamlNode node, string problem) => new($"{Where(fieldPath, node)} {problem}");
}
