// Drives the Vault emulator with npm's node-vault 0.12.0 and prints what it saw as JSON.
// node-vault has no KV v2 knowledge, so the paths are written out (peers.md §2a). It resolves on any 200/204
// and rejects otherwise with errors[0] (or "Status <code>"), so the C# test asserts on the returned JSON.
'use strict';

const nodeVault = require('node-vault');

const endpoint = process.env.VAULT_ADDR;
const vault = nodeVault({ endpoint, token: process.env.VAULT_TOKEN });
const plainVerbs = nodeVault({ endpoint, token: process.env.VAULT_TOKEN, noCustomHTTPVerbs: true });
const stranger = nodeVault({ endpoint, token: 'hvs.not-a-token' });

async function failure(call) {
  try {
    await call();
  } catch (e) {
    return { message: e.message, status: e.response && e.response.statusCode, body: e.response && e.response.body };
  }
  return null;
}

async function main() {
  const out = {};
  out.v1 = (await vault.write('secret/data/app/db', { data: { user: 'bob', pw: 'p1' }, options: { cas: 0 } })).data.version;
  out.casMismatch = await failure(() => vault.write('secret/data/app/db', { data: { pw: 'x' }, options: { cas: 7 } }));

  const read = await vault.read('secret/data/app/db');
  out.read = { data: read.data.data, version: read.data.metadata.version, envelope: Object.keys(read).sort() };
  out.v2 = (await vault.update('secret/data/app/db', { data: { pw: 'p2' } })).data.version;
  out.afterPatch = (await vault.read('secret/data/app/db')).data.data;
  out.first = (await vault.read('secret/data/app/db?version=1')).data.data;

  await vault.write('secret/data/app/api/key', { data: { k: 'v' } });
  out.listRoot = (await vault.list('secret/metadata/')).data.keys;
  out.listApp = (await vault.list('secret/metadata/app')).data.keys;
  out.listAppPlain = (await plainVerbs.list('secret/metadata/app/')).data.keys;
  out.listEmpty = await failure(() => vault.list('secret/metadata/nothing/'));

  const meta = (await vault.read('secret/metadata/app/db')).data;
  out.metadata = { current: meta.current_version, versions: Object.keys(meta.versions).sort() };

  await vault.delete('secret/data/app/db');
  out.readDeleted = await failure(() => vault.read('secret/data/app/db'));

  await vault.delete('secret/metadata/app/db');
  out.readPurged = await failure(() => vault.read('secret/metadata/app/db'));

  out.forbidden = await failure(() => stranger.read('secret/data/app/api/key'));
  out.health = await vault.health();
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
