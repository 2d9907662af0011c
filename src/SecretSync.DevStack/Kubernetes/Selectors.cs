namespace SecretSync.DevStack;

/// <summary>A parsed <c>labelSelector</c>: requirements joined by AND.</summary>
internal sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public bool IsEverything => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses the selector grammar: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>.</summary>
    /// <exception cref="KubernetesApiException">400 BadRequest on a syntax error.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var parser = new Parser(text);
        var requirements = new List<Requirement>();
        do
        {
            requirements.Add(parser.Requirement());
        }
        while (parser.Comma());

        parser.End();
        return new LabelSelector(requirements);
    }

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                Operator.Equals or Operator.In => has && Values.Contains(value!),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value!),
                _ => false,
            };
        }
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public Requirement Requirement()
        {
            SkipSpace();
            var negated = Peek('!');
            if (negated)
            {
                _at++;
                SkipSpace();
            }

            var key = Word();
            if (key.Length == 0)
            {
                throw Fail("found '" + Rest() + "', expected: identifier");
            }

            ValidateKey(key);
            SkipSpace();
            if (negated)
            {
                return new Requirement(key, Operator.DoesNotExist, []);
            }

            if (_at >= text.Length || Peek(','))
            {
                return new Requirement(key, Operator.Exists, []);
            }

            if (Take("==") || Take("="))
            {
                return new Requirement(key, Operator.Equals, [Value()]);
            }

            if (Take("!="))
            {
                return new Requirement(key, Operator.NotEquals, [Value()]);
            }

            var word = Word();
            var op = word switch
            {
                "in" => Operator.In,
                "notin" => Operator.NotIn,
                _ => throw Fail($"found '{word}', expected: in, notin, =, ==, !=, gt, lt"),
            };
            SkipSpace();
            if (!Take("("))
            {
                throw Fail("found '" + Rest() + "', expected: '('");
            }

            var values = new List<string>();
            while (true)
            {
                SkipSpace();
                values.Add(Word());
                SkipSpace();
                if (Take(")"))
                {
                    break;
                }

                if (!Take(","))
                {
                    throw Fail("found '" + Rest() + "', expected: ',' or ')'");
                }
            }

            return new Requirement(key, op, values);
        }

        public bool Comma()
        {
            SkipSpace();
            return Take(",");
        }

        public void End()
        {
            SkipSpace();
            if (_at < text.Length)
            {
                throw Fail("found '" + Rest() + "', expected: ',' or end of string");
            }
        }

        private string Value()
        {
            SkipSpace();
            var value = Word();
            if (value.Length > 63)
            {
                throw Fail($"invalid label value: \"{value}\": must be no more than 63 characters");
            }

            return value;
        }

        private string Word()
        {
            var start = _at;
            while (_at < text.Length && !char.IsWhiteSpace(text[_at]) && text[_at] is not (',' or '=' or '!' or '(' or ')'))
            {
                _at++;
            }

            return text[start.._at];
        }

        private static void ValidateKey(string key)
        {
            var name = key.Contains('/') ? key[(key.IndexOf('/') + 1)..] : key;
            if (name.Length is 0 or > 63 || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1])
                || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
            {
                throw KubernetesApiException.BadRequest(
                    $"unable to parse requirement: <nil>: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
            }
        }

        private bool Peek(char c) => _at < text.Length && text[_at] == c;

        private bool Take(string token)
        {
            if (string.CompareOrdinal(text, _at, token, 0, token.Length) == 0)
            {
                _at += token.Length;
                return true;
            }

            return false;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private string Rest() => text[_at..];

        private KubernetesApiException Fail(string why) =>
            KubernetesApiException.BadRequest($"unable to parse requirement: {why} in selector \"{text}\"");
    }
}

/// <summary>A parsed <c>fieldSelector</c>: <c>field=value</c>, <c>==</c> or <c>!=</c> terms joined by AND.</summary>
internal sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string Field, bool Equal, string Value)> terms) => _terms = terms;

    /// <summary>The single name an <c>metadata.name=x</c> term pins, if any.</summary>
    public string? Name => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal).Value;

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var (field, equal, value) in _terms)
        {
            if ((fields.TryGetValue(field, out var actual) && actual == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    /// <exception cref="KubernetesApiException">400 BadRequest on bad syntax or a field the resource does not support.</exception>
    public static FieldSelector Parse(string? text, ResourceKind kind)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            string field, value;
            bool equal;
            int at;
            if ((at = term.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                (field, equal, value) = (term[..at], false, term[(at + 2)..]);
            }
            else if ((at = term.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                (field, equal, value) = (term[..at], true, term[(at + 2)..]);
            }
            else if ((at = term.IndexOf('=')) > 0)
            {
                (field, equal, value) = (term[..at], true, term[(at + 1)..]);
            }
            else
            {
                throw KubernetesApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            field = field.Trim();
            if (!kind.SelectableFields.Contains(field))
            {
                throw KubernetesApiException.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, equal, value.Trim()));
        }

        return new FieldSelector(terms);
    }
}
