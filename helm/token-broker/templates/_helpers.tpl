{{/*
Expand the name of the chart.
*/}}
{{- define "token-broker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "token-broker.fullname" -}}
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

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "token-broker.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "token-broker.labels" -}}
helm.sh/chart: {{ include "token-broker.chart" . }}
{{ include "token-broker.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "token-broker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "token-broker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use.
In sidecar mode the pod, and so its ServiceAccount, belongs to the application.
*/}}
{{- define "token-broker.serviceAccountName" -}}
{{- if and (ne .Values.mode "sidecar") .Values.serviceAccount.create }}
{{- default (include "token-broker.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the ConfigMap holding callers.yaml.
*/}}
{{- define "token-broker.callersConfigMapName" -}}
{{- default (printf "%s-callers" (include "token-broker.fullname" .)) .Values.callers.existingConfigMap }}
{{- end }}

{{/*
Name of the kubernetes.io/tls Secret that holds the API's certificate (tls.enabled).
*/}}
{{- define "token-broker.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "token-broker.fullname" .)) .Values.tls.secretName }}
{{- end }}

{{/*
"true" when the API and the management port serve HTTPS: tls.enabled in central and node mode. A sidecar's API
listens on 127.0.0.1 for the pod's own containers, over plain HTTP, whatever tls.enabled says.
*/}}
{{- define "token-broker.tls" -}}
{{- if and (ne .Values.mode "sidecar") .Values.tls.enabled }}true{{ end }}
{{- end }}

{{/*
Where the certificate comes from, with TLS on: "cert-manager" (tls.certManager.issuerRef), "secret" (an existing
tls.secretName), or "generated" (made by the chart at install, see templates/tls-generated.yaml).
*/}}
{{- define "token-broker.tlsSource" -}}
{{- if .Values.tls.certManager.issuerRef }}cert-manager
{{- else if .Values.tls.secretName }}secret
{{- else }}generated
{{- end }}
{{- end }}

{{/*
Name of the ConfigMap that publishes the generated CA certificate (key ca.crt) for callers to trust.
*/}}
{{- define "token-broker.caConfigMapName" -}}
{{- printf "%s-ca" (include "token-broker.fullname" .) }}
{{- end }}

{{/*
Whether the pods mount their ServiceAccount token: serviceAccount.automount, where "auto" means only when
ServiceAccount callers are configured (the broker then reads the cluster's JWKS from the API server with it).
*/}}
{{- define "token-broker.automountToken" -}}
{{- $automount := .Values.serviceAccount.automount }}
{{- if eq (toString $automount) "auto" }}
{{- $serviceAccountCallers := or (not (empty .Values.kubernetes.jwksUrl)) .Values.grants.kubernetes.enabled }}
{{- range .Values.callers.entries }}
{{- if index . "service-account" }}{{ $serviceAccountCallers = true }}{{ end }}
{{- end }}
{{- $serviceAccountCallers }}
{{- else }}
{{- $automount }}
{{- end }}
{{- end }}

{{/*
Name of the API port, on the container and on the Service: it tells meshes and readers the protocol.
*/}}
{{- define "token-broker.apiPortName" -}}
{{- if include "token-broker.tls" . }}https{{ else }}http{{ end }}
{{- end }}

{{/*
Image reference: repository@digest, or repository:tag with the appVersion as default tag.
*/}}
{{- define "token-broker.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
A NetworkPolicy peer list from entries of {namespace, podLabels} or {cidr}.
*/}}
{{- define "token-broker.networkPolicyPeers" -}}
{{- range . }}
{{- if .cidr }}
- ipBlock:
    cidr: {{ .cidr | quote }}
{{- else }}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace | quote }}
  {{- with .podLabels }}
  podSelector:
    matchLabels:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Fails on value combinations the schema cannot express. Included by "token-broker.container",
so it also runs where an application chart renders the sidecar.
*/}}
{{- define "token-broker.validate" -}}
{{- $central := eq .Values.mode "central" }}
{{- if and $central (not .Values.redis.enabled) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "replicaCount > 1 and autoscaling.enabled need redis.enabled: without Redis each pod keeps its own cache and asks the identity provider on its own" }}
{{- end }}
{{- if and (eq .Values.mode "node") (or .Values.autoscaling.enabled .Values.podDisruptionBudget.enabled) }}
{{- fail "mode: node runs one broker per node (a DaemonSet): autoscaling and podDisruptionBudget are for central mode's Deployment; set them to false" }}
{{- end }}
{{- if .Values.redis.enabled }}
{{- if not .Values.cache.encryptionKey.secretName }}
{{- fail "redis.enabled needs cache.encryptionKey.secretName: tokens are encrypted before they are written to Redis" }}
{{- end }}
{{- if eq (empty .Values.redis.hosts) (empty .Values.redis.existingSecret.name) }}
{{- fail "redis.enabled needs exactly one of redis.hosts and redis.existingSecret.name" }}
{{- end }}
{{- end }}
{{- if and (not .Values.tls.enabled) .Values.tls.certManager.issuerRef }}
{{- fail "tls.certManager.issuerRef needs tls.enabled: set tls.enabled=true to serve HTTPS with the certificate, or leave issuerRef empty" }}
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.username .Values.redis.existingSecret.name }}
{{- fail "redis.username cannot be added to a URL that comes from redis.existingSecret: write ?user=<name> into the URL in that Secret" }}
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.tls.caSecret.name .Values.redis.hosts }}
{{- range splitList "," .Values.redis.hosts }}
{{- if not (hasPrefix "rediss://" (trim .)) }}
{{- fail (printf "redis.tls.caSecret.name is set, but redis.hosts has %q: write rediss:// URLs, the CA is only used over TLS" (trim .)) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.password.secretName .Values.redis.hosts (not .Values.redis.allowPlaintext) }}
{{- range splitList "," .Values.redis.hosts }}
{{- if hasPrefix "redis://" (trim .) }}
{{- fail (printf "redis.password would cross the network in clear to %q: write rediss:// URLs (Redis over TLS), or set redis.allowPlaintext=true to accept that" (trim .)) }}
{{- end }}
{{- end }}
{{- end }}
{{- $names := list }}
{{- range .Values.credentials }}
{{- if has .name $names }}
{{- fail (printf "credentials: name %q appears twice" .name) }}
{{- end }}
{{- $names = append $names .name }}
{{- end }}
{{- end }}
