{{/*
The broker container and the volumes it mounts, shared by this chart's Deployment (mode: central) and
DaemonSet (mode: node) and by application charts that run the broker as a sidecar (mode: sidecar), so they
never drift.

An application chart that lists token-broker as a dependency (with `mode: sidecar` in its values)
renders them with the subchart's own context:

  spec:
    serviceAccountName: <the ServiceAccount named in token-broker.serviceAccount.name>
    initContainers:
      - {{ include "token-broker.container" (index .Subcharts "token-broker") | indent 8 | trim }}
    containers:
      - name: app   # sends `Authorization: Bearer <projected token, audience token-broker>` to 127.0.0.1:8080
    volumes:
      {{- include "token-broker.volumes" (index .Subcharts "token-broker") | nindent 6 }}

In sidecar mode the container carries `restartPolicy: Always` (a native sidecar, Kubernetes 1.29+),
binds the API to 127.0.0.1 and takes the pod-level security settings onto itself. Volume names start
with `token-broker-` so they do not collide with the application's. helm/examples/sidecar-app is a
complete example; deploy/sidecar is rendered from it.
*/}}
{{- define "token-broker.container" -}}
{{- include "token-broker.validate" . }}
{{- $sidecar := eq .Values.mode "sidecar" -}}
{{- $callers := include "token-broker.callersFiles" . | fromYaml -}}
name: token-broker
image: {{ include "token-broker.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
{{- if $sidecar }}
restartPolicy: Always
{{- end }}
ports:
  {{- if not $sidecar }}
  - name: {{ include "token-broker.apiPortName" . }}
    containerPort: {{ .Values.containerPorts.http }}
    protocol: TCP
  {{- end }}
  - name: management
    containerPort: {{ .Values.containerPorts.management }}
    protocol: TCP
env:
  - name: TOKENBROKER_CREDENTIALS_DIR
    value: /var/run/secrets/token-broker/credentials
  - name: TOKENBROKER_CALLERS_FILE
    value: {{ $callers.path }}
  {{- if .Values.grants.kubernetes.enabled }}
  - name: TOKENBROKER_GRANTS_KUBERNETES_ENABLED
    value: "true"
  - name: TOKENBROKER_GRANTS_KUBERNETES_RESYNC_INTERVAL
    value: {{ .Values.grants.kubernetes.resyncInterval | quote }}
  {{- if $sidecar }}
  - name: TOKENBROKER_GRANTS_KUBERNETES_NAMESPACE
    valueFrom:
      fieldRef:
        fieldPath: metadata.namespace
  {{- end }}
  {{- end }}
  {{- if $sidecar }}
  - name: QUARKUS_HTTP_HOST
    value: 127.0.0.1
  {{- with .Values.sidecar.gcOptions }}
  - name: GC_CONTAINER_OPTIONS
    value: {{ . | quote }}
  {{- end }}
  {{- with .Values.sidecar.javaOptions }}
  - name: JAVA_OPTS_APPEND
    value: {{ . | quote }}
  {{- end }}
  - name: QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE
    value: {{ .Values.sidecar.eventLoops | quote }}
  - name: QUARKUS_THREAD_POOL_MAX_THREADS
    value: {{ .Values.sidecar.workerThreads | quote }}
  {{- end }}
  - name: QUARKUS_HTTP_PORT
    value: {{ .Values.containerPorts.http | quote }}
  - name: QUARKUS_MANAGEMENT_PORT
    value: {{ .Values.containerPorts.management | quote }}
  {{- with .Values.cache.encryptionKey.secretName }}
  - name: TOKENBROKER_CACHE_ENCRYPTION_KEY
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ $.Values.cache.encryptionKey.key }}
  {{- end }}
  {{- with .Values.cache.previousEncryptionKeys.secretName }}
  - name: TOKENBROKER_CACHE_PREVIOUS_ENCRYPTION_KEYS
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ $.Values.cache.previousEncryptionKeys.key }}
  {{- end }}
  {{- if .Values.redis.enabled }}
  - name: QUARKUS_REDIS_HOSTS
    {{- if .Values.redis.existingSecret.name }}
    valueFrom:
      secretKeyRef:
        name: {{ .Values.redis.existingSecret.name }}
        key: {{ .Values.redis.existingSecret.key }}
    {{- else }}
    value: {{ include "token-broker.redisHosts" . | quote }}
    {{- end }}
  {{- with .Values.redis.password.secretName }}
  - name: QUARKUS_REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ $.Values.redis.password.key }}
  {{- end }}
  {{- if .Values.redis.allowPlaintext }}
  - name: TOKENBROKER_CACHE_ALLOW_PLAINTEXT_REDIS
    value: "true"
  {{- end }}
  {{- end }}
  {{- with include "token-broker.securityEnv" . }}
  {{- . | trim | nindent 2 }}
  {{- end }}
  {{- with .Values.kubernetes.issuer }}
  - name: TOKENBROKER_KUBERNETES_ISSUER
    value: {{ . | quote }}
  {{- end }}
  {{- with .Values.kubernetes.jwksUrl }}
  - name: TOKENBROKER_KUBERNETES_JWKS_URL
    value: {{ . | quote }}
  {{- end }}
  {{- with .Values.kubernetes.audience }}
  - name: TOKENBROKER_KUBERNETES_AUDIENCE
    value: {{ . | quote }}
  {{- end }}
  {{- with include "token-broker.clustersEnv" . }}
  {{- . | trim | nindent 2 }}
  {{- end }}
  {{- with .Values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
volumeMounts:
  - name: token-broker-tmp
    mountPath: /tmp
  - name: token-broker-callers
    mountPath: {{ $callers.mountPath }}
    readOnly: true
  {{- range $i, $credential := .Values.credentials }}
  - name: token-broker-credential-{{ $i }}
    mountPath: /var/run/secrets/token-broker/credentials/{{ $credential.name }}
    readOnly: true
  {{- if $credential.federated }}
  - name: token-broker-federated-{{ $i }}
    mountPath: /var/run/secrets/token-broker/federated/{{ $credential.name }}
    readOnly: true
  {{- end }}
  {{- end }}
  {{- $dirs := include "token-broker.tlsDirs" . | fromYaml }}
  {{- if include "token-broker.tls" . }}
  - name: token-broker-tls
    mountPath: {{ $dirs.api }}
    readOnly: true
  {{- end }}
  {{- if and .Values.redis.enabled .Values.redis.tls.caSecret.name }}
  - name: token-broker-redis-ca
    mountPath: {{ $dirs.redisCa }}
    readOnly: true
  {{- end }}
  {{- if .Values.upstream.caSecret.name }}
  - name: token-broker-upstream-ca
    mountPath: {{ $dirs.upstreamCa }}
    readOnly: true
  {{- end }}
  {{- if include "token-broker.clustersCa" . }}
  - name: token-broker-clusters-ca
    mountPath: {{ $dirs.clustersCa }}
    readOnly: true
  {{- end }}
startupProbe:
  httpGet:
    path: /q/health/live
    port: management
    {{- if include "token-broker.tls" . }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .Values.startupProbe | nindent 2 }}
livenessProbe:
  httpGet:
    path: /q/health/live
    port: management
    {{- if include "token-broker.tls" . }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .Values.livenessProbe | nindent 2 }}
