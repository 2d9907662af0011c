using System.CommandLine;
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
return await root.Parse(args).InvokeAsync();
