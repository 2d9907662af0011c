namespace SecretSync.Audit.FileChain;

/// <summary>The outcome of checking a hash chain: how much was read and the first record that does not match, if any.</summary>
/// <param name="Records">Complete records read and found in order, up to the first break.</param>
/// <param name="Files">Segment files read.</param>
/// <param name="FirstBreak">The first record that does not match; null when the chain is intact.</param>
/// <param name="TornWrites">Unterminated bytes at the end of a segment, left by a crash mid-write; reported, not counted as breaks.</param>
/// <param name="UncheckedStart">Why the first record's link was not checked (the chain read does not start at segment 1), or null.</param>
public sealed record ChainVerification(long Records, int Files, ChainBreak? FirstBreak, IReadOnlyList<TornWrite> TornWrites, string? UncheckedStart)
{
    /// <summary>True when every record's hash matches its content and links to the record before it.</summary>
    public bool IsIntact => FirstBreak is null;

    /// <summary>Of <see cref="Records"/>, the legacy ones (plain SHA-256, written before chains were keyed): anyone can recompute them.</summary>
    public long LegacyRecords { get; init; }

    /// <summary>Whether keyed records' MACs were checked under a key; without one only links and sequence were.</summary>
    public bool KeyChecked { get; init; }

    /// <summary>True when the chain is intact and its keyed records were authenticated under the key (a legacy prefix aside).</summary>
    public bool IsAuthenticated => IsIntact && KeyChecked && Records > LegacyRecords;
}

/// <summary>What is wrong with the first record that does not match.</summary>
public enum ChainBreakKind
{
    /// <summary>The line is not a chained audit record (bad JSON, missing or extra field, not an audit event).</summary>
    Unparsable,

    /// <summary>The stored hash is not the hash of the record's content: the record was edited.</summary>
    BadHash,

    /// <summary>The record links to a record that is nowhere in the chain: the record before it was deleted (or replaced).</summary>
    Deleted,

    /// <summary>The record links to a record that comes after it: records were swapped or moved.</summary>
    Reordered,

    /// <summary>The record links to an earlier record, not the one just before it: records were inserted or moved before it.</summary>
    Inserted,

    /// <summary>A keyed record's MAC is not the one the key gives: the record was changed, or the chain recomputed without the key.</summary>
    BadMac,

    /// <summary>A keyed record's sequence is not the one after the record before it: a record is missing, or one was repeated.</summary>
    BadSequence,

    /// <summary>An unkeyed (legacy) record follows keyed ones: the chain was rewritten in the weaker format.</summary>
    Downgraded,
}

/// <summary>The first record of a chain that does not match, and why.</summary>
/// <param name="File">The full path of its segment.</param>
/// <param name="Line">Its 1-based line number in the segment.</param>
/// <param name="Sequence">Its event's sequence, when the line could be read.</param>
/// <param name="Id">Its event's id, when the line could be read.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Detail">What was expected and found, free of event content beyond sequence and id.</param>
public sealed record ChainBreak(string File, long Line, long? Sequence, string? Id, ChainBreakKind Kind, string Detail)
{
    /// <summary>One line: where, which record, and what is wrong.</summary>
    public override string ToString()
    {
        var record = Sequence is null ? "" : $" (sequence {Sequence}, id {Id})";
        var kind = Kind switch
        {
            ChainBreakKind.Unparsable => "unparsable line",
            ChainBreakKind.BadHash => "bad hash",
            ChainBreakKind.Deleted => "broken link, record deleted or replaced",
            ChainBreakKind.Reordered => "broken link, records reordered",
            ChainBreakKind.Inserted => "broken link, record inserted",
            ChainBreakKind.BadMac => "not authenticated under the key",
            ChainBreakKind.BadSequence => "sequence broken",
            ChainBreakKind.Downgraded => "unkeyed record after keyed ones",
            _ => Kind.ToString(),
        };
        return $"{File} line {Line}{record}: {kind}: {Detail}";
    }
}

/// <summary>Bytes after the last newline of a segment: a record whose write was cut short.</summary>
/// <param name="File">The full path of the segment.</param>
/// <param name="Line">The line number the torn record would have had.</param>
/// <param name="Bytes">How many bytes of it are on disk.</param>
public sealed record TornWrite(string File, long Line, int Bytes)
{
    /// <summary>One line: where and how long.</summary>
    public override string ToString() => $"{File} line {Line}: torn write ({Bytes} bytes without a newline), ignored";
}
