using SecretSync.Core.Audit;

namespace SecretSync.Audit;

/// <summary>Writes each audit event as one JSON line to standard output (or any writer).</summary>
public sealed class StdoutSink : IAuditSink
{
    private readonly TextWriter _output;
    private readonly Lock _gate = new();

    /// <summary>Writes to <paramref name="output"/>, or the process's standard output when null.</summary>
    public StdoutSink(TextWriter? output = null) => _output = output ?? Console.Out;

    /// <inheritdoc />
    public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var line = AuditJson.Serialize(auditEvent);
        lock (_gate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }

        return ValueTask.CompletedTask;
    }
}
