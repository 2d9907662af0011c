#!/usr/bin/env bash
# Sets up Vault for SecretSync: a KV v2 mount, the read-only policy, and a Kubernetes auth role bound to
# the daemon's ServiceAccount. Run once per Vault (the role once per cluster) with a token that may
# manage auth methods and policies:
#
#   export VAULT_ADDR=https://vault.internal.example:8200 VAULT_TOKEN=...
#   samples/vault/setup.sh
#
# Settings (environment, with defaults):
#   KV_MOUNT=secret                 the KV v2 mount the bundles read (the policy file assumes "secret")
#   AUTH_PATH=kubernetes            where the Kubernetes auth method is mounted; use one per cluster,
#                                   e.g. kubernetes-prod-eu-1, and set providers.<name>.auth.mountPath
#   ROLE=secretsync                 the role in providers.<name>.auth.role
#   SA_NAME=secretsync              the chart's ServiceAccount (the release's full name)
#   SA_NAMESPACE=secretsync         the release namespace
#   KUBE_HOST=                      the cluster's API server URL as Vault reaches it; empty: leave the
#                                   auth method's config alone (Vault running in this cluster sets it)
#   KUBE_CA_FILE=                   the cluster CA (PEM) for KUBE_HOST
#   REVIEWER_JWT_FILE=              a token of a ServiceAccount bound to system:auth-delegator, used by
#                                   Vault for TokenReview; empty: Vault uses its own pod's token (Vault
#                                   in-cluster) or the client's JWT. SecretSync's own ServiceAccount
#                                   needs no TokenReview permission.
#   AUDIENCE=vault                  the audience of the token the daemon logs in with: the chart's
#                                   auth.vault.kubernetesAudience (default vault); empty only for a
#                                   kubernetesAudience of "" (the pod's API token, not recommended)
#   TOKEN_TTL=1h                    the Vault token's TTL; the daemon renews and logs in again itself
set -euo pipefail

KV_MOUNT=${KV_MOUNT:-secret}
AUTH_PATH=${AUTH_PATH:-kubernetes}
ROLE=${ROLE:-secretsync}
SA_NAME=${SA_NAME:-secretsync}
SA_NAMESPACE=${SA_NAMESPACE:-secretsync}
KUBE_HOST=${KUBE_HOST:-}
KUBE_CA_FILE=${KUBE_CA_FILE:-}
REVIEWER_JWT_FILE=${REVIEWER_JWT_FILE:-}
AUDIENCE=${AUDIENCE-vault}
TOKEN_TTL=${TOKEN_TTL:-1h}
here=$(cd "$(dirname "$0")" && pwd)

: "${VAULT_ADDR:?set VAULT_ADDR (and VAULT_TOKEN) first}"

# 1. The KV version 2 mount, unless it exists.
if ! vault secrets list -format=json | grep -q "\"${KV_MOUNT}/\""; then
  vault secrets enable -path="$KV_MOUNT" -version=2 kv
fi

# 2. The policy: read data and metadata, subscribe to KV events.
if [ "$KV_MOUNT" = secret ]; then
  vault policy write secretsync "$here/secretsync-policy.hcl"
else
  sed "s|\"secret/|\"${KV_MOUNT}/|g" "$here/secretsync-policy.hcl" | vault policy write secretsync -
fi

# 3. The Kubernetes auth method, and how it reaches this cluster's API for TokenReview.
if ! vault auth list -format=json | grep -q "\"${AUTH_PATH}/\""; then
  vault auth enable -path="$AUTH_PATH" kubernetes
fi
if [ -n "$KUBE_HOST" ]; then
  config=(kubernetes_host="$KUBE_HOST")
  [ -n "$KUBE_CA_FILE" ] && config+=(kubernetes_ca_cert=@"$KUBE_CA_FILE")
  [ -n "$REVIEWER_JWT_FILE" ] && config+=(token_reviewer_jwt=@"$REVIEWER_JWT_FILE")
  vault write "auth/${AUTH_PATH}/config" "${config[@]}"
fi

# 4. The role: only the daemon's ServiceAccount in the release namespace may log in, and gets the policy.
role=(
  bound_service_account_names="$SA_NAME"
  bound_service_account_namespaces="$SA_NAMESPACE"
  token_policies=secretsync
  token_ttl="$TOKEN_TTL"
)
[ -n "$AUDIENCE" ] && role+=(audience="$AUDIENCE")
vault write "auth/${AUTH_PATH}/role/${ROLE}" "${role[@]}"

echo "Vault is ready: providers.<name>.auth = {method: kubernetes, role: ${ROLE}$([ "$AUTH_PATH" != kubernetes ] && echo ", mountPath: ${AUTH_PATH}")}"
