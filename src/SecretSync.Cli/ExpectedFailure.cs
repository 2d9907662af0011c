using System.Net.Sockets;
using Npgsql;
using SecretSync.Kubernetes.Config;
using YamlDotNet.Core;

namespace SecretSync.Cli;

/// <summary>Turns the failures a user causes or meets (a port in use, a missing file, an unreachable endpoint) into one line on stderr.</summary>
/// <remarks>Anything else is a bug and keeps its stack trace.</remarks>
internal static class ExpectedFailure
{
    /// <summary>The one-line description of <paramref name="exception"/> when it is an expected failure, else null.</summary>
    public static string? Describe(Exception exception) => Unwrap(exception) switch
    {
        // Kestrel reports a port in use as an IOException wrapping the socket error.
        IOException { InnerException: SocketException socket } io => $"{io.Message.TrimEnd('.')}: {socket.Message}",
        IOException or UnauthorizedAccessException or SocketException or HttpRequestException or NpgsqlException
            or KubernetesConfigException or InvalidDataException or YamlException => OneLine(Unwrap(exception).Message),
        _ => null,
    };

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : exception;

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
