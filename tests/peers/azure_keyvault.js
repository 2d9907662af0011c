// Drives the Azure Key Vault emulator with npm's official @azure/keyvault-secrets 4.11.2 and prints what it saw as JSON.
// Set-up exactly as peers.md §5: a static TokenCredential object (no @azure/identity, so no login host is contacted),
// disableChallengeResourceVerification for a host outside *.vault.azure.net, no retries, and HTTPS trusted through
// NODE_EXTRA_CA_CERTS. The C# test asserts on the returned JSON and on the emulator's request log.
'use strict';

const { SecretClient } = require('@azure/keyvault-secrets');

const tokenRequests = [];
const credential = {
  getToken: async (scopes, options) => {
    tokenRequests.push({ scopes, tenantId: (options && options.tenantId) || null });
    return { token: process.env.AZURE_TEST_TOKEN, expiresOnTimestamp: Date.now() + 3600e3 };
  },
};
const client = new SecretClient(process.env.AZURE_KEYVAULT_URL, credential, {
  disableChallengeResourceVerification: true,
  retryOptions: { maxRetries: 0 },
});

async function failure(call) {
  try {
    await call();
  } catch (e) {
    return { name: e.name, code: e.code || null, statusCode: e.statusCode || null, message: e.message };
  }
  return null;
}

function props(p) {
  return {
    name: p.name,
    version: p.version || null,
    enabled: p.enabled,
    contentType: p.contentType || null,
    tags: p.tags || null,
    createdOn: p.createdOn ? p.createdOn.toISOString() : null,
    updatedOn: p.updatedOn ? p.updatedOn.toISOString() : null,
    id: p.id || null,
  };
}

async function main() {
  const out = {};
  const s1 = await client.setSecret('db', 'p1', { contentType: 'text/plain', tags: { owner: 'team-a' } });
  out.set1 = { value: s1.value, ...props(s1.properties) };
  const s2 = await client.setSecret('db', '{"user":"app","password":"p2"}');
  out.set2 = { value: s2.value, ...props(s2.properties) };

  const latest = await client.getSecret('db');
  out.latest = { value: latest.value, ...props(latest.properties) };
  const first = await client.getSecret('db', { version: s1.properties.version });
  out.first = { value: first.value, ...props(first.properties) };
  out.missingVersion = await failure(() => client.getSecret('db', { version: '0123456789abcdef0123456789abcdef' }));

  await client.setSecret('api-key', 'k1');
  await client.setSecret('cache', 'c1');
  out.list = [];
  for await (const p of client.listPropertiesOfSecrets()) {
    out.list.push(props(p));
  }
  out.pages = [];
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
    out.pages.push(page.map((p) => p.name));
  }
  out.versions = [];
  for await (const p of client.listPropertiesOfSecretVersions('db')) {
    out.versions.push(props(p));
  }

  const updated = await client.updateSecretProperties('db', s2.properties.version, { tags: { owner: 'team-b' } });
  out.updated = props(updated);
  await client.updateSecretProperties('db', s2.properties.version, { enabled: false });
  out.disabled = await failure(() => client.getSecret('db'));
  out.olderStillReadable = (await client.getSecret('db', { version: s1.properties.version })).value;
  out.missing = await failure(() => client.getSecret('nope'));

  const poller = await client.beginDeleteSecret('api-key');
  const deleted = await poller.pollUntilDone();
  out.deleted = {
    name: deleted.name,
    recoveryId: deleted.recoveryId || null,
    deletedOn: deleted.deletedOn ? deleted.deletedOn.toISOString() : null,
    scheduledPurgeDate: deleted.scheduledPurgeDate ? deleted.scheduledPurgeDate.toISOString() : null,
  };
  out.afterDelete = await failure(() => client.getSecret('api-key'));
  out.reuseDeletedName = await failure(() => client.setSecret('api-key', 'k2'));
  out.gotDeleted = (await client.getDeletedSecret('api-key')).name;
  await client.purgeDeletedSecret('api-key');
  out.afterPurge = await failure(() => client.getDeletedSecret('api-key'));
  out.recreated = (await client.setSecret('api-key', 'k3')).value;

  out.tokenRequests = tokenRequests;
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
