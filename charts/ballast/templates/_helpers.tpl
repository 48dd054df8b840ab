{{/* Object names follow W&B's chart: <release>-<component>. */}}
{{- define "ballast.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "ballast.labels" -}}
app.kubernetes.io/name: ballast
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ballast.selector" -}}
app.kubernetes.io/name: ballast
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ballast.image" -}}
{{- $image := .Values.app.image -}}
{{- if $image.digest -}}
{{ $image.repository }}@{{ $image.digest }}
{{- else -}}
{{ $image.repository }}:{{ default .Chart.AppVersion $image.tag }}
{{- end -}}
{{- end -}}

{{/* MySQL host: the configured one, else the bundled server, else none (embedded SQLite). */}}
{{- define "ballast.mysqlHost" -}}
{{- if .Values.global.mysql.host -}}
{{ .Values.global.mysql.host }}
{{- else if .Values.mysql.install -}}
{{ include "ballast.fullname" . }}-mysql
{{- end -}}
{{- end -}}

{{- define "ballast.redisHost" -}}
{{- if .Values.global.redis.host -}}
{{ .Values.global.redis.host }}
{{- else if .Values.redis.install -}}
{{ include "ballast.fullname" . }}-redis
{{- end -}}
{{- end -}}

{{/* "true" when a data volume is needed: SQLite or local-disk objects. */}}
{{- define "ballast.embedded" -}}
{{- if or (not (include "ballast.mysqlHost" .)) (not .Values.global.bucket.name) -}}true{{- end -}}
{{- end -}}

{{- define "ballast.mysqlSecretName" -}}
{{- default (printf "%s-mysql" (include "ballast.fullname" .)) .Values.global.mysql.passwordSecret.name -}}
{{- end -}}
{{- define "ballast.mysqlPasswordKey" -}}
{{- if .Values.global.mysql.passwordSecret.name -}}{{ default "MYSQL_PASSWORD" .Values.global.mysql.passwordSecret.passwordKey }}{{- else -}}MYSQL_PASSWORD{{- end -}}
{{- end -}}

{{- define "ballast.bucketSecretName" -}}
{{- default (printf "%s-bucket" (include "ballast.fullname" .)) .Values.global.bucket.secret.secretName -}}
{{- end -}}
{{/* Whether bucket credentials exist: keys in values, or an existing Secret. */}}
{{- define "ballast.bucketHasKeys" -}}
{{- $b := .Values.global.bucket -}}
{{- if or $b.secret.secretName $b.accessKey $b.secretKey -}}true{{- end -}}
{{- end -}}

{{- define "ballast.redisSecret" -}}
{{- $r := .Values.global.redis -}}
{{- if $r.secret.secretName -}}
{{ $r.secret.secretName }}|{{ default "REDIS_PASSWORD" $r.secret.secretKey }}
{{- else if and $r.auth.enabled $r.auth.secret -}}
{{ $r.auth.secret }}|{{ default "REDIS_PASSWORD" $r.auth.key }}
{{- else if or $r.password .Values.redis.install -}}
{{ include "ballast.fullname" . }}-redis-secret|REDIS_PASSWORD
{{- end -}}
{{- end -}}

{{/*
REDIS's query: ttlInSeconds and tls as W&B renders them (a query in `port`, then parameters/params),
plus caCertPath when a CA is given. Only the keys the server reads are kept.
*/}}
{{- define "ballast.redisQuery" -}}
{{- $r := .Values.global.redis -}}
{{- $params := dict -}}
{{- $port := toString $r.port -}}
{{- if contains "?" $port -}}
{{- range (splitList "&" (index (splitList "?" $port) 1)) -}}
{{- $kv := splitList "=" . -}}
{{- if eq (len $kv) 2 }}{{ $_ := set $params (index $kv 0) (index $kv 1) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := (merge (dict) (default dict $r.params) (default dict $r.parameters)) -}}
{{- if ne (toString $v) "" }}{{ $_ := set $params $k (toString $v) }}{{ end -}}
{{- end -}}
{{- if $r.caCert -}}
{{- $_ := set $params "tls" "true" -}}
{{- $_ := set $params "caCertPath" "/etc/ballast/redis-ca/ca.pem" -}}
{{- end -}}
{{- $pairs := list -}}
{{- range $k := (keys $params | sortAlpha) -}}
{{- if has $k (list "tls" "ttlInSeconds" "caCertPath") -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (index $params $k)) -}}
{{- end -}}
{{- end -}}
{{- if $pairs }}?{{ join "&" $pairs }}{{ end -}}
{{- end -}}

{{/* The object store URL the server reads as BUCKET (docs/backends.md). */}}
{{- define "ballast.bucketUrl" -}}
{{- $b := .Values.global.bucket -}}
{{- $path := trimSuffix "/" (toString $b.path) -}}
{{- $tail := ternary "" (printf "/%s" $path) (eq $path "") -}}
{{- if eq $b.provider "gcs" -}}
gs://{{ $b.name }}{{ $tail }}
{{- else if eq $b.provider "az" -}}
az://{{ $b.name }}{{ $tail }}
{{- else if include "ballast.bucketHasKeys" . -}}
s3://$(BUCKET_ACCESS_KEY):$(BUCKET_SECRET_KEY)@{{ $b.name }}{{ $tail }}
{{- else -}}
s3://{{ $b.name }}{{ $tail }}
{{- end -}}
{{- end -}}

{{/*
Security contexts: the given keys over safe defaults, key by key. (sprig's merge treats false as
unset, so readOnlyRootFilesystem: false would be lost; each given key is set explicitly instead.)
A component's pod context comes from W&B's pod.securityContext or wandb-base's podSecurityContext.
*/}}
{{- define "ballast.overlay" -}}
{{- $out := deepCopy .defaults -}}
{{- range $given := .layers -}}
{{- range $k, $v := (default dict $given) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "ballast.podSecurityContext" -}}
{{- $c := .component -}}
{{- $defaults := dict "runAsNonRoot" true "runAsUser" 1001 "runAsGroup" 0 "fsGroup" 0 "fsGroupChangePolicy" "OnRootMismatch" "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- include "ballast.overlay" (dict "defaults" $defaults "layers" (list $c.podSecurityContext (dig "pod" "securityContext" (dict) $c))) -}}
{{- end -}}

{{- define "ballast.containerSecurityContext" -}}
{{- $c := .component -}}
{{- $defaults := dict "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true "privileged" false "capabilities" (dict "drop" (list "ALL")) -}}
{{- include "ballast.overlay" (dict "defaults" $defaults "layers" (list $c.securityContext (dig "container" "securityContext" (dict) $c))) -}}
{{- end -}}

{{- define "ballast.serviceAccountName" -}}
{{- default (printf "%s-%s" (include "ballast.fullname" .root) .name) .component.serviceAccount.name -}}
{{- end -}}

{{/* One env entry: a string value, or {valueFrom: …} as given. */}}
{{- define "ballast.envEntry" -}}
- name: {{ .name }}
{{- if kindIs "map" .value }}
{{ toYaml .value | indent 2 }}
{{- else }}
  value: {{ toString .value | quote }}
{{- end }}
{{- end -}}