readinessProbe:
  httpGet:
    path: /q/health/ready
    port: management
    {{- if include "token-broker.tls" . }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .Values.readinessProbe | nindent 2 }}
{{- if and (eq .Values.mode "node") .Values.node.preStopSleepSeconds }}
lifecycle:
  preStop:
    sleep:
      seconds: {{ .Values.node.preStopSleepSeconds }}
{{- end }}
{{- with ternary .Values.sidecar.resources (ternary .Values.node.resources .Values.resources (eq .Values.mode "node")) $sidecar }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $securityContext := .Values.securityContext }}
{{- if $sidecar }}
{{- $securityContext = merge (deepCopy $securityContext) (pick .Values.podSecurityContext "runAsNonRoot" "runAsUser" "runAsGroup" "seccompProfile") }}
{{- end }}
{{- with $securityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The volumes "token-broker.container" mounts: /tmp, callers.yaml (or, with callers.configMaps, one projected volume
of every callers ConfigMap's files, named as "token-broker.callersFiles" says), one Secret per credential and the Secrets
with certificates. Everything is mounted as a directory, not with subPath, so that edits reach the running
broker. Of the certificate Secrets only the keys the broker reads are projected: a Secret that cert-manager
wrote for Redis also holds that server's private key, which the broker has no business seeing.
A credential with a tlsSecretName is one projected volume: its Secret, and of that kubernetes.io/tls Secret
(cert-manager's client certificate) only tls.key and tls.crt, the files the broker reads in place of
private_key and certificate.
A credential with `federated` gets a second projected volume beside it: the pod's own ServiceAccount token for that
audience, at /var/run/secrets/token-broker/federated/<name>/token (where its federated_token_file points), which the
kubelet renews at 80% of expirationSeconds.
*/}}
{{- define "token-broker.volumes" -}}
- name: token-broker-tmp
  emptyDir:
    sizeLimit: 64Mi
{{- $callers := include "token-broker.callersFiles" . | fromYaml }}
- name: token-broker-callers
  {{- if .Values.callers.configMaps }}
  projected:
    sources:
      {{- $previous := "" }}
      {{- range $callers.files }}
      {{- if ne .configMap $previous }}
      - configMap:
          name: {{ .configMap }}
          {{- if .optional }}
          optional: true
          {{- end }}
          items:
      {{- end }}
            - key: {{ .key }}
              path: {{ .file }}
      {{- $previous = .configMap }}
      {{- end }}
  {{- else }}
  configMap:
    name: {{ include "token-broker.callersConfigMapName" . }}
    items:
      - key: callers.yaml
        path: callers.yaml
  {{- end }}
{{- range $i, $credential := .Values.credentials }}
- name: token-broker-credential-{{ $i }}
  {{- if $credential.tlsSecretName }}
  projected:
    sources:
      - secret:
          name: {{ $credential.secretName }}
      - secret:
          name: {{ $credential.tlsSecretName }}
          items:
            - key: tls.key
              path: tls.key
            - key: tls.crt
              path: tls.crt
  {{- else }}
  secret:
    secretName: {{ $credential.secretName }}
  {{- end }}
{{- with $credential.federated }}
- name: token-broker-federated-{{ $i }}
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .audience | quote }}
          expirationSeconds: {{ .expirationSeconds | default 3600 }}
          path: token
{{- end }}
{{- end }}
{{- if include "token-broker.tls" . }}
- name: token-broker-tls
  secret:
    secretName: {{ include "token-broker.tlsSecretName" . }}
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.tls.caSecret.name }}
- name: token-broker-redis-ca
  secret:
    secretName: {{ .Values.redis.tls.caSecret.name }}
    items:
      - key: {{ .Values.redis.tls.caSecret.key }}
        path: {{ .Values.redis.tls.caSecret.key }}
{{- end }}
{{- if .Values.upstream.caSecret.name }}
- name: token-broker-upstream-ca
  secret:
    secretName: {{ .Values.upstream.caSecret.name }}
    items:
      - key: {{ .Values.upstream.caSecret.key }}
        path: {{ .Values.upstream.caSecret.key }}
{{- end }}
{{- if include "token-broker.clustersCa" . }}
- name: token-broker-clusters-ca
  projected:
    sources:
      {{- range $name, $cluster := .Values.kubernetes.clusters }}
      {{- if and $cluster.caSecret $cluster.caSecret.name }}
      - secret:
          name: {{ $cluster.caSecret.name }}
          items:
            - key: {{ $cluster.caSecret.key | default "ca.crt" }}
              path: {{ $name }}/{{ $cluster.caSecret.key | default "ca.crt" }}
      {{- end }}
      {{- end }}
{{- end }}
{{- end }}

