# Vault policy for the SecretSync daemon: read-only on the KV v2 mount `secret`, plus event subscription.
#   vault policy write secretsync samples/vault/secretsync-policy.hcl
# Narrow the paths to the prefixes your bundles use (e.g. secret/data/payments/*) where you can.
# The daemon never writes to Vault; `secretsync rotate` runs with an operator's own token.

# Values of the current (or a given) version: GET secret/data/<path>.
# `list` and `subscribe` with subscribe_event_types let event notifications for these paths through
# (Vault Enterprise 1.16+; community Vault has no event endpoint and the daemon polls).
path "secret/data/*" {
  capabilities          = ["read", "list", "subscribe"]
  subscribe_event_types = ["kv-v2/*"]
}

# Version checks: GET secret/metadata/<path> (current_version, deletion and destruction of versions).
path "secret/metadata/*" {
  capabilities = ["read"]
}

# The event stream itself: GET sys/events/subscribe/kv-v2/* as a WebSocket.
# Vault only delivers events that carry a data_path to non-root subscribers: writes, patches and
# undeletes arrive at once; deletes and destroys are found by the next poll.
path "sys/events/subscribe/kv-v2/*" {
  capabilities = ["read"]
}
