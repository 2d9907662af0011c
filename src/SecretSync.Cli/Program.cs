using System.CommandLine;

var root = new RootCommand("SecretSync: keeps Kubernetes Secrets in step with a central secret authority.");
return await root.Parse(args).InvokeAsync();
