{{/* The chart name, shortened to fit label values. */}}
{{- define "secretsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: object names, the ServiceAccount and the RBAC subjects. */}}
{{- define "secretsync.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "secretsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "secretsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the pods; never change them between releases. */}}
{{- define "secretsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "secretsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "secretsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "secretsync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: digest wins over tag; tag defaults to the chart's appVersion. */}}
{{- define "secretsync.image" -}}
{{- $repository := required "image.repository is required: build the Dockerfile at the repository root and push it to your registry" .Values.image.repository }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the audience-bound token for Vault's Kubernetes login is projected (auth.vault.kubernetesAudience). */}}
{{- define "secretsync.vaultJwtPath" -}}
/var/run/secrets/secretsync/vault-jwt/token
{{- end }}

{{/*
The daemon's configuration file: config values, with the Lease in the release namespace, and, while
auth.vault.kubernetesAudience is set, Vault Kubernetes logins that name no jwtPath pointed at the projected token.
*/}}
{{- define "secretsync.config" -}}
{{- $config := deepCopy .Values.config }}
{{- $_ := set $config "cluster" (required "config.cluster is required: this cluster's name, stamped on every audit event" .Values.config.cluster) }}
{{- if .Values.auth.vault.kubernetesAudience }}
{{- range $name, $provider := $config.providers }}
{{- $auth := default (dict) $provider.auth }}
{{- if and (eq (toString $provider.type) "vault") (eq (toString $auth.method) "kubernetes") (not (hasKey $auth "jwtPath")) }}
{{- $_ := set $auth "jwtPath" (include "secretsync.vaultJwtPath" $) }}
{{- $_ := set $provider "auth" $auth }}
{{- end }}
{{- end }}
{{- end }}
{{- $election := default (dict) $config.leaderElection }}
{{- $_ := set $election "namespace" .Release.Namespace }}
{{- $_ := set $config "leaderElection" $election }}
{{- toYaml $config }}
{{- end }}
