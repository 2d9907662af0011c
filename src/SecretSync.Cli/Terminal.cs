using Spectre.Console;

namespace SecretSync.Cli;

/// <summary>The console every command writes its human output to: escape codes only on a terminal, colours only without <c>NO_COLOR</c>.</summary>
internal static class Terminal
{
    /// <summary>Standard output as a Spectre console.</summary>
    /// <param name="pipedWidth">The line width when output is piped (no terminal to wrap at); tables then never split names.</param>
    /// <param name="minimumWidth">The least width on a terminal, for tables that read worse squeezed than soft-wrapped.</param>
    public static IAnsiConsole Stdout(int pipedWidth = 400, int minimumWidth = 0)
    {
        var piped = Console.IsOutputRedirected;
        var noColour = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = piped ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = piped || noColour ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = piped ? InteractionSupport.No : InteractionSupport.Detect,
        });
        console.Profile.Width = piped ? pipedWidth : Math.Max(console.Profile.Width, minimumWidth);
        return console;
    }
}
