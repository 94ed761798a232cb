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
The callers files the pods mount (docs/deploying.md, Callers from several ConfigMaps), as YAML: `path`, what
TOKENBROKER_CALLERS_FILE names, `mountPath`, where the volume is mounted, and `files`, one {configMap, key, file,
optional} per projected file, in the order the broker reads them.
Without callers.configMaps: the chart's (or the existing) ConfigMap's callers.yaml, as the one file
/etc/token-broker/callers.yaml. With them: one directory, /etc/token-broker/callers.d, of `<NNN>-<ConfigMap>-<key>`,
where NNN is 000 for the platform's own ConfigMap and the 1-based position in callers.configMaps for the others,
zero-padded, so that name order (the broker's) is the order of the values and the platform's file comes first: a
later file cannot widen an earlier one. A ConfigMap's keys share its NNN and sort by key among themselves.
Distinct by construction: NNN tells the ConfigMaps apart, and a ConfigMap's keys are distinct.
*/}}
{{- define "token-broker.callersFiles" -}}
{{- $platform := include "token-broker.callersConfigMapName" . }}
{{- if .Values.callers.configMaps }}
path: /etc/token-broker/callers.d
mountPath: /etc/token-broker/callers.d
files:
  - configMap: {{ $platform | quote }}
    key: callers.yaml
    file: {{ printf "000-%s-callers.yaml" $platform | quote }}
    optional: false
{{- range $i, $source := .Values.callers.configMaps }}
{{- range $key := $source.keys | default (list "callers.yaml") }}
  - configMap: {{ $source.name | quote }}
    key: {{ $key | quote }}
    file: {{ printf "%03d-%s-%s" (add1 $i) $source.name $key | quote }}
    optional: {{ $source.optional | default false }}
{{- end }}
{{- end }}
{{- else }}
path: /etc/token-broker/callers.yaml
mountPath: /etc/token-broker
files:
  - configMap: {{ $platform | quote }}
    key: callers.yaml
    file: callers.yaml
    optional: false
{{- end }}
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
Where the certificate comes from, with TLS on: "cert-manager" (tls.certManager.issuerRef, or the chart's own CA
with tls.certManager.createCA), "secret" (an existing tls.secretName), or "generated" (made by `helm install`, see
templates/tls-generated.yaml).
*/}}
{{- define "token-broker.tlsSource" -}}
{{- if or .Values.tls.certManager.issuerRef .Values.tls.certManager.createCA }}cert-manager
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
{{- not (empty (include "token-broker.serviceAccountCallers" .)) }}
{{- else }}
{{- $automount }}
{{- end }}
{{- end }}

{{/*
"true" when the broker checks ServiceAccount tokens of the default cluster with its JWKS from the API server, so
that it needs the ClusterRole system:service-account-issuer-discovery: kubernetes.jwksUrl set, a callers.entries
entry with a service-account, or TokenGrant objects (grants.kubernetes.enabled, which grant ServiceAccounts).
*/}}
{{- define "token-broker.serviceAccountCallers" -}}
{{- $callers := or (not (empty .Values.kubernetes.jwksUrl)) (dig "grants" "kubernetes" "enabled" false .Values.AsMap) }}
{{- range .Values.callers.entries }}
{{- if index . "service-account" }}{{ $callers = true }}{{ end }}
{{- end }}
{{- if $callers }}true{{ end }}
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
{{- if and (not .Values.tls.enabled) (or .Values.tls.certManager.createCA .Values.tls.trustManager.enabled) }}
{{- fail "tls.certManager.createCA and tls.trustManager.enabled need tls.enabled: set tls.enabled=true, or leave them false" }}
{{- end }}
{{- if and .Values.tls.trustManager.enabled (not .Values.tls.trustManager.caSecret.name) (not .Values.tls.certManager.createCA) }}
{{- fail "tls.trustManager.enabled needs the CA's Secret: set tls.trustManager.caSecret.name, or tls.certManager.createCA=true for the chart's own CA" }}
{{- end }}
{{- /* A grant of a credential that `credentials` does not define would be refused by the broker at every request. */}}
{{- if not .Values.callers.existingConfigMap }}
{{- $defined := list }}
{{- range .Values.credentials }}{{ $defined = append $defined .name }}{{ end }}
{{- range .Values.callers.entries }}
{{- $caller := .name }}
{{- range .grants }}
{{- if not (has .credential $defined) }}
{{- fail (printf "callers.entries: %s has a grant of credential %q, which credentials does not define (defined: %s)" $caller .credential (join ", " $defined | default "none")) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- /* callers.configMaps: each ConfigMap once, never the platform's own, and file names the kubelet can write. */}}
{{- $listed := list (include "token-broker.callersConfigMapName" .) }}
{{- range .Values.callers.configMaps }}
{{- if has .name $listed }}
{{- fail (printf "callers.configMaps: %q is listed twice, or is the chart's own callers ConfigMap (callers.existingConfigMap, or the one callers.entries renders): list each ConfigMap once, with every key it holds in its keys" .name) }}
{{- end }}
{{- $listed = append $listed .name }}
{{- end }}
{{- range (include "token-broker.callersFiles" . | fromYaml).files }}
{{- if gt (len .file) 255 }}
{{- fail (printf "callers.configMaps: the file name %q for key %q of ConfigMap %q is over 255 characters: shorten the ConfigMap's name or the key" .file .key .configMap) }}
{{- end }}
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
{{- /* ServiceAccount callers of the default cluster need both its issuer and its JWKS (docs/configuration.md, Callers) */}}
{{- $issuer := .Values.kubernetes.issuer }}
{{- $jwks := .Values.kubernetes.jwksUrl }}
{{- range .Values.extraEnv }}
{{- if and (has .name (list "TOKENBROKER_KUBERNETES_ISSUER" "tokenbroker.kubernetes.issuer")) (or .value .valueFrom) }}
{{- $issuer = "set" }}
{{- end }}
{{- if and (has .name (list "TOKENBROKER_KUBERNETES_JWKS_URL" "tokenbroker.kubernetes.jwks-url")) (or .value .valueFrom) }}
{{- $jwks = "set" }}
{{- end }}
{{- end }}
{{- if not (and $issuer $jwks) }}
{{- range .Values.callers.entries }}
{{- if and (index . "service-account") (not .cluster) }}
{{- fail (printf "callers.entries: %q names service-account %q, but kubernetes.issuer and kubernetes.jwksUrl are not both set: the broker would refuse every token of that ServiceAccount (set them, or name a cluster of kubernetes.clusters)" .name (index . "service-account")) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
