{{- define "operator.name" -}}
{{- default (default "ballast" .Values.nameOverride) .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "operator.labels" -}}
app.kubernetes.io/name: ballast-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "operator.selector" -}}
app.kubernetes.io/name: ballast-operator
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end -}}

{{- define "operator.serviceAccountName" -}}
{{- default (printf "%s-manager" (include "operator.name" .)) .Values.manager.serviceAccount.name -}}
{{- end -}}

{{- define "operator.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "operator.namespaces" -}}
{{- if .Values.namespaceIsolation.enabled -}}
{{- join "," (prepend .Values.namespaceIsolation.additionalNamespaces .Release.Namespace | uniq) -}}
{{- end -}}
{{- end -}}

{{/* What the operator may do: everything the app chart creates, plus its own state. */}}
{{- define "operator.rules" -}}
- apiGroups: [apps.wandb.com]
  resources: [weightsandbiases]
  verbs: [get, list, watch, update, patch]
- apiGroups: [apps.wandb.com]
  resources: [weightsandbiases/status]
  verbs: [get, update, patch]
- apiGroups: [apps.wandb.com]
  resources: [weightsandbiases/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [configmaps, secrets, services, serviceaccounts, persistentvolumeclaims]
  verbs: [create, delete, get, list, patch, update, watch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [create, delete, get, list, patch, update, watch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [create, delete, get, list, patch, update, watch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [create, delete, get, list, patch, update, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [create, delete, get, list, patch, update, watch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [create, delete, get, list, patch, update, watch]
{{- end -}}

{{/* The given keys over safe defaults, key by key (sprig's merge would drop a given false). */}}
{{- define "operator.overlay" -}}
{{- $out := deepCopy .defaults -}}
{{- range $k, $v := (default dict .given) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
