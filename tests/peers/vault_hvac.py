"""Drives the Vault emulator with Debian's python3-hvac (KV v2 helpers) and prints what it saw as JSON.

Run with Debian's /usr/bin/python3 (pyenv's python cannot see dist-packages). Reads VAULT_ADDR and VAULT_TOKEN.
Every step records plain values so the C# fidelity test can assert on them; exceptions are recorded by class
name and message, because hvac maps status codes to exception types (404 InvalidPath, 400 InvalidRequest).
"""
import json
import os
import sys

import hvac

addr = os.environ["VAULT_ADDR"]
token = os.environ["VAULT_TOKEN"]
client = hvac.Client(url=addr, token=token)
kv = client.secrets.kv.v2
out = {}


def failure(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the class is the result
        return {"type": type(e).__name__, "message": str(e)}
    return None


out["authenticated"] = client.is_authenticated()
out["bad_token_authenticated"] = hvac.Client(url=addr, token="hvs.not-a-token").is_authenticated()

out["v1"] = kv.create_or_update_secret(path="app/db", secret={"user": "bob", "pw": "p1"}, cas=0)["data"]["version"]
out["v2"] = kv.create_or_update_secret(path="app/db", secret={"user": "bob", "pw": "p2"}, cas=1)["data"]["version"]
out["cas_mismatch"] = failure(lambda: kv.create_or_update_secret(path="app/db", secret={"pw": "x"}, cas=1))

latest = kv.read_secret_version(path="app/db")
out["latest"] = {"data": latest["data"]["data"], "version": latest["data"]["metadata"]["version"],
                 "deletion_time": latest["data"]["metadata"]["deletion_time"]}
out["first"] = kv.read_secret_version(path="app/db", version=1)["data"]["data"]

# hvac 0.11.2's patch is a read followed by a CAS write (peers.md §2b).
out["patched_version"] = kv.patch(path="app/db", secret={"pw": "p3"})["data"]["version"]
out["patched"] = kv.read_secret_version(path="app/db")["data"]["data"]

kv.create_or_update_secret(path="app/api/key", secret={"k": "v"})
kv.create_or_update_secret(path="other", secret={"k": "v"})
out["list_app"] = kv.list_secrets(path="app")["data"]["keys"]
out["list_root"] = kv.list_secrets(path="")["data"]["keys"]
out["list_missing"] = failure(lambda: kv.list_secrets(path="nothing-here"))

meta = kv.read_secret_metadata(path="app/db")["data"]
out["metadata"] = {"current_version": meta["current_version"], "oldest_version": meta["oldest_version"],
                   "versions": sorted(meta["versions"].keys())}

kv.delete_latest_version_of_secret(path="app/db")
out["read_after_delete"] = failure(lambda: kv.read_secret_version(path="app/db"))
out["v2_after_delete"] = kv.read_secret_version(path="app/db", version=2)["data"]["data"]

kv.destroy_secret_versions(path="app/db", versions=[2])
out["read_destroyed"] = failure(lambda: kv.read_secret_version(path="app/db", version=2))
out["destroyed_flag"] = kv.read_secret_metadata(path="app/db")["data"]["versions"]["2"]["destroyed"]

kv.undelete_secret_versions(path="app/db", versions=[3])
out["undeleted"] = kv.read_secret_version(path="app/db")["data"]["data"]

kv.delete_metadata_and_all_versions(path="app/db")
out["metadata_after_purge"] = failure(lambda: kv.read_secret_metadata(path="app/db"))
out["list_app_after_purge"] = kv.list_secrets(path="app")["data"]["keys"]

kv.configure(max_versions=5, cas_required=False)
out["config"] = kv.read_configuration()["data"]

json.dump(out, sys.stdout)
