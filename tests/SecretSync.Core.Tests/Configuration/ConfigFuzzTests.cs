using System.Text;
using SecretSync.Core.Configuration;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Configuration;

/// <summary>Malformed configurations: every one is answered with located errors, never an exception.</summary>
public sealed class ConfigFuzzTests
{
    private static readonly string[] Malformed =
    [
        "",
        "\0\0\0",
        "\uFEFF" + Some.SampleYaml,
        "cluster: [",
        "cluster: c1\n\tproviders: {}",
        "cluster: {a: b}",
        "cluster: c1\nbundles: [a, b]",
        "cluster: c1\nbundles: {x: 5}",
        "cluster: c1\nbundles: {x: {provider: v, secrets: s}}",
        "cluster: c1\nbundles: {x: {provider: v, secrets: [5, [], {}]}}",
        "cluster: c1\nbundles: {x: {provider: v, namespaces: team=payments, secrets: [{source: a, target: b}]}}",
        "cluster: c1\nbundles: {x: {provider: v, namespaces: {matchLabels: [a]}, secrets: [{source: a, target: b, keys: [a]}]}}",
        "cluster: c1\nbundles: {x: {provider: v, namespaces: {matchExpressions: {key: a}}, secrets: [{source: [a], target: {b: c}}]}}",
        "cluster: c1\nproviders: [vault]",
        "cluster: c1\nproviders: {v: vault}",
        "cluster: c1\nproviders: {v: {type: [vault]}}",
        "cluster: c1\nproviders: {v: {type: vault, address: {a: [1, {b: c}]}, ? [complex] : key}}",
        "cluster: c1\nsync: 5",
        "cluster: c1\nsync: {interval: {}, jitter: NaN, concurrency: 1e309, revocationBrake: [1]}",
        "cluster: c1\nsync: {interval: -5s, jitter: .inf, onSourceDeleted: [delete]}",
        "cluster: c1\nserver: {port: -1}\naudit: {sinks: stdout}",
        "cluster: c1\naudit: {sinks: [stdout, [events]], hmacKey: {file: [a]}}",
        "cluster: c1\nleaderElection: {leaseDuration: 99999999999999999999h}",
        "cluster: c1\n---\ncluster: c2",
        "cluster: &a c1\nbundles: *a",
        "cluster: c1\nbundles: {a: &x {provider: v, secrets: [{source: s, target: t}]}, b: *x, c: {<<: *x}}",
        "cluster: *missing",
        "cluster: !!binary aGVsbG8=\nbundles: !!set {a, b}",
        "cluster: c1\n\u0001: x",
        "cluster: c1\nbundles: {\u202Epayments: {provider: v, secrets: [{source: s, target: t}]}}",
        "cluster: c1\nbundles: {payments-db: {provider: v, secrets: [{source: ../../etc/passwd, target: ../x}]}}",
        "cluster: " + new string('x', 1_000_000),
        "cluster: c1\nproviders:\n" + string.Concat(Enumerable.Range(0, 2_000).Select(i => $"  p{i}: {{type: vault}}\n")),
        BillionLaughs(),
        "cluster: c1\nproviders: {v: {type: vault, address: " + new string('[', 5_000) + new string(']', 5_000) + "}}",
        "cluster: c1\nproviders: {v: {type: vault, address: " + new string('[', 100_000) + "}}",
    ];

    [Fact]
    public void Parse_OfFixedMalformedConfigs_AnswersWithLocatedErrors()
    {
        foreach (var yaml in Malformed)
        {
            AssertAnswered(yaml);
        }
    }

    [Fact]
    public void Parse_OfSeededMutationsOfTheSample_NeverThrows_AndLocatesEveryError()
    {
        var random = new Random(HostileText.Seed);
        var invalid = 0;
        for (var i = 0; i < 400; i++)
        {
            if (AssertAnswered(Mutate(Some.SampleYaml, random)) is ConfigResult.Invalid)
            {
                invalid++;
            }
        }

        Assert.True(invalid > 100, $"only {invalid} of 400 mutations were invalid: the mutations are too mild to test anything");
    }

    [Fact]
    public void Parse_OfABillionLaughs_IsRefusedWithoutExpandingIt()
    {
        var errors = Some.Errors(BillionLaughs());

        Assert.Contains(errors, e => e.Field == "providers.v" && e.Message.Contains("more than 1024 settings", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_OfDeepNesting_IsRefusedAtTheLevelTooDeep()
    {
        var error = Assert.Single(Some.Errors("cluster: c1\nproviders: {v: {type: vault, address: " + new string('[', 100_000) + "}}"));

        Assert.Equal(("config.yaml", 2), (error.Location.File, error.Location.Line));
        Assert.Contains("nested more than 64 levels", error.Message, StringComparison.Ordinal);
    }

    private static ConfigResult AssertAnswered(string yaml)
    {
        var result = Some.Parse(yaml);
        if (result is ConfigResult.Invalid invalid)
        {
            Assert.NotEmpty(invalid.Errors);
            Assert.All(invalid.Errors, e =>
            {
                Assert.Equal("config.yaml", e.Location.File);
                Assert.True(e.Location.Line >= 1, $"{e} has no line");
                Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{e} has no message");
                Assert.True(e.ToString().Length < 2_000, $"an error of {e.ToString().Length} characters echoes the input back");
            });
        }

        return result;
    }

    private static string Mutate(string yaml, Random random)
    {
        const string Nasty = ":{}[],-&*!|>'\"#%@`? \t\n\\";
        var text = new StringBuilder(yaml);
        for (var edits = random.Next(1, 4); edits > 0 && text.Length > 0; edits--)
        {
            var at = random.Next(text.Length);
            switch (random.Next(5))
            {
                case 0:
                    text.Length = at;
                    break;
                case 1:
                    text.Remove(at, Math.Min(random.Next(1, 40), text.Length - at));
                    break;
                case 2:
                    text[at] = Nasty[random.Next(Nasty.Length)];
                    break;
                case 3:
                    text.Insert(at, (char)random.Next(0x80, 0xD800));
                    break;
                default:
                    var line = yaml.Split('\n')[random.Next(yaml.Count(c => c == '\n'))];
                    text.Insert(at, line + "\n");
                    break;
            }
        }

        return text.ToString();
    }

    // Nine levels of ten aliases: a billion scalars if anything walks the aliases as a tree.
    private static string BillionLaughs()
    {
        var yaml = new StringBuilder("cluster: c1\nlol0: &l0 [lol]\n");
        for (var level = 1; level <= 9; level++)
        {
            yaml.Append($"lol{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        return yaml.Append("providers: {v: {type: vault, address: x, tls: *l9}}\n").ToString();
    }
}
