using SecretSync.Audit.Events;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.Tests.Events;

public sealed class EventDraftTests
{
    [Theory]
    [InlineData(AuditActions.Created, AuditOutcomes.Success, "Normal", "SecretSynced")]
    [InlineData(AuditActions.Updated, AuditOutcomes.Success, "Normal", "SecretRotated")]
    [InlineData(AuditActions.Restored, AuditOutcomes.Success, "Normal", "SecretRestored")]
    [InlineData(AuditActions.Pruned, AuditOutcomes.Success, "Normal", "SecretPruned")]
    [InlineData(AuditActions.Revoked, AuditOutcomes.Success, "Warning", "SecretRevoked")]
    [InlineData(AuditActions.Conflict, AuditOutcomes.Skipped, "Warning", "SecretConflict")]
    [InlineData(AuditActions.Denied, AuditOutcomes.Skipped, "Warning", "BundleDenied")]
    [InlineData(AuditActions.Failed, AuditOutcomes.Failure, "Warning", "SyncFailed")]
    [InlineData(AuditActions.RevocationPaused, AuditOutcomes.Skipped, "Warning", "RevocationPaused")]
    [InlineData(AuditActions.Updated, AuditOutcomes.Failure, "Warning", "SyncFailed")]
    public void EachEventedAction_HasItsTypeAndReason(string action, string outcome, string type, string reason)
    {
        var draft = EventDraft.From(Audit(action, outcome));

        Assert.NotNull(draft);
        Assert.Equal((type, reason), (draft.Type, draft.Reason));
    }

    [Theory]
    [InlineData(AuditActions.ConfigLoaded)]
    [InlineData(AuditActions.ConfigRejected)]
    [InlineData(AuditActions.Restarted)]
    [InlineData("something-new")]
    public void OtherActions_AreNotEvented(string action) => Assert.Null(EventDraft.From(Audit(action, AuditOutcomes.Success)));

    [Fact]
    public void EveryMessage_IsOneSentenceWithinOneKibibyte()
    {
        foreach (var action in AuditActions.All)
        {
            if (EventDraft.From(Audit(action, AuditOutcomes.Success)) is { } draft)
            {
                Assert.EndsWith(".", draft.Message, StringComparison.Ordinal);
                Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(draft.Message), 10, EventDraft.MaxMessageBytes);
            }
        }
    }

    [Fact]
    public void Message_OfACreatedSecret_ReadsAsASentence()
    {
        var draft = EventDraft.From(Audit(AuditActions.Created, AuditOutcomes.Success));

        Assert.Equal("Secret synced (bundle payments-db, source vault-main:payments/db, version 4).", draft!.Message);
    }

    [Fact]
    public void Message_OfAFailure_EndsWithTheErrorAndDetail()
    {
        var draft = EventDraft.From(Audit(AuditActions.Failed, AuditOutcomes.Failure) with { Error = "vault answered 503", Detail = "retrying in 30s" });

        Assert.Equal("Sync failed; the last good Secret stays (bundle payments-db, source vault-main:payments/db, version 4): vault answered 503; retrying in 30s.", draft!.Message);
    }

    private static AuditEvent Audit(string action, string outcome) => new()
    {
        Id = "id",
        Sequence = 1,
        Time = DateTimeOffset.UnixEpoch,
        Cluster = "c",
        Instance = "i",
        Action = action,
        Outcome = outcome,
        Namespace = "payments",
        Secret = "db-credentials",
        Bundle = "payments-db",
        Provider = "vault-main",
        Source = "payments/db",
        SourceVersion = "4",
    };
}
