using System.Globalization;
using System.Text.Json.Nodes;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>An evaluation error, as CEL has them: a missing field, a wrong type.</summary>
public sealed class CelError(string message) : Exception(message);

/// <summary>The part of CEL (cel-spec) the chart's admission policies use, evaluated over JSON, and nothing more.</summary>
/// <remarks>
/// Syntax: literals (single- or double-quoted strings without escapes, integers, <c>true</c>, <c>false</c>, <c>null</c>),
/// list literals and the empty map <c>{}</c>, identifiers, field selection, indexing, <c>has(a.f)</c>, the macros
/// <c>all</c> and <c>exists</c> over list elements or map keys, <c>!</c>, <c>==</c>, <c>!=</c>, <c>in</c>, <c>&amp;&amp;</c>,
/// <c>||</c> and <c>? :</c>. Anything else fails to parse, so a policy cannot grow past what this evaluator checks.
/// Semantics follow the spec where the policies depend on it: selecting an absent field is an error that
/// <c>&amp;&amp;</c> and <c>||</c> absorb when the other side decides the result (<c>false &amp;&amp; error</c> is false),
/// <c>has</c> tests presence without the error, and <c>==</c> compares lists and maps deeply.
/// </remarks>
public static class CelSubset
{
    /// <summary>Parses an expression; throws <see cref="NotSupportedException"/> for syntax outside the subset.</summary>
    public static Node Parse(string expression)
    {
        var parser = new Parser(Tokenize(expression), expression);
        var node = parser.Conditional();
        parser.ExpectEnd();
        return node;
    }

    /// <summary>Evaluates a parsed expression; throws <see cref="CelError"/> as CEL would report an error.</summary>
    /// <param name="node">The expression.</param>
    /// <param name="resolve">Values of the top-level identifiers; <see cref="CelError"/> for an unknown one.</param>
    public static JsonNode? Evaluate(Node node, Func<string, JsonNode?> resolve) => node switch
    {
        Literal l => l.Value?.DeepClone(),
        Identifier i => resolve(i.Name),
        Select { Target: Identifier { Name: "variables" }, Field: var name } => resolve("variables." + name),
        Select s => Field(Evaluate(s.Target, resolve), s.Field),
        Index x => Lookup(Evaluate(x.Target, resolve), Evaluate(x.Key, resolve)),
        Has h => Evaluate(h.Target.Target, resolve) is JsonObject map ? map.ContainsKey(h.Target.Field) : throw new CelError($"has() on a non-object ({h.Target.Field})"),
        Not n => !Bool(Evaluate(n.Operand, resolve)),
        Binary { Op: "&&" } b => Logical(b, resolve, decisive: false),
        Binary { Op: "||" } b => Logical(b, resolve, decisive: true),
        Binary { Op: "==" } b => JsonNode.DeepEquals(Evaluate(b.Left, resolve), Evaluate(b.Right, resolve)),
        Binary { Op: "!=" } b => !JsonNode.DeepEquals(Evaluate(b.Left, resolve), Evaluate(b.Right, resolve)),
        Binary { Op: "in" } b => In(Evaluate(b.Left, resolve), Evaluate(b.Right, resolve)),
        Conditional c => Bool(Evaluate(c.Condition, resolve)) ? Evaluate(c.Then, resolve) : Evaluate(c.Else, resolve),
        ListLiteral list => new JsonArray([.. list.Items.Select(i => Evaluate(i, resolve)?.DeepClone())]),
        EmptyMap => new JsonObject(),
        Comprehension q => Quantify(q, resolve),
        _ => throw new NotSupportedException($"cannot evaluate {node}"),
    };

    /// <summary>Evaluates to a boolean, or throws <see cref="CelError"/>.</summary>
    public static bool IsTrue(Node node, Func<string, JsonNode?> resolve) => Bool(Evaluate(node, resolve));

