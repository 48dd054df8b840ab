{{/* A Deployment of the Ballast image. Context: dict "root" $ "component" .Values.app "name" "app". */}}
{{- define "ballast.deployment" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $c := .component -}}
{{- $name := printf "%s-%s" (include "ballast.fullname" $root) .name -}}
{{- $embedded := include "ballast.embedded" $root -}}
{{- $cas := or $v.global.customCACerts $v.global.caCertsConfigMap -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "ballast.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  {{- if not (dig "autoscaling" "horizontal" "enabled" false $c) }}
  replicas: {{ ternary 1 $c.replicaCount (not (empty $embedded)) }}
  {{- end }}
  {{- if $embedded }}
  # One pod owns the data volume; a rolling update would start a second one beside it.
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "ballast.selector" (dict "root" $root "component" .name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ballast.selector" (dict "root" $root "component" .name) | nindent 8 }}
        {{- with (dig "pod" "labels" (dict) $c) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Restart the pods when a chart-owned Secret they read changes.
        checksum/secrets: {{ include (print $root.Template.BasePath "/secrets.yaml") $root | sha256sum }}
        {{- with (dig "pod" "annotations" (dict) $c) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "ballast.serviceAccountName" (dict "root" $root "component" $c "name" .name) }}
      {{- with $v.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "ballast.podSecurityContext" (dict "component" $c) | nindent 8 }}
      terminationGracePeriodSeconds: {{ add (default 0 $v.app.shutdownDrainSeconds) 15 }}
      {{- if $cas }}
      initContainers:
        # Node trusts one extra CA file (NODE_EXTRA_CA_CERTS): join every .crt into it.
        - name: ca-bundle
          image: {{ include "ballast.image" $root }}
          imagePullPolicy: {{ $v.app.image.pullPolicy }}
          command: ["/bin/sh", "-c", "cat /etc/ballast/ca-sources/*/*.crt > /etc/ballast/ca/bundle.pem"]
          securityContext:
            {{- include "ballast.containerSecurityContext" (dict "component" $c) | nindent 12 }}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 64Mi}
          volumeMounts:
            - {name: ca-bundle, mountPath: /etc/ballast/ca}
            {{- if $v.global.customCACerts }}
            - {name: ca-inline, mountPath: /etc/ballast/ca-sources/inline, readOnly: true}
            {{- end }}
            {{- if $v.global.caCertsConfigMap }}
            - {name: ca-configmap, mountPath: /etc/ballast/ca-sources/configmap, readOnly: true}
            {{- end }}
      {{- end }}
      containers:
        - name: ballast
          image: {{ include "ballast.image" $root }}
          imagePullPolicy: {{ $v.app.image.pullPolicy }}
          args: ["server"]
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
          env:
            {{- include "ballast.env" (dict "root" $root "component" $c "name" .name) | trim | nindent 12 }}
          securityContext:
            {{- include "ballast.containerSecurityContext" (dict "component" $c) | nindent 12 }}
          {{- with $c.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          livenessProbe:
            {{- toYaml $v.app.livenessProbe | nindent 12 }}
          readinessProbe:
            {{- toYaml $v.app.readinessProbe | nindent 12 }}
          startupProbe:
            {{- toYaml $v.app.startupProbe | nindent 12 }}
          volumeMounts:
            - {name: data, mountPath: /data}
            - {name: tmp, mountPath: /tmp}
            {{- if $cas }}
            - {name: ca-bundle, mountPath: /etc/ballast/ca, readOnly: true}
            {{- end }}
            {{- if $v.global.mysql.caCert }}
            - {name: mysql-ca, mountPath: /etc/ballast/mysql-ca, readOnly: true}
            {{- end }}
            {{- if $v.global.redis.caCert }}
            - {name: redis-ca, mountPath: /etc/ballast/redis-ca, readOnly: true}
            {{- end }}
            {{- if and $v.global.ldap.enabled $v.global.ldap.tlsCert.configMap.name }}
            - {name: ldap-ca, mountPath: /etc/ballast/ldap-ca, readOnly: true}
            {{- end }}
      volumes:
        {{- if and $embedded (eq .name "app") }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ include "ballast.fullname" $root }}-data
        {{- else }}
        - name: data
          emptyDir: {}
        {{- end }}
        - name: tmp
          emptyDir: {}
        {{- if $cas }}
        - name: ca-bundle
          emptyDir: {medium: Memory, sizeLimit: 8Mi}
        {{- if $v.global.customCACerts }}
        - name: ca-inline
          configMap:
            name: {{ include "ballast.fullname" $root }}-ca-certs
        {{- end }}
        {{- if $v.global.caCertsConfigMap }}
        - name: ca-configmap
          configMap:
            name: {{ $v.global.caCertsConfigMap }}
            optional: true
        {{- end }}
        {{- end }}
        {{- if $v.global.mysql.caCert }}
        - name: mysql-ca
          configMap:
            name: {{ include "ballast.fullname" $root }}-mysql-ca-cert
            items: [{key: ca.pem, path: ca.pem}]
        {{- end }}
        {{- if $v.global.redis.caCert }}
        - name: redis-ca
          configMap:
            name: {{ include "ballast.fullname" $root }}-redis-ca-cert
            items: [{key: ca.pem, path: ca.pem}]
        {{- end }}
        {{- if and $v.global.ldap.enabled $v.global.ldap.tlsCert.configMap.name }}
        - name: ldap-ca
          configMap:
            name: {{ $v.global.ldap.tlsCert.configMap.name }}
        {{- end }}
      {{- with (default $v.global.nodeSelector $c.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $v.global.tolerations $c.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* Service, ServiceAccount, HPA and PDB of a component. */}}
{{- define "ballast.componentExtras" -}}
{{- $root := .root -}}
{{- $c := .component -}}
{{- $name := printf "%s-%s" (include "ballast.fullname" $root) .name }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "ballast.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
  {{- with $root.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $root.Values.service.type }}
  selector:
    {{- include "ballast.selector" (dict "root" $root "component" .name) | nindent 4 }}
  ports:
    - {name: http, port: 8080, targetPort: http, protocol: TCP}
{{- if $c.serviceAccount.create }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "ballast.serviceAccountName" (dict "root" $root "component" $c "name" .name) }}
  labels:
    {{- include "ballast.labels" $root | nindent 4 }}
  {{- with $c.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if dig "autoscaling" "horizontal" "enabled" false $c }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "ballast.labels" $root | nindent 4 }}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ $name }}}
  minReplicas: {{ $c.autoscaling.horizontal.minReplicas }}
  maxReplicas: {{ $c.autoscaling.horizontal.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ $c.autoscaling.horizontal.targetCPUUtilizationPercentage }}}
{{- end }}
{{- if dig "podDisruptionBudget" "enabled" false $c }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "ballast.labels" $root | nindent 4 }}
spec:
  maxUnavailable: {{ $c.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "ballast.selector" (dict "root" $root "component" .name) | nindent 6 }}
{{- end }}
{{- end -}}
