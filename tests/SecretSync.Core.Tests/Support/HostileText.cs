using System.Text;

namespace SecretSync.Core.Tests.Support;

/// <summary>Fixed nasty strings plus a seeded generator of more, for property-style loops over the parsers.</summary>
/// <remarks>Deterministic: the same seed gives the same cases, so a failure names a case that can be replayed.</remarks>
internal static class HostileText
{
    public const int Seed = 20_260_921;

    /// <summary>Pieces that annotation values are built from: separators, look-alikes, paths, globs, controls.</summary>
    public static readonly string[] Pieces =
    [
        "payments-db", "PAYMENTS-DB", "Payments-db", " payments-db ", "payments-db\t", "\npayments-db",
        "pаyments-db", // Cyrillic 'а'
        "payments\u2010db", // Unicode hyphen
        "payments－db", // fullwidth hyphen-minus
        "payments-db\u200B", // zero-width space
        "\uFEFFpayments-db", // byte-order mark
        "payments-d\u0431", "ｐａｙｍｅｎｔｓ-db",
        "\u202Epayments-db", // right-to-left override
        "payments-db\0", "payments-db\u0085", "\uD800payments-db", "payments-db\uDFFF",
        "other/payments-db", "payments/payments-db", "../payments-db", "./payments-db", "..", "../../etc",
        "*", "payments-*", "*-db", "?", "payments-db*", "[payments-db]", "{payments-db}",
        "\"payments-db\"", "'payments-db'", "payments-db;open", "payments-db open", "payments-db|open",
        "secretsync.io/bundles=payments-db", "payments-db=open", "%70ayments-db", "payments%2Ddb",
        "", " ", ",", ",,", "\t", "\r\n", "open", "open ", "OPEN", "-open", "open-", "op_en", "op.en",
        new string('a', 63), new string('a', 64), new string('x', 300),
    ];

    /// <summary>Separators placed between pieces.</summary>
    public static readonly string[] Separators = [",", ", ", " ,", ",,", ";", " ", "\n", ",\t", "، ", "，"];

    /// <summary>Annotation values: every piece alone, then <paramref name="generated"/> seeded combinations.</summary>
    public static IEnumerable<string> AnnotationValues(int generated = 400)
    {
        foreach (var piece in Pieces)
        {
            yield return piece;
            yield return $"open,{piece}";
            yield return $"{piece},open,";
        }

        yield return string.Join(',', Enumerable.Repeat("payments-db", 10_000));
        yield return string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"b{i}"));
        yield return new string(',', 100_000);
        yield return new string(' ', 20_000) + "payments-db";

        var random = new Random(Seed);
        for (var i = 0; i < generated; i++)
        {
            var text = new StringBuilder();
            var count = random.Next(1, 12);
            for (var j = 0; j < count; j++)
            {
                text.Append(random.Next(4) == 0 ? RandomChars(random) : Pieces[random.Next(Pieces.Length)]);
                if (j < count - 1)
                {
                    text.Append(Separators[random.Next(Separators.Length)]);
                }
            }

            yield return text.ToString();
        }
    }

    /// <summary>Up to 40 characters from the whole UTF-16 range, including lone surrogates and controls.</summary>
    private static string RandomChars(Random random)
    {
        var chars = new char[random.Next(1, 40)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = random.Next(3) switch
            {
                0 => (char)random.Next(0x20, 0x7F),
                1 => (char)random.Next(0, 0x20),
                _ => (char)random.Next(0x80, 0x10000),
            };
        }

        return new string(chars);
    }
}
