// Drives the AWS Secrets Manager emulator with the official npm SDK (@aws-sdk/client-secrets-manager 3.1162.0)
// and prints what it saw as JSON (peers.md §3a). Every request is SigV4-signed by the SDK; the emulator verifies it.
'use strict';

const sm = require('@aws-sdk/client-secrets-manager');

const config = {
  endpoint: process.env.SM_ENDPOINT,
  region: process.env.AWS_REGION,
  maxAttempts: 1,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
};
const client = new sm.SecretsManagerClient(config);
const wrongKey = new sm.SecretsManagerClient({ ...config, credentials: { accessKeyId: config.credentials.accessKeyId, secretAccessKey: 'wrong' } });

async function failure(call) {
  try {
    await call();
  } catch (e) {
    return { name: e.name, fault: e.$fault, status: e.$metadata && e.$metadata.httpStatusCode, message: e.message };
  }
  return null;
}

const send = (command) => client.send(command);

async function main() {
  const out = {};
  const created = await send(new sm.CreateSecretCommand({ Name: 'app/db', Description: 'fidelity', SecretString: JSON.stringify({ user: 'u', pw: 'p1' }) }));
  out.created = { name: created.Name, arn: created.ARN, versionId: created.VersionId };
  out.duplicate = await failure(() => send(new sm.CreateSecretCommand({ Name: 'app/db', SecretString: 'x' })));

  const first = await send(new sm.GetSecretValueCommand({ SecretId: 'app/db' }));
  out.first = { string: first.SecretString, versionId: first.VersionId, stages: first.VersionStages, createdIsDate: first.CreatedDate instanceof Date };

  const put = await send(new sm.PutSecretValueCommand({ SecretId: 'app/db', SecretString: JSON.stringify({ user: 'u', pw: 'p2' }) }));
  out.put = { versionId: put.VersionId, stages: put.VersionStages };
  const current = await send(new sm.GetSecretValueCommand({ SecretId: 'app/db' }));
  out.current = { string: current.SecretString, versionId: current.VersionId };
  out.byVersion = (await send(new sm.GetSecretValueCommand({ SecretId: 'app/db', VersionId: first.VersionId }))).SecretString;
  out.previous = (await send(new sm.GetSecretValueCommand({ SecretId: 'app/db', VersionStage: 'AWSPREVIOUS' }))).VersionId;

  await send(new sm.CreateSecretCommand({ Name: 'app/cert', SecretBinary: Uint8Array.from([0, 1, 2, 250]) }));
  out.binary = Array.from((await send(new sm.GetSecretValueCommand({ SecretId: 'app/cert' }))).SecretBinary);

  const list = await send(new sm.ListSecretsCommand({}));
  out.list = list.SecretList.map((s) => ({
    name: s.Name,
    current: Object.entries(s.SecretVersionsToStages || {}).filter(([, st]) => st.includes('AWSCURRENT')).map(([v]) => v)[0],
    changedIsDate: s.LastChangedDate instanceof Date,
  }));
  const described = await send(new sm.DescribeSecretCommand({ SecretId: 'app/db' }));
  out.describe = { description: described.Description, versions: Object.keys(described.VersionIdsToStages).length };

  const batch = await send(new sm.BatchGetSecretValueCommand({ SecretIdList: ['app/db', 'app/missing'] }));
  out.batch = { values: batch.SecretValues.map((v) => v.Name), errors: batch.Errors.map((e) => e.ErrorCode) };
  out.versions = (await send(new sm.ListSecretVersionIdsCommand({ SecretId: 'app/db' }))).Versions.length;

  out.missing = await failure(() => send(new sm.GetSecretValueCommand({ SecretId: 'app/missing' })));
  out.badSignature = await failure(() => wrongKey.send(new sm.GetSecretValueCommand({ SecretId: 'app/db' })));

  const deleted = await send(new sm.DeleteSecretCommand({ SecretId: 'app/db', RecoveryWindowInDays: 7 }));
  out.deletionIsDate = deleted.DeletionDate instanceof Date;
  out.afterDelete = await failure(() => send(new sm.GetSecretValueCommand({ SecretId: 'app/db' })));
  await send(new sm.RestoreSecretCommand({ SecretId: 'app/db' }));
  out.restored = (await send(new sm.GetSecretValueCommand({ SecretId: 'app/db' }))).VersionId;
  await send(new sm.DeleteSecretCommand({ SecretId: 'app/cert', ForceDeleteWithoutRecovery: true }));
  out.afterForce = await failure(() => send(new sm.DescribeSecretCommand({ SecretId: 'app/cert' })));
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.name}: ${e.message}\n${e.stack}\n`);
  process.exit(1);
});
