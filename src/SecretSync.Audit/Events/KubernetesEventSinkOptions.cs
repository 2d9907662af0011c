namespace SecretSync.Audit.Events;

/// <summary>How the <see cref="KubernetesEventSink"/> aggregates and rate-limits the Events it writes.</summary>
public sealed record KubernetesEventSinkOptions
{
    /// <summary>How long after its previous occurrence a condition still updates the same Event instead of creating a new one.</summary>
    /// <value>Defaults to 10 minutes, client-go's <c>EventCorrelator</c> aggregation interval.</value>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Sustained Event writes (creates and patches) per second across the sink: the token bucket's refill rate.</summary>
    /// <value>Defaults to 10 per second.</value>
    public double Qps { get; init; } = 10;

    /// <summary>Event writes that may go out at once before <see cref="Qps"/> applies: the token bucket's size.</summary>
    /// <value>Defaults to 25, client-go's per-object spam-filter burst.</value>
    public int Burst { get; init; } = 25;

    /// <summary>How many distinct conditions (namespace, involved object, reason) are remembered for aggregation.</summary>
    /// <value>Defaults to 4096, the size of client-go's event cache; the least recently seen condition is forgotten first.</value>
    public int MaxTrackedConditions { get; init; } = 4096;

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is zero, negative or not a number.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Window, TimeSpan.Zero);
        if (!double.IsFinite(Qps) || Qps <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Qps), Qps, "Qps must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Burst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxTrackedConditions);
    }
}
