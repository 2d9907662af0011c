using SecretSync.Core.Providers;

namespace SecretSync.Core.Tests.Providers;

public sealed class ProviderRegistryTests
{
    [Fact]
    public void Get_UnknownType_NamesTheKnownTypes()
    {
        var registry = new ProviderRegistry([new NamedProvider("vault"), new NamedProvider("aws")]);

        var error = Assert.Throws<KeyNotFoundException>(() => registry.Get("gcp"));

        Assert.Contains("'gcp'", error.Message, StringComparison.Ordinal);
        Assert.Contains("aws, vault", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Construction_WithDuplicateType_FailsAtStartUp()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ProviderRegistry([new NamedProvider("vault"), new NamedProvider("Vault")]));

        Assert.Contains("registered twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGet_IsCaseInsensitive()
    {
        var registry = new ProviderRegistry([new NamedProvider("vault")]);

        Assert.True(registry.TryGet("VAULT", out var provider));
        Assert.Equal("vault", provider.Type);
    }

    private sealed class NamedProvider(string type) : ISecretProvider
    {
        public string Type => type;

        public ProviderCapabilities Capabilities => ProviderCapabilities.None;

        public IReadOnlyList<SettingError> Validate(ProviderSettings settings) => [];

        public ISecretSource Connect(ProviderSettings settings) => throw new InvalidOperationException("not used");
    }
}
