using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Audit.Tests.FileChain;
using SecretSync.Audit.Tests.Support;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.Tests.Trail;

/// <summary>Bidirectional and control characters from tenants are shown, never obeyed, in every sink.</summary>
public sealed class AuditTextTests
{
    // A rejected annotation value that would read "payments-db" backwards and paint the terminal red.
    private const string Hostile = "bd-stnemyap\u202E, \u2066x\u2069 \u001b[31mred\u009b\r\nforged line";

    [Fact]
    public async Task ThroughTheTrail_TheFileAndKubernetesEventsShowTheCharactersEscaped()
    {
        await using var stack = await EventStack.StartAsync("payments");
        using var folder = new ChainFolder();
        var chain = folder.Sink();
        await using (var trail = new AuditTrail(new AuditIdentity("prod-eu-1", "secretsync-7"), [stack.Sink(), chain], stack.Clock, NullLogger<AuditTrail>.Instance))
        {
            trail.Record(AuditActions.Denied, AuditOutcomes.Skipped, e => e with
            {
                Namespace = "payments",
                Bundle = Hostile,
                Error = $"bundle '{Hostile}' is not allowed",
                Detail = Hostile,
            });
            await trail.FlushAsync(CancellationToken.None);
        }

        var stored = Assert.Single(await folder.ReadAllAsync());
        var message = Assert.Single(await stack.EventsAsync("payments")).Message!;
        foreach (var text in new[] { stored.Bundle!, stored.Error!, stored.Detail!, message })
        {
            Assert.DoesNotContain(text, c => char.IsControl(c) || c is '\u202E' or '\u2066' or '\u2069');
        }

        Assert.Equal(@"bd-stnemyap\u202E, \u2066x\u2069 \u001B[31mred\u009B\u000D\u000Aforged line", stored.Detail);
        Assert.Contains(@"\u202E", stored.Error, StringComparison.Ordinal);
        Assert.Contains(@"\u202E", message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainText_IsLeftAsItIs()
    {
        const string Plain = "bundle 'payments-db' is not allowed in namespace checkout (ünïcode stays)";

        Assert.Same(Plain, AuditText.Escape(Plain));
    }
}
