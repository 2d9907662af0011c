using SecretSync.Core.Audit;
using Spectre.Console;

namespace SecretSync.Cli.Dev;

/// <summary>Shows audit events as one readable line each while <c>secretsync dev</c> runs.</summary>
internal sealed class DevConsoleSink(IAnsiConsole console) : IAuditSink
{
    private readonly Lock _gate = new();

    public int Failures { get; private set; }

    public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var colour = auditEvent.Outcome switch
        {
            AuditOutcomes.Failure => "red",
            AuditOutcomes.Skipped => "yellow",
            _ => auditEvent.Action is AuditActions.Revoked or AuditActions.Pruned ? "magenta" : "green",
        };
        var target = auditEvent.Namespace is null ? "" : $"{auditEvent.Namespace}/{auditEvent.Secret ?? ""}";
        var source = auditEvent.Source is null ? "" : $"{auditEvent.Provider}:{auditEvent.Source}{(auditEvent.SourceVersion is null ? "" : " v" + auditEvent.SourceVersion)}";
        var why = auditEvent.Error ?? auditEvent.Detail ?? "";
        lock (_gate)
        {
            if (auditEvent.Outcome == AuditOutcomes.Failure)
            {
                Failures++;
            }

            console.MarkupLine(
                $"[grey]{auditEvent.Time:HH:mm:ss}[/] [{colour}]{Markup.Escape(auditEvent.Action),-17}[/] {Markup.Escape(target),-36} " +
                $"[blue]{Markup.Escape(source)}[/] [grey]({Markup.Escape(auditEvent.Trigger ?? "")}) {Markup.Escape(why)}[/]");
        }

        return ValueTask.CompletedTask;
    }
}
