using System.Text;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Rendering;

public sealed class SecretRendererTests
{
    private static RenderedSecret Rendered(RenderResult result) => Assert.IsType<RenderResult.Rendered>(result).Secret;

    private static RenderError Failed(RenderResult result) => Assert.IsType<RenderResult.Failed>(result).Error;

    [Fact]
    public void Render_WithoutRenames_CopiesEveryKeyAsIs()
    {
        var secret = Rendered(SecretRenderer.Render(Payloads.Target(), Payloads.Of(("username", "u"), ("password", "p"))));

        Assert.Equal(["password", "username"], secret.Data.Keys.Order());
        Assert.Equal("u"u8.ToArray(), secret.Data["username"]);
        Assert.Equal("Opaque", secret.Type);
    }

    [Fact]
    public void Render_WithRenames_RenamesListedKeysAndKeepsTheRest()
    {
        var target = Payloads.Target(new Dictionary<string, string> { ["username"] = "user" }, "kubernetes.io/basic-auth");

        var secret = Rendered(SecretRenderer.Render(target, Payloads.Of(("username", "u"), ("password", "p"))));

        Assert.Equal(["password", "user"], secret.Data.Keys.Order());
        Assert.Equal("kubernetes.io/basic-auth", secret.Type);
    }

    [Theory]
    [InlineData("user name")]
    [InlineData("ключ")]
    [InlineData("..hidden")]
    [InlineData(".")]
    [InlineData("a/b")]
    public void Render_SourceKeyThatIsNoSecretKey_FailsTyped(string key)
    {
        var error = Failed(SecretSecretRender(key));

        Assert.Equal(RenderErrorKind.InvalidKey, error.Kind);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RenameOntoAnExistingKey_FailsTyped()
    {
        var target = Payloads.Target(new Dictionary<string, string> { ["username"] = "user" });

        Assert.Equal(RenderErrorKind.KeyCollision, Failed(SecretRenderer.Render(target, Payloads.Of(("username", "a"), ("user", "b")))).Kind);
    }

    [Fact]
    public void Render_RenamedKeyMissingFromSource_FailsTyped()
    {
        var target = Payloads.Target(new Dictionary<string, string> { ["username"] = "user" });

        Assert.Equal(RenderErrorKind.MissingKey, Failed(SecretRenderer.Render(target, Payloads.Of(("password", "p")))).Kind);
    }

    [Fact]
    public void Render_ExactlyOneMebibyte_IsAccepted()
    {
        var payload = new SecretPayload(Payloads.Version(), new Dictionary<string, byte[]> { ["k"] = new byte[SecretRenderer.MaxDataBytes - 1] });

        Assert.Equal(SecretRenderer.MaxDataBytes, Rendered(SecretRenderer.Render(Payloads.Target(), payload)).Size);
    }

    [Fact]
    public void Render_OverOneMebibyte_FailsTypedWithoutThrowing()
    {
        var payload = new SecretPayload(Payloads.Version(), new Dictionary<string, byte[]>
        {
            ["a"] = new byte[600_000],
            ["b"] = new byte[600_000],
        });

        var error = Failed(SecretRenderer.Render(Payloads.Target(), payload));

        Assert.Equal(RenderErrorKind.TooLarge, error.Kind);
        Assert.Contains("1200002 bytes", error.Message, StringComparison.Ordinal);
    }

    private static RenderResult SecretSecretRender(string key) =>
        SecretRenderer.Render(Payloads.Target(), new SecretPayload(Payloads.Version(), new Dictionary<string, byte[]> { [key] = Encoding.UTF8.GetBytes("v") }));
}
