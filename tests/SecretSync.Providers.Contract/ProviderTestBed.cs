using SecretSync.Core.Providers;

namespace SecretSync.Providers.Contract;

/// <summary>Provider settings as the configuration layer hands them over, and stand-ins for the process environment.</summary>
public static class TestSettings
{
    /// <summary>Only the errors among <paramref name="problems"/>: warnings (loopback http) and runtime requirements (files mounted in a pod) pass.</summary>
    public static List<SettingError> ErrorsOnly(this IEnumerable<SettingError> problems) => [.. problems.Where(p => p.IsError)];

    /// <summary>Settings of provider <paramref name="name"/> of <paramref name="type"/>, each value located in <c>config.yaml</c>.</summary>
    public static ProviderSettings Of(string type, string name, IEnumerable<(string Key, string Value)> values) =>
        new(name, type, values.ToDictionary(v => v.Key, v => new SettingValue(v.Value, new SourceLocation("config.yaml", 3, 5)), StringComparer.Ordinal));

    /// <summary>An environment without any variable.</summary>
    public static Func<string, string?> NoEnvironment { get; } = _ => null;

    /// <summary>An environment holding just <paramref name="variables"/>.</summary>
    public static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}

/// <summary>An emulator with the adapters and temporary files of one test, cleaned up together.</summary>
public abstract class ProviderTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _files = [];

    /// <summary>Writes content to a temporary file, deleted with the test bed.</summary>
    public string File(string content)
    {
        var path = Path.GetTempFileName();
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    /// <summary>Disposes the adapters, then the emulator, then deletes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await DisposeEmulatorAsync();
        foreach (var file in _files)
        {
            System.IO.File.Delete(file);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Keeps <paramref name="client"/> to dispose with the test bed.</summary>
    protected T Own<T>(T client)
        where T : IAsyncDisposable
    {
        _owned.Add(client);
        return client;
    }

    /// <summary>Settings from <paramref name="defaults"/> with <paramref name="overrides"/> replacing or adding keys.</summary>
    protected static ProviderSettings Merge(
        string type, string name, Dictionary<string, string> defaults, IEnumerable<(string Key, string Value)> overrides, bool emptyRemoves = false)
    {
        foreach (var (key, value) in overrides)
        {
            if (emptyRemoves && value.Length == 0)
            {
                defaults.Remove(key);
            }
            else
            {
                defaults[key] = value;
            }
        }

        return TestSettings.Of(type, name, defaults.Select(p => (p.Key, p.Value)));
    }

    /// <summary>Stops the emulator.</summary>
    protected abstract ValueTask DisposeEmulatorAsync();
}