    private static JsonNode Logical(Binary b, Func<string, JsonNode?> resolve, bool decisive)
    {
        // cel-spec: && and || are commutative over errors; a decisive operand on either side wins.
        CelError? error = null;
        foreach (var operand in new[] { b.Left, b.Right })
        {
            try
            {
                if (Bool(Evaluate(operand, resolve)) == decisive)
                {
                    return decisive;
                }
            }
            catch (CelError e)
            {
                error ??= e;
            }
        }

        return error is null ? !decisive : throw error;
    }

    private static JsonNode Quantify(Comprehension q, Func<string, JsonNode?> resolve)
    {
        var range = Evaluate(q.Target, resolve) switch
        {
            JsonObject map => map.Select(p => (JsonNode?)JsonValue.Create(p.Key)).ToList(),
            JsonArray list => [.. list],
            var other => throw new CelError($"{q.Macro}() over {Describe(other)}"),
        };
        var decisive = q.Macro == "exists";
        CelError? error = null;
        foreach (var element in range)
        {
            try
            {
                if (Bool(Evaluate(q.Predicate, name => name == q.Variable ? element?.DeepClone() : resolve(name))) == decisive)
                {
                    return decisive;
                }
            }
            catch (CelError e)
            {
                error ??= e;
            }
        }

        return error is null ? !decisive : throw error;
    }

    private static JsonNode? Field(JsonNode? target, string field) =>
        target is JsonObject map
            ? map.TryGetPropertyValue(field, out var value) ? value : throw new CelError($"no such key: {field}")
            : throw new CelError($"cannot select '{field}' from {Describe(target)}");

    private static JsonNode? Lookup(JsonNode? target, JsonNode? key) => (target, key) switch
    {
        (JsonObject map, JsonValue k) when k.TryGetValue<string>(out var name) =>
            map.TryGetPropertyValue(name, out var value) ? value : throw new CelError($"no such key: {name}"),
        (JsonArray list, JsonValue k) when k.TryGetValue<long>(out var i) =>
            i >= 0 && i < list.Count ? list[(int)i] : throw new CelError($"index {i} out of range"),
        _ => throw new CelError($"cannot index {Describe(target)} with {Describe(key)}"),
    };

    private static bool In(JsonNode? element, JsonNode? container) => container switch
    {
        JsonObject map when element is JsonValue k && k.TryGetValue<string>(out var key) => map.ContainsKey(key),
        JsonArray list => list.Any(i => JsonNode.DeepEquals(i, element)),
        _ => throw new CelError($"'in' on {Describe(container)}"),
    };

    private static bool Bool(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new CelError($"expected a bool, found {Describe(value)}");

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "a map",
        JsonArray => "a list",
        _ => value.ToJsonString(),
    };

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var end = text.IndexOf(c, i + 1);
                if (end < 0 || text.AsSpan(i + 1, end - i - 1).Contains('\\'))
                {
                    throw new NotSupportedException($"unterminated or escaped string at {i} in: {text}");
                }

                tokens.Add(text[i..(end + 1)]);
                i = end + 1;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else if (char.IsDigit(c))
            {
                var start = i;
                while (i < text.Length && char.IsDigit(text[i]))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else if (i + 1 < text.Length && text.Substring(i, 2) is "&&" or "||" or "==" or "!=")
            {
                tokens.Add(text.Substring(i, 2));
                i += 2;
            }
            else if ("!?:.,()[]{}".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                throw new NotSupportedException($"'{c}' at {i} is outside the CEL subset: {text}");
            }
        }

