// Drives the Secret Manager emulator with the preinstalled gcloud CLI (peers.md §4b) and prints what it saw as JSON.
// The C# test sets CLOUDSDK_CONFIG (fresh), CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER (with the trailing slash),
// CLOUDSDK_AUTH_ACCESS_TOKEN_FILE and CLOUDSDK_CORE_PROJECT. gcloud verifies dataCrc32c on every access.
'use strict';

const { spawnSync } = require('child_process');

function gcloud(args, input) {
  const run = spawnSync('gcloud', args, { input: input || '', encoding: 'utf8', env: process.env, timeout: 90000 });
  return { code: run.status, out: run.stdout, err: run.stderr.trim() };
}

function json(args) {
  const run = gcloud([...args, '--format=json']);
  if (run.code !== 0) {
    throw new Error(`gcloud ${args.join(' ')} failed (${run.code}): ${run.err}`);
  }
  return JSON.parse(run.out);
}

const out = {};
out.create = gcloud(['secrets', 'create', 'db', '--replication-policy=automatic', '--data-file=-', '--labels=team=payments'], 'g1-secret');
out.add = gcloud(['secrets', 'versions', 'add', 'db', '--data-file=-'], 'g2-secret');
out.accessLatest = gcloud(['secrets', 'versions', 'access', 'latest', '--secret=db']);
out.accessFirst = gcloud(['secrets', 'versions', 'access', '1', '--secret=db']);
out.list = json(['secrets', 'list']).map((s) => ({ name: s.name, labels: s.labels || {} }));
out.versions = json(['secrets', 'versions', 'list', 'db']).map((v) => ({ name: v.name, state: v.state }));
out.describe = json(['secrets', 'describe', 'db']);
out.disable = gcloud(['secrets', 'versions', 'disable', '2', '--secret=db']);
out.accessDisabled = gcloud(['secrets', 'versions', 'access', 'latest', '--secret=db']);
out.accessMissing = gcloud(['secrets', 'versions', 'access', 'latest', '--secret=nope']);
out.delete = gcloud(['secrets', 'delete', 'db', '--quiet']);
out.listAfterDelete = json(['secrets', 'list']).map((s) => s.name);
process.stdout.write(JSON.stringify(out));