{{/*
Where the Secrets with certificates are mounted, read-only, each as a directory (no subPath), so that
renewed files reach the running broker. "token-broker.securityEnv" points the broker at them.
*/}}
{{- define "token-broker.tlsDirs" -}}
api: /var/run/secrets/token-broker/tls
redisCa: /var/run/secrets/token-broker/redis-ca
upstreamCa: /var/run/secrets/token-broker/upstream-ca
clustersCa: /var/run/secrets/token-broker/clusters
{{- end }}

{{/*
The environment variables for the transport's security: the API and management port over HTTPS
(tls.enabled), Redis over TLS with its own CA (redis.tls.caSecret), the
CAs trusted for identity providers (upstream.caSecret) and the hosts they may be on (upstream.allowedHosts).
The only place that names them.
*/}}
{{- define "token-broker.securityEnv" -}}
{{- $dirs := include "token-broker.tlsDirs" . | fromYaml }}
{{- if include "token-broker.tls" . }}
- name: QUARKUS_HTTP_TLS_CONFIGURATION_NAME
  value: api
- name: QUARKUS_MANAGEMENT_TLS_CONFIGURATION_NAME
  value: api
- name: QUARKUS_TLS__API__KEY_STORE_PEM__0__CERT
  value: {{ $dirs.api }}/tls.crt
