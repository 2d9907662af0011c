namespace SecretSync.Benchmarks.Harness;

/// <summary>Our counted requests next to the External Secrets Operator model and the floor.</summary>
/// <remarks>
/// ESO model: one provider read per ExternalSecret per refresh, i.e. <c>managed Secrets x refreshes</c>.
/// Floor: one provider read per changed source and one Kubernetes write per changed Secret.
/// </remarks>
internal static class SideBySide
{
    public const string Formula =
        "ESO model provider reads = managed Secrets (one ExternalSecret each) x refreshes in the window; ESO / ours = ESO model reads / max(1, our provider requests). " +
        "Floor = one provider read per changed source and one Secret write per changed Secret; 'above floor' = ours - floor.";

    public static void Add(Run run, int managedSecrets, int refreshes, int ourProviderRequests, int ourProviderReads, int changedSources, int ourSecretWrites, int changedSecrets)
    {
        var eso = (double)managedSecrets * refreshes;
        run.Add("ESO model provider reads", eso, "");
        run.Add("ESO model / ours (provider requests)", eso / Math.Max(1, ourProviderRequests), "x");
        run.Add("floor provider reads", changedSources, "");
        run.Add("provider reads above floor", ourProviderReads - changedSources, "");
        run.Add("floor Secret writes", changedSecrets, "");
        run.Add("Secret writes above floor", ourSecretWrites - changedSecrets, "");
    }
}
