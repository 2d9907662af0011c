// Drives the Secret Manager emulator with npm's official @google-cloud/secret-manager 6.3.0 in its REST fallback
// (peers.md §4a: fallback:true, protocol:'http', a fixed-token OAuth2Client so the metadata server is never probed)
// and prints what it saw as JSON for the C# test to assert on.
'use strict';

const { SecretManagerServiceClient } = require('@google-cloud/secret-manager');
const { OAuth2Client } = require('google-auth-library');

const port = Number(process.env.GCP_EMULATOR_PORT);
const project = process.env.GCP_PROJECT;
const auth = new OAuth2Client();
auth.setCredentials({ access_token: process.env.GCP_ACCESS_TOKEN, expiry_date: Date.now() + 3600e3 });
const client = new SecretManagerServiceClient({ fallback: true, apiEndpoint: 'localhost', port, protocol: 'http', authClient: auth });

const strangerAuth = new OAuth2Client();
strangerAuth.setCredentials({ access_token: 'ya29.not-a-token', expiry_date: Date.now() + 3600e3 });
const stranger = new SecretManagerServiceClient({ fallback: true, apiEndpoint: 'localhost', port, protocol: 'http', authClient: strangerAuth });

// gax 5 rejects non-2xx with a GaxiosError: code is the HTTP status, message the raw JSON body (peers.md §4a).
async function failure(call) {
  try {
    await call();
  } catch (e) {
    return { code: e.code, status: e.status, message: String(e.message) };
  }
  return null;
}

const text = (version) => Buffer.from(version.payload.data).toString('utf8');
const number = (name) => Number(name.split('/').pop());
const seconds = (t) => (t && t.seconds !== undefined ? Number(t.seconds) : null);

async function main() {
  const out = {};
  const parent = `projects/${project}`;
  const name = `${parent}/secrets/db`;

  const [secret] = await client.createSecret({ parent, secretId: 'db', secret: { replication: { automatic: {} }, labels: { team: 'payments' } } });
  out.created = { name: secret.name, createSeconds: seconds(secret.createTime), labels: secret.labels };
  out.createAgain = await failure(() => client.createSecret({ parent, secretId: 'db', secret: { replication: { automatic: {} } } }));

  const [v1] = await client.addSecretVersion({ parent: name, payload: { data: Buffer.from('{"user":"app","password":"p1"}') } });
  const [v2] = await client.addSecretVersion({ parent: name, payload: { data: Buffer.from('p2-plain'), dataCrc32c: 3299179406 } });
  const [v3] = await client.addSecretVersion({ parent: name, payload: { data: Buffer.from('p3') } });
  out.added = [v1, v2, v3].map((v) => ({ number: number(v.name), state: v.state }));

  const [latest] = await client.accessSecretVersion({ name: `${name}/versions/latest` });
  out.latest = { name: latest.name, data: text(latest), crc: latest.payload.dataCrc32c === null ? null : String(latest.payload.dataCrc32c) };
  const [first] = await client.accessSecretVersion({ name: `${name}/versions/1` });
  out.first = { name: first.name, data: JSON.parse(text(first)) };

  const [versions] = await client.listSecretVersions({ parent: name });
  out.versions = versions.map((v) => ({ number: number(v.name), state: v.state, createSeconds: seconds(v.createTime) }));

  const [disabled] = await client.disableSecretVersion({ name: `${name}/versions/3` });
  out.disabled = { number: number(disabled.name), state: disabled.state };
  out.accessDisabled = await failure(() => client.accessSecretVersion({ name: `${name}/versions/latest` }));
  const [enabledOnly] = await client.listSecretVersions({ parent: name, filter: 'state:ENABLED' });
  out.enabledOnly = enabledOnly.map((v) => number(v.name));

  const [destroyed] = await client.destroySecretVersion({ name: `${name}/versions/1` });
  out.destroyed = { state: destroyed.state, hasDestroyTime: seconds(destroyed.destroyTime) !== null };
  out.accessDestroyed = await failure(() => client.accessSecretVersion({ name: `${name}/versions/1` }));

  await client.createSecret({ parent, secretId: 'other', secret: { replication: { automatic: {} } } });
  const [secrets] = await client.listSecrets({ parent });
  out.secrets = secrets.map((s) => s.name.split('/').pop());
  const [page] = await client.listSecrets({ parent, pageSize: 1 }, { autoPaginate: false });
  out.firstPageOfOne = page.map((s) => s.name.split('/').pop());

  const [got] = await client.getSecret({ name });
  out.got = { name: got.name, labels: got.labels, hasEtag: Boolean(got.etag) };

  out.missing = await failure(() => client.accessSecretVersion({ name: `${parent}/secrets/nope/versions/latest` }));
  out.unauthenticated = await failure(() => stranger.listSecrets({ parent }));

  await client.deleteSecret({ name: `${parent}/secrets/other` });
  out.afterDelete = (await client.listSecrets({ parent }))[0].map((s) => s.name.split('/').pop());
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
