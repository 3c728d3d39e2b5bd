{{/* Name prefix of every resource: "atendo" unless overridden (gateway-envoy/envoy.yaml assumes it). */}}
{{- define "atendo.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "atendo.labels" -}}
app.kubernetes.io/part-of: atendo
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector of one component: (dict "root" $ "name" "tenant") */}}
{{- define "atendo.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Image of one component: (dict "root" $ "name" "tenant") -> "<registry>atendo/tenant:<tag>" */}}
{{- define "atendo.image" -}}
{{- printf "%satendo/%s:%s" .root.Values.image.registry .name .root.Values.image.tag -}}
{{- end -}}

{{/* Base URL of a service inside the cluster. */}}
{{- define "atendo.serviceUrl" -}}
{{- $svc := index .root.Values.services .name -}}
{{- printf "http://%s-%s:%v" (include "atendo.fullname" .root) .name $svc.port -}}
{{- end -}}
