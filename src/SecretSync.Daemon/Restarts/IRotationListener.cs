using SecretSync.Core.Model;

namespace SecretSync.Daemon.Restarts;

/// <summary>A rotation written to one managed Secret: the keys whose value changed, named by digest comparison.</summary>
/// <param name="Secret">The Secret written.</param>
/// <param name="ChangedKeys">Keys whose value differs from what the Secret held before (added keys count; removed keys do not).</param>
/// <param name="Provider">The provider of its source.</param>
/// <param name="Source">The source path.</param>
/// <param name="Version">The source version written.</param>
/// <param name="PreviousVersion">The source version the Secret carried before, when known.</param>
/// <param name="Trigger">What made the daemon write (an audit trigger).</param>
internal sealed record SecretRotation(
    NamespacedName Secret,
    IReadOnlyList<string> ChangedKeys,
    string Provider,
    string Source,
    string Version,
    string? PreviousVersion,
    string Trigger);

/// <summary>Told of each rotation the sync engine writes.</summary>
internal interface IRotationListener
{
    /// <summary>Called after a successful write that changed at least one key's value; must return quickly and never throw.</summary>
    void OnRotated(SecretRotation rotation);
}
