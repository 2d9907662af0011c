namespace SecretSync.DevStack.Gcp;

/// <summary>The subset of Secret Manager's list filter syntax the emulator understands (gcp-secret-manager.md §1).</summary>
/// <remarks>
/// Terms <c>field:value</c> (contains, or equals for state), <c>field=value</c>, <c>create_time&gt;…</c> / <c>&lt;</c>;
/// <c>NOT</c> or <c>-</c> negates a term; <c>OR</c> binds tighter than the implicit <c>AND</c> (AIP-160). Fields:
/// <c>name</c>, <c>state</c> (versions), <c>labels.KEY</c> (secrets), <c>create_time</c>. Anything else is INVALID_ARGUMENT.
/// </remarks>
internal sealed class GcpFilter
{
    private readonly List<List<Func<IReadOnlyDictionary<string, string>, bool>>> _conjunction = [];

    private GcpFilter()
    {
    }

    public static GcpFilter Parse(string? text, IReadOnlyCollection<string> fields)
    {
        var filter = new GcpFilter();
        if (string.IsNullOrWhiteSpace(text))
        {
            return filter;
        }

        if (text.Contains('(', StringComparison.Ordinal) || text.Contains(')', StringComparison.Ordinal))
        {
            throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: parentheses are not supported by this emulator.");
        }

        List<Func<IReadOnlyDictionary<string, string>, bool>>? current = null;
        var expectTerm = true;
        var pendingOr = false;
        var negate = false;
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (token)
            {
                case "AND" or "OR" when expectTerm:
                    throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: '{token}' needs a term before it.");
                case "AND":
                    current = null;
                    expectTerm = true;
                    continue;
                case "OR":
                    pendingOr = true;
                    expectTerm = true;
                    continue;
                case "NOT":
                    negate = !negate;
                    expectTerm = true;
                    continue;
            }

            var term = Term(token, fields, text);
            if (negate)
            {
                var inner = term;
                term = values => !inner(values);
                negate = false;
            }

            if (!pendingOr || current is null)
            {
                current = [];
                filter._conjunction.Add(current);
            }

            current.Add(term);
            pendingOr = false;
            expectTerm = false;
        }

        if (expectTerm)
        {
            throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: it ends with an operator.");
        }

        return filter;
    }

    /// <summary>Whether an item with these field values passes; <c>labels.KEY</c> entries carry labels.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> values) => _conjunction.All(any => any.Any(term => term(values)));

    private static Func<IReadOnlyDictionary<string, string>, bool> Term(string token, IReadOnlyCollection<string> fields, string text)
    {
        var negated = token.StartsWith('-');
        var body = negated ? token[1..] : token;
        var index = body.IndexOfAny([':', '=', '<', '>']);
        if (index <= 0)
        {
            throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: '{token}' is not field:value.");
        }

        var field = body[..index];
        var op = body[index].ToString();
        var value = body[(index + 1)..];
        if (value.StartsWith('='))
        {
            op += "=";
            value = value[1..];
        }

        value = value.Trim('"');
        if (!fields.Contains(field) && !(field.StartsWith("labels.", StringComparison.Ordinal) && fields.Contains("labels")))
        {
            throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: unknown field '{field}'.");
        }

        Func<IReadOnlyDictionary<string, string>, bool> term = op switch
        {
            ":" when field == "state" => values => string.Equals(values.GetValueOrDefault(field), value, StringComparison.OrdinalIgnoreCase),
            ":" when value == "*" => values => values.ContainsKey(field),
            ":" => values => values.GetValueOrDefault(field)?.Contains(value, StringComparison.OrdinalIgnoreCase) == true,
            "=" => values => string.Equals(values.GetValueOrDefault(field), value, StringComparison.Ordinal),
            "<" or "<=" or ">" or ">=" when field == "create_time" && DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var bound) => values =>
                DateTimeOffset.TryParse(values.GetValueOrDefault(field), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var actual) && op switch
                {
                    "<" => actual < bound,
                    "<=" => actual <= bound,
                    ">" => actual > bound,
                    _ => actual >= bound,
                },
            _ => throw GoogleApiException.InvalidArgument($"Invalid filter [{text}]: operator '{op}' is not supported for '{field}'."),
        };
        return negated ? values => !term(values) : term;
    }
}
