using System.CommandLine;
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
if (parse.Errors.Count > 0)
{
    // One line, as every expected error is; `--help` is one flag away.
    var problems = parse.Errors.Select(e => string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    await Console.Error.WriteLineAsync($"error: {string.Join("; ", problems)} (see {parse.CommandResult.Command.Name} --help)");
    return ExitCodes.Usage;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ExpectedFailure.Describe(ex) is { } line)
{
    await Console.Error.WriteLineAsync($"error: {line}");
    return ExitCodes.Usage;
}
