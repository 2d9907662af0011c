using System.CommandLine;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync revocations approve TOKEN</c>: lets revocations held by the mass-revocation brake proceed.</summary>
internal static class RevocationsCommand
{
    public static Command Create()
    {
        var token = new Argument<string>("token") { Description = "The approval token shown in the revocation-paused audit event and /status." };
        var daemon = new Option<Uri>("--daemon")
        {
            Description = "The leader's endpoint address.",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080/"),
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                result.AddError($"--daemon must be an http(s) URL such as http://127.0.0.1:8080/, not '{text}'.");
                return null;
            },
        };
        var approve = new Command("approve", "Approve the revocations the brake is holding, as shown by their token.") { token, daemon };
        approve.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = parse.GetValue(daemon), Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var response = await http.PostAsync(new Uri($"revocations/approve?token={Uri.EscapeDataString(parse.GetValue(token)!)}", UriKind.Relative), null, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                await (response.IsSuccessStatusCode ? Console.Out : Console.Error).WriteAsync(body);
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach the daemon at {http.BaseAddress}: {ex.Message}");
                return 2;
            }
        });
        return new Command("revocations", "Operate on revocations held by the mass-revocation brake.") { approve };
    }
}
