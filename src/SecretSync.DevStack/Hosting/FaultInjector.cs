namespace SecretSync.DevStack.Hosting;

/// <summary>A fault applied to matching requests: added latency, an error status, or both.</summary>
public sealed record FaultRule
{
    /// <summary>Only requests with this HTTP method; any when null.</summary>
    public string? Method { get; init; }

    /// <summary>Only requests whose path starts with this; any when null.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Only requests whose emulator verb equals this (e.g. <c>watch</c>); any when null.</summary>
    public string? Verb { get; init; }

    /// <summary>Delay added before the request is handled.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Status to answer instead of handling the request; none when null (latency only).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Sent as the <c>Retry-After</c> header (whole seconds) with <see cref="StatusCode"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>How many requests the rule applies to before it expires; forever when null.</summary>
    public int? Times { get; init; }

    /// <summary>Chance in [0, 1] that a matching request is affected.</summary>
    public double Probability { get; init; } = 1.0;
}

/// <summary>Faults that tests switch on and off while an emulator runs.</summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<ActiveRule> _rules = [];
    private CancellationTokenSource _streams = new();

    /// <summary>Cancelled when <see cref="DropStreams"/> is called; long-running responses (watches, sockets) end on it.</summary>
    public CancellationToken StreamsToken
    {
        get
        {
            lock (_gate)
            {
                return _streams.Token;
            }
        }
    }

    /// <summary>The number of rules in force.</summary>
    public int ActiveRules
    {
        get
        {
            lock (_gate)
            {
                return _rules.Count;
            }
        }
    }

    /// <summary>Adds a rule; dispose the result to remove it early.</summary>
    public IDisposable Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(rule.Latency, TimeSpan.Zero);
        var active = new ActiveRule(this, rule);
        lock (_gate)
        {
            _rules.Add(active);
        }

        return active;
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Cuts every open streaming connection (watches, event sockets) once.</summary>
    public void DropStreams()
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _streams;
            _streams = new CancellationTokenSource();
        }

        old.Cancel();
        old.Dispose();
    }

    /// <summary>Finds the rules that apply to this request and consumes one use of each.</summary>
    internal IReadOnlyList<FaultRule> Take(string method, string path, string verb)
    {
        lock (_gate)
        {
            List<FaultRule>? hits = null;
            for (var i = 0; i < _rules.Count; i++)
            {
                var active = _rules[i];
                var rule = active.Rule;
                if ((rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                    || (rule.PathPrefix is not null && !path.StartsWith(rule.PathPrefix, StringComparison.Ordinal))
                    || (rule.Verb is not null && !string.Equals(rule.Verb, verb, StringComparison.Ordinal))
                    || (rule.Probability < 1.0 && Random.Shared.NextDouble() >= rule.Probability))
                {
                    continue;
                }

                (hits ??= []).Add(rule);
                if (active.Remaining is not null && --active.Remaining <= 0)
                {
                    _rules.RemoveAt(i--);
                }
            }

            return hits ?? (IReadOnlyList<FaultRule>)[];
        }
    }

    private sealed class ActiveRule(FaultInjector owner, FaultRule rule) : IDisposable
    {
        public FaultRule Rule { get; } = rule;

        public int? Remaining { get; set; } = rule.Times;

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._rules.Remove(this);
            }
        }
    }
}
