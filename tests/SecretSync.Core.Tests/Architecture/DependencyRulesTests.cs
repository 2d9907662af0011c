using System.Reflection;
using System.Xml.Linq;
using SecretSync.Core.Providers;
using SecretSync.Testing;

namespace SecretSync.Core.Tests.Architecture;

public sealed class DependencyRulesTests
{
    private static readonly string[] IoNamespaces =
    [
        "System.Net.Http", "System.Net.Sockets", "System.Net.WebSockets", "System.IO.FileSystem", "System.Diagnostics.Process",
    ];

    [Fact]
    public void Core_ReferencesNoOtherSecretSyncAssembly()
    {
        var references = typeof(ISecretSource).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        Assert.DoesNotContain(references, name => name.StartsWith("SecretSync", StringComparison.Ordinal));
    }

    [Fact]
    public void Core_UsesNoNetworkFileOrProcessApis()
    {
        var core = typeof(ISecretSource).Assembly;
        var ioTypes = new[] { typeof(File), typeof(FileStream), typeof(Directory), typeof(FileInfo), typeof(StreamReader), typeof(StreamWriter) };

        var offending = core.GetReferencedAssemblies().Select(a => a.Name!).Where(n => IoNamespaces.Contains(n)).ToList();
        var memberRefs = UsedTypes(core).Where(t => ioTypes.Contains(t) || t.Namespace?.StartsWith("System.Net", StringComparison.Ordinal) == true);

        Assert.Empty(offending);
        Assert.Empty(memberRefs);
    }

    [Theory]
    [InlineData("SecretSync.Core")]
    [InlineData("SecretSync.DevStack")]
    public void Project_HasNoProjectReferences(string project)
    {
        var csproj = XDocument.Load(Path.Combine(Repository.Root, "src", project, project + ".csproj"));

        Assert.Empty(csproj.Descendants("ProjectReference"));
    }

    [Theory]
    [InlineData("SecretSync.Kubernetes")]
    [InlineData("SecretSync.Providers.Vault")]
    [InlineData("SecretSync.Providers.Aws")]
    [InlineData("SecretSync.Providers.Gcp")]
    [InlineData("SecretSync.Providers.Azure")]
    [InlineData("SecretSync.Providers.Common")]
    [InlineData("SecretSync.Audit")]
    public void Adapter_DependsOnlyInward(string project)
    {
        var csproj = XDocument.Load(Path.Combine(Repository.Root, "src", project, project + ".csproj"));
        var references = csproj.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value));

        Assert.All(references, r => Assert.Contains(r, new[] { "SecretSync.Core", "SecretSync.Kubernetes", "SecretSync.Providers.Common" }));
        Assert.DoesNotContain(references, r => r is "SecretSync.Daemon" or "SecretSync.Cli" or "SecretSync.DevStack");
    }

    [Fact]
    public void ProviderCommon_DependsOnlyOnCore()
    {
        var csproj = XDocument.Load(Path.Combine(Repository.Root, "src", "SecretSync.Providers.Common", "SecretSync.Providers.Common.csproj"));
        var references = csproj.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value));

        Assert.Equal(["SecretSync.Core"], references);
    }

    private static IEnumerable<Type> UsedTypes(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var field in type.GetFields(all))
            {
                yield return field.FieldType;
            }

            foreach (var method in type.GetMethods(all).Concat<MethodBase>(type.GetConstructors(all)))
            {
                foreach (var parameter in method.GetParameters())
                {
                    yield return parameter.ParameterType;
                }

                var body = method.GetMethodBody();
                if (body is null)
                {
                    continue;
                }

                foreach (var local in body.LocalVariables)
                {
                    yield return local.LocalType;
                }

                foreach (var callee in CalledTypes(method.Module, body.GetILAsByteArray() ?? []))
                {
                    yield return callee;
                }
            }
        }
    }

    /// <summary>Declaring types of the methods an IL body calls or constructs (call, callvirt, newobj, ldftn).</summary>
    private static IEnumerable<Type> CalledTypes(Module module, byte[] il)
    {
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is not (0x28 or 0x6F or 0x73))
            {
                continue;
            }

            var token = BitConverter.ToInt32(il, i + 1);
            var table = token >>> 24;
            if (table is not (0x06 or 0x0A or 0x2B))
            {
                continue;
            }

            Type? declaring = null;
            try
            {
                declaring = module.ResolveMethod(token)?.DeclaringType;
            }
            catch (ArgumentException)
            {
            }
            catch (BadImageFormatException)
            {
            }

            if (declaring is not null)
            {
                yield return declaring;
            }
        }
    }
}
