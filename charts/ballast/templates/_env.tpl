{{/*
The environment of a Ballast container: exactly the server's configuration interface
(README.md "Configuration"; apps/server/src/config.ts), derived from W&B-style values. Secrets are
referenced from Secrets, never written here. Any name given in global.extraEnv, <component>.extraEnv
or <component>.env (in rising precedence) replaces the generated entry of that name.
Context: dict "root" $ "component" .Values.app "name" "app".
*/}}
{{- define "ballast.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $g := $v.global -}}
{{- $name := include "ballast.fullname" $root -}}
{{- $overrides := merge (dict) (default dict .component.env) (default dict .component.extraEnv) (default dict $g.extraEnv) -}}
{{- $env := list -}}
{{- $env = append $env (dict "name" "PORT" "value" "8080") -}}
{{- $env = append $env (dict "name" "BALLAST_DATA_DIR" "value" "/data") -}}
{{- $env = append $env (dict "name" "HOST" "value" (trimSuffix "/" $g.host)) -}}
{{- if or $g.license $g.licenseSecret.name -}}
{{- $ref := dict "name" (default (printf "%s-license" $name) $g.licenseSecret.name) "key" (ternary (default "license" $g.licenseSecret.key) "license" (not (empty $g.licenseSecret.name))) -}}
{{- $env = append $env (dict "name" "LICENSE" "value" (dict "valueFrom" (dict "secretKeyRef" $ref))) -}}
{{- end -}}
{{- $mysqlHost := include "ballast.mysqlHost" $root -}}
{{- if $mysqlHost -}}
{{- $env = append $env (dict "name" "MYSQL_PASSWORD" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (include "ballast.mysqlSecretName" $root) "key" (include "ballast.mysqlPasswordKey" $root))))) -}}
{{- $tls := ternary "true" "preferred" (not (empty $g.mysql.caCert)) -}}
{{- $env = append $env (dict "name" "MYSQL" "value" (printf "mysql://%s@%s:%v/%s?tls=%s" $g.mysql.user $mysqlHost $g.mysql.port $g.mysql.database $tls)) -}}
{{- if $g.mysql.caCert -}}
{{- $env = append $env (dict "name" "MYSQL_CA_CERT_PATH" "value" "/etc/ballast/mysql-ca/ca.pem") -}}
{{- end -}}
{{- end -}}
{{- $b := $g.bucket -}}
{{- if $b.name -}}
{{- $secret := include "ballast.bucketSecretName" $root -}}
{{- if and (eq $b.provider "s3") (include "ballast.bucketHasKeys" $root) -}}
{{- $env = append $env (dict "name" "BUCKET_ACCESS_KEY" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" (default "ACCESS_KEY" $b.secret.accessKeyName))))) -}}
{{- $env = append $env (dict "name" "BUCKET_SECRET_KEY" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" (default "SECRET_KEY" $b.secret.secretKeyName))))) -}}
{{- end -}}
{{- if eq $b.provider "az" -}}
{{- $slot := ternary (default "SECRET_KEY" $b.secret.secretKeyName) "ACCESS_KEY" (or (not (empty $b.secretKey)) (not (empty $b.secret.secretName))) -}}
{{- $env = append $env (dict "name" "AZURE_STORAGE_KEY" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" $slot)))) -}}
{{- end -}}
{{- $env = append $env (dict "name" "BUCKET" "value" (include "ballast.bucketUrl" $root)) -}}
{{- if and (eq $b.provider "s3") $b.region -}}
{{- $env = append $env (dict "name" "AWS_REGION" "value" $b.region) -}}
{{- end -}}
{{- if and (eq $b.provider "s3") $b.kmsKey -}}
{{- $env = append $env (dict "name" "AWS_S3_KMS_ID" "value" $b.kmsKey) -}}
{{- end -}}
{{- if $g.bucketQueue -}}
{{- $env = append $env (dict "name" "BUCKET_QUEUE" "value" $g.bucketQueue) -}}
{{- end -}}
{{- end -}}
{{- $redisHost := include "ballast.redisHost" $root -}}
{{- if $redisHost -}}
{{- $port := first (splitList "?" (toString $g.redis.port)) -}}
{{- $secret := include "ballast.redisSecret" $root -}}
{{- if $secret -}}
{{- $parts := splitList "|" $secret -}}
{{- $env = append $env (dict "name" "REDIS_PASSWORD" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (index $parts 0) "key" (index $parts 1))))) -}}
{{- $env = append $env (dict "name" "REDIS" "value" (printf "redis://:$(REDIS_PASSWORD)@%s:%s%s" $redisHost $port (include "ballast.redisQuery" $root))) -}}
{{- else -}}
{{- $env = append $env (dict "name" "REDIS" "value" (printf "redis://%s:%s%s" $redisHost $port (include "ballast.redisQuery" $root))) -}}
{{- end -}}
{{- end -}}
{{- $env = append $env (dict "name" "BALLAST_SESSION_LENGTH_HOURS" "value" (toString $g.auth.sessionLengthHours)) -}}
{{- $oidc := $g.auth.oidc -}}
{{- if $oidc.clientId -}}
{{- $env = append $env (dict "name" "OIDC_CLIENT_ID" "value" $oidc.clientId) -}}
{{- $env = append $env (dict "name" "OIDC_ISSUER" "value" $oidc.issuer) -}}
{{- if $oidc.authMethod }}{{ $env = append $env (dict "name" "OIDC_AUTH_METHOD" "value" $oidc.authMethod) }}{{ end -}}
{{- if $oidc.allowedDomains }}{{ $env = append $env (dict "name" "BALLAST_OIDC_ALLOWED_DOMAINS" "value" $oidc.allowedDomains) }}{{ end -}}
{{- if or $oidc.secret $oidc.oidcSecret.name -}}
{{- $env = append $env (dict "name" "OIDC_SECRET" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (default (printf "%s-oidc-secret" $name) $oidc.oidcSecret.name) "key" (default "OIDC_SECRET" $oidc.oidcSecret.secretKey))))) -}}
{{- end -}}
{{- end -}}
{{- $ldap := $g.ldap -}}
{{- if $ldap.enabled -}}
{{- $env = append $env (dict "name" "LDAP_ADDRESS" "value" $ldap.host) -}}
{{- $env = append $env (dict "name" "LDAP_BASE_DN" "value" $ldap.baseDN) -}}
{{- if $ldap.bindDN }}{{ $env = append $env (dict "name" "LDAP_BIND_DN" "value" $ldap.bindDN) }}{{ end -}}
{{- if $ldap.bindPW -}}
{{- $env = append $env (dict "name" "LDAP_BIND_PW" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (printf "%s-ldap-secret" $name) "key" "LDAP_BIND_PW")))) -}}
{{- end -}}
{{- if $ldap.attributes }}{{ $env = append $env (dict "name" "LDAP_ATTRIBUTES" "value" (toString $ldap.attributes)) }}{{ end -}}
{{- if $ldap.groupAllowList }}{{ $env = append $env (dict "name" "LDAP_GROUP_ALLOW_LIST" "value" (toString $ldap.groupAllowList)) }}{{ end -}}
{{- $env = append $env (dict "name" "LDAP_TLS_ENABLE" "value" (toString $ldap.tls)) -}}
{{- if $ldap.tlsCert.configMap.name -}}
{{- $env = append $env (dict "name" "LDAP_TLS_CA_CERT_PATH" "value" (printf "/etc/ballast/ldap-ca/%s" $ldap.tlsCert.configMap.key)) -}}
{{- end -}}
{{- end -}}
{{- $smtp := $g.email.smtp -}}
{{- if $smtp.host -}}
{{- $env = append $env (dict "name" "SMTP_HOST" "value" $smtp.host) -}}
{{- $env = append $env (dict "name" "SMTP_PORT" "value" (toString $smtp.port)) -}}
{{- if $smtp.user }}{{ $env = append $env (dict "name" "SMTP_USER" "value" $smtp.user) }}{{ end -}}
{{- if $smtp.password -}}
{{- $env = append $env (dict "name" "SMTP_PASSWORD" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (printf "%s-smtp-secret" $name) "key" "SMTP_PASSWORD")))) -}}
{{- end -}}
{{- if $smtp.mailFrom }}{{ $env = append $env (dict "name" "SMTP_FROM" "value" $smtp.mailFrom) }}{{ end -}}
{{- end -}}
{{- $env = append $env (dict "name" "BALLAST_SHUTDOWN_DRAIN_SECONDS" "value" (toString (default 0 $v.app.shutdownDrainSeconds))) -}}
{{- $env = append $env (dict "name" "BALLAST_CONSOLE_PASSWORD" "value" (dict "valueFrom" (dict "secretKeyRef" (dict "name" (printf "%s-password" $name) "key" "password")))) -}}
{{- if $g.operator.namespace -}}
{{- $env = append $env (dict "name" "BALLAST_CONSOLE_RESOURCE" "value" (printf "%s/%s" $root.Release.Namespace $root.Release.Name)) -}}
{{- end -}}
{{- if or $g.customCACerts $g.caCertsConfigMap -}}
{{- $env = append $env (dict "name" "NODE_EXTRA_CA_CERTS" "value" "/etc/ballast/ca/bundle.pem") -}}
{{- end -}}
{{- range $env }}
{{- if not (hasKey $overrides .name) }}
{{ include "ballast.envEntry" . }}
{{- end }}
{{- end }}
{{- range $key := keys $overrides | sortAlpha }}
{{ include "ballast.envEntry" (dict "name" $key "value" (index $overrides $key)) }}
{{- end }}
{{- end -}}