- name: QUARKUS_TLS__API__KEY_STORE_PEM__0__KEY
  value: {{ $dirs.api }}/tls.key
- name: QUARKUS_TLS__API__RELOAD_PERIOD
  value: {{ .Values.tls.reloadPeriod | quote }}
- name: QUARKUS_HTTP_SSL_PORT
  value: {{ .Values.containerPorts.http | quote }}
- name: QUARKUS_HTTP_INSECURE_REQUESTS
  value: disabled
{{- end }}
{{- if and .Values.redis.enabled .Values.redis.tls.caSecret.name }}
- name: QUARKUS_REDIS_TLS_CONFIGURATION_NAME
  value: redis
- name: QUARKUS_TLS__REDIS__TRUST_STORE_PEM_CERTS
  value: {{ $dirs.redisCa }}/{{ .Values.redis.tls.caSecret.key }}
{{- end }}
{{- if .Values.upstream.caSecret.name }}
- name: TOKENBROKER_UPSTREAM_CA_FILE
  value: {{ $dirs.upstreamCa }}/{{ .Values.upstream.caSecret.key }}
{{- end }}
{{- with .Values.upstream.allowedHosts }}
- name: TOKENBROKER_UPSTREAM_ALLOWED_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}

{{/*
redis.hosts with the ACL user (redis.username) added to each URL as `?user=`: the Quarkus Redis client has no
username setting, and takes the user from the URL (QUARKUS_REDIS_PASSWORD stays its password).
*/}}
{{- define "token-broker.redisHosts" -}}
{{- $user := .Values.redis.username -}}
{{- $hosts := list -}}
{{- range splitList "," .Values.redis.hosts -}}
{{- $host := trim . -}}
{{- if $user -}}
{{- $host = printf "%s%suser=%s" $host (ternary "&" "?" (contains "?" $host)) (urlquery $user) -}}
{{- end -}}
{{- $hosts = append $hosts $host -}}
{{- end -}}
{{- join "," $hosts -}}
{{- end }}

{{/*
The environment variables of kubernetes.clusters (docs/configuration.md, Callers from several clusters), named as the
properties are: SmallRye Config cannot tell `-` from `.` or `_` in a map key spelled in upper case
(TOKENBROKER_KUBERNETES_CLUSTERS__EU_WEST__ISSUER names cluster `eu.west`), and Kubernetes allows `.` and `-` in
an environment variable's name. Values in `env`, not a mounted file, so a change rolls the pods.
*/}}
{{- define "token-broker.clustersEnv" -}}
{{- $dirs := include "token-broker.tlsDirs" . | fromYaml }}
{{- range $name, $cluster := .Values.kubernetes.clusters }}
- name: tokenbroker.kubernetes.clusters.{{ $name }}.issuer
  value: {{ required (printf "kubernetes.clusters.%s.issuer is required" $name) $cluster.issuer | quote }}
{{- with $cluster.jwksUrl }}
- name: tokenbroker.kubernetes.clusters.{{ $name }}.jwks-url
  value: {{ . | quote }}
{{- end }}
{{- with $cluster.audience }}
- name: tokenbroker.kubernetes.clusters.{{ $name }}.audience
  value: {{ . | quote }}
{{- end }}
{{- if and $cluster.caSecret $cluster.caSecret.name }}
- name: tokenbroker.kubernetes.clusters.{{ $name }}.ca-file
  value: {{ $dirs.clustersCa }}/{{ $name }}/{{ $cluster.caSecret.key | default "ca.crt" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Non-empty when a cluster of kubernetes.clusters has a caSecret: their CA keys are projected into one volume, one
directory per cluster under /var/run/secrets/token-broker/clusters.
*/}}
{{- define "token-broker.clustersCa" -}}
{{- range $name, $cluster := .Values.kubernetes.clusters }}
{{- if and $cluster.caSecret $cluster.caSecret.name }}true{{ end }}
{{- end }}
{{- end }}
