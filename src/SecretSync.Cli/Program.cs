using System.CommandLine;
using System.CommandLine.Invocation;
using SecretSync.Cli;
using SecretSync.Cli.Commands;

var root = new RootCommand("SecretSync: keeps Kubernetes Secrets in step with a central secret authority.")
{
    RunCommand.Create(),
    DevCommand.Create(),
    ValidateCommand.Create(),
    RevocationsCommand.Create(),
    RotateCommand.Create(),
    AuditCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Action is ParseErrorAction parseError)
{
    // The error lines say what is wrong; `--help` is one flag away.
    parseError.ShowHelp = false;
}

try
{
    var exitCode = await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
}
catch (Exception ex) when (ExpectedFailure.Describe(ex) is { } line)
{
    await Console.Error.WriteLineAsync($"error: {line}");
    return ExitCodes.Usage;
}
