using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsOutcomesTests
{
    [Theory]
    [InlineData("ThrottlingException", 400, FailureKind.Throttled)]
    [InlineData(null, 429, FailureKind.Throttled)]
    [InlineData("AccessDeniedException", 400, FailureKind.Forbidden)]
    [InlineData("DecryptionFailure", 400, FailureKind.Forbidden)]
    [InlineData("UnrecognizedClientException", 400, FailureKind.Unauthenticated)]
    [InlineData("InvalidSignatureException", 403, FailureKind.Unauthenticated)]
    [InlineData("ExpiredTokenException", 400, FailureKind.Unauthenticated)]
    [InlineData("InternalServiceError", 500, FailureKind.Unavailable)]
    [InlineData(null, 502, FailureKind.Unavailable)]
    [InlineData("InvalidParameterException", 400, FailureKind.Rejected)]
    [InlineData("InvalidRequestException", 400, FailureKind.Rejected)]
    public void ErrorCodes_MapToFailureKinds(string? code, int status, FailureKind kind)
    {
        Assert.Equal(kind, AwsOutcomes.FailureOf(code, "m", status, "GetSecretValue").Kind);
    }

    [Theory]
    [InlineData("ResourceNotFoundException", "Secrets Manager can't find the specified secret.", AbsenceKind.NotFound)]
    [InlineData("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.", AbsenceKind.ScheduledForDeletion)]
    [InlineData("InvalidRequestException", "You can't perform this operation on a secret managed by another service.", null)]
    [InlineData("AccessDeniedException", "denied", null)]
    [InlineData("ThrottlingException", "Rate exceeded", null)]
    public void OnlyAwsOwnWords_AreAbsence(string code, string message, AbsenceKind? expected)
    {
        Assert.Equal(expected, AwsOutcomes.AbsenceOf(code, message));
    }

    [Theory]
    [InlineData("com.amazonaws.secretsmanager#ResourceNotFoundException", "ResourceNotFoundException")]
    [InlineData("ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/", "ResourceNotFoundException")]
    [InlineData(" ThrottlingException ", "ThrottlingException")]
    public void ErrorTypes_AreStrippedOfNamespaceAndSuffix(string raw, string code)
    {
        Assert.Equal(code, AwsTransport.NormalizeCode(raw));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("AWSPREVIOUS", "AWSPREVIOUS")]
    [InlineData("stage:blue", "blue")]
    [InlineData("EXAMPLE1-90ab-cdef-fedc-ba987SECRET1", null)]
    public void VersionStrings_NameAStageOrAVersionId(string? version, string? stage)
    {
        Assert.Equal(stage, AwsSecretsClient.StageOf(version));
    }
}