        return tokens;
    }

    public abstract record Node;

    public sealed record Literal(JsonNode? Value) : Node;

    public sealed record Identifier(string Name) : Node;

    public sealed record Select(Node Target, string Field) : Node;

    public sealed record Index(Node Target, Node Key) : Node;

    public sealed record Has(Select Target) : Node;

    public sealed record Not(Node Operand) : Node;

    public sealed record Binary(string Op, Node Left, Node Right) : Node;

    public sealed record Conditional(Node Condition, Node Then, Node Else) : Node;

    public sealed record ListLiteral(IReadOnlyList<Node> Items) : Node;

    public sealed record EmptyMap : Node;

    public sealed record Comprehension(string Macro, Node Target, string Variable, Node Predicate) : Node;

    private sealed class Parser(List<string> tokens, string text)
    {
        private int _at;

        private string? Peek => _at < tokens.Count ? tokens[_at] : null;

        public void ExpectEnd()
        {
            if (Peek is { } extra)
            {
                throw new NotSupportedException($"unexpected '{extra}' in: {text}");
            }
        }

        public Node Conditional()
        {
            var condition = Or();
            if (!Accept("?"))
            {
                return condition;
            }

            var then = Conditional();
            Expect(":");
            return new Conditional(condition, then, Conditional());
        }

        private Node Or()
        {
            var left = And();
            while (Accept("||"))
            {
                left = new Binary("||", left, And());
            }

            return left;
        }

        private Node And()
        {
            var left = Relation();
            while (Accept("&&"))
            {
                left = new Binary("&&", left, Relation());
            }

            return left;
        }

        private Node Relation()
        {
            var left = Unary();
            while (Peek is "==" or "!=" or "in")
            {
                var op = tokens[_at++];
                left = new Binary(op, left, Unary());
            }

            return left;
        }

        private Node Unary() => Accept("!") ? new Not(Unary()) : Member();

        private Node Member()
        {
            var node = Primary();
            while (true)
            {
                if (Accept("."))
                {
                    var name = Name();
                    if (Accept("("))
                    {
                        if (name is not ("all" or "exists"))
                        {
                            throw new NotSupportedException($"method {name}() is outside the CEL subset: {text}");
                        }

                        var variable = Name();
                        Expect(",");
                        var predicate = Conditional();
                        Expect(")");
                        node = new Comprehension(name, node, variable, predicate);
                    }
                    else
                    {
                        node = new Select(node, name);
                    }
                }
                else if (Accept("["))
                {
                    var key = Conditional();
                    Expect("]");
                    node = new Index(node, key);
                }
                else
                {
                    return node;
                }
            }
        }

        private Node Primary()
        {
            var token = Peek ?? throw new NotSupportedException($"unexpected end of: {text}");
            _at++;
            switch (token)
            {
                case "(":
                    var inner = Conditional();
                    Expect(")");
                    return inner;
                case "[":
                    var items = new List<Node>();
                    while (!Accept("]"))
                    {
                        if (items.Count > 0)
                        {
                            Expect(",");
                        }

                        items.Add(Conditional());
                    }

                    return new ListLiteral(items);
                case "{":
                    Expect("}");
                    return new EmptyMap();
                case "true" or "false":
                    return new Literal(JsonValue.Create(token == "true"));
                case "null":
                    return new Literal(null);
                case "has":
                    Expect("(");
                    var target = Member() as Select ?? throw new NotSupportedException($"has() needs a field selection: {text}");
                    Expect(")");
                    return new Has(target);
                case ['\'' or '"', ..]:
                    return new Literal(JsonValue.Create(token[1..^1]));
                case [>= '0' and <= '9', ..]:
                    return new Literal(JsonValue.Create(long.Parse(token, CultureInfo.InvariantCulture)));
                case [var first, ..] when char.IsLetter(first) || first == '_':
                    return new Identifier(token);
                default:
                    throw new NotSupportedException($"'{token}' is outside the CEL subset: {text}");
            }
        }

        private string Name()
        {
            var token = Peek;
            if (token is not [var first, ..] || !(char.IsLetter(first) || first == '_'))
            {
                throw new NotSupportedException($"expected a name, found '{token}' in: {text}");
            }

            _at++;
            return token;
        }

        private bool Accept(string token)
        {
            if (Peek != token)
            {
                return false;
            }

            _at++;
            return true;
        }

        private void Expect(string token)
        {
            if (!Accept(token))
            {
                throw new NotSupportedException($"expected '{token}', found '{Peek}' in: {text}");
            }
        }
    }
}
