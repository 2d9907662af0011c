namespace SecretSync.Cli.Dev;

/// <summary>The dev stack's state dir, held by one <c>secretsync dev</c> at a time, its files readable by their owner only.</summary>
/// <remarks>
/// The hold is an OS file lock on <c>dev.lock</c>, so it ends with the process however that ends; <c>dev.owner</c>
/// beside it names the holder (pid and addresses) for the one line a second <c>dev</c> prints. The directory is made
/// 0700 and every file written through <see cref="Write"/> or passed to <see cref="Protect"/> 0600, because the
/// kubeconfig, vault.env, token files and install key are credentials.
/// </remarks>
internal sealed class DevStateDir : IDisposable
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string LockName = "dev.lock";
    private const string OwnerName = "dev.owner";

    private readonly FileStream _lock;

    private DevStateDir(DirectoryInfo directory, FileStream held)
    {
        Directory = directory;
        _lock = held;
    }

    /// <summary>The state dir.</summary>
    public DirectoryInfo Directory { get; }

    /// <summary>Creates (0700) and locks the state dir.</summary>
    /// <returns>The held state dir, or null with <paramref name="holder"/> describing the running <c>dev</c> that holds it.</returns>
    public static DevStateDir? TryAcquire(DirectoryInfo directory, out string holder)
    {
        holder = "";
        var path = directory.FullName;
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }

        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(path, LockName), OwnerOnly(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            var owner = Path.Combine(path, OwnerName);
            holder = File.Exists(owner) ? File.ReadAllText(owner).Trim() : "another process";
            return null;
        }

        var state = new DevStateDir(new DirectoryInfo(path), held);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnlyDirectory);
        }

        state.Write(OwnerName, $"pid {Environment.ProcessId}, starting");
        return state;
    }

    /// <summary>The full path of a file in the state dir.</summary>
    public string PathOf(string name) => Path.Combine(Directory.FullName, name);

    /// <summary>Writes a file in the state dir, readable by its owner only.</summary>
    /// <returns>The file's full path.</returns>
    public string Write(string name, string text)
    {
        var path = PathOf(name);
        using (var stream = new FileStream(path, OwnerOnly(FileMode.Create, FileAccess.Write, FileShare.Read)))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        Protect(path);
        return path;
    }

    /// <summary>Makes an existing file (one written by a component that chose its own mode) readable by its owner only.</summary>
    public static void Protect(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }

    // A file created 0600 from the start, so its content is never readable by others, even for a moment.
    private static FileStreamOptions OwnerOnly(FileMode mode, FileAccess access, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return options;
    }

    /// <summary>Records who holds the state dir, for a second <c>dev</c> to name.</summary>
    public void Announce(string description) => Write(OwnerName, $"pid {Environment.ProcessId}, {description}");

    public void Dispose()
    {
        // The owner line goes first: once the lock is released, a new holder writes its own.
        try
        {
            File.Delete(PathOf(OwnerName));
        }
        catch (IOException)
        {
        }

        _lock.Dispose();
    }
}
