{{/* The release's name for its objects, at most 63 characters. */}}
{{- define "clear-telemetry.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "clear-telemetry.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "clear-telemetry.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: bot
{{- end -}}

{{- define "clear-telemetry.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "clear-telemetry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ .Values.serviceAccount.name | default (include "clear-telemetry.fullname" .) }}
{{- else -}}
{{ .Values.serviceAccount.name | default "default" }}
{{- end -}}
{{- end -}}

{{- define "clear-telemetry.slackSecret" -}}
{{ .Values.slack.existingSecret | default (printf "%s-slack" (include "clear-telemetry.fullname" .)) }}
{{- end -}}

{{- define "clear-telemetry.databaseSecret" -}}
{{ .Values.database.existingSecret | default (printf "%s-database" (include "clear-telemetry.fullname" .)) }}
{{- end -}}

{{/* REDIS_URL: the one given, or the release's own Redis. */}}
{{- define "clear-telemetry.redisUrl" -}}
{{- if .Values.redis.url -}}
{{ .Values.redis.url }}
{{- else if .Values.redis.enabled -}}
{{ printf "redis://%s-redis:6379" (include "clear-telemetry.fullname" .) }}
{{- end -}}
{{- end -}}

{{/*
The shutdown's budget in seconds (CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT, e.g. 20s): the pod's grace
period is above it, so a graceful stop always completes before Kubernetes kills the container.
*/}}
{{- define "clear-telemetry.shutdownSeconds" -}}
{{- $value := .Values.env.CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT | default "20s" | toString -}}
{{- if hasSuffix "ms" $value -}}{{ div (trimSuffix "ms" $value | int) 1000 }}
{{- else if hasSuffix "m" $value -}}{{ mul (trimSuffix "m" $value | int) 60 }}
{{- else -}}{{ trimSuffix "s" $value | int }}
{{- end -}}
{{- end -}}

{{/* The security context every container of the release runs with. */}}
{{- define "clear-telemetry.containerSecurity" -}}
{{ toYaml .Values.securityContext }}
{{- end -}}
