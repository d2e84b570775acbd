{{/* Names, labels and the look-ups the templates share. */}}

{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tributary.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "tributary.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "tributary.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tributary.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "tributary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tributary
{{- end -}}

{{- define "tributary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tributary.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tributary.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- /* The build the workers run as under Worker Versioning: the image tag. */ -}}
{{- define "tributary.buildId" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- /* The build id as a label value and a name part. */ -}}
{{- define "tributary.buildLabel" -}}
{{- regexReplaceAll "[^a-z0-9.-]" (lower (include "tributary.buildId" .)) "-" | trunc 40 | trimSuffix "-" | trimSuffix "." -}}
{{- end -}}

{{- /* Labels that tell one worker Deployment's pods from another's: pool, region and, under versioning, build. */ -}}
{{- define "tributary.workerLabels" -}}
app.kubernetes.io/component: worker
tributary.io/pool: {{ .d.pool }}
tributary.io/region: {{ .d.region }}
{{- if .root.Values.workerVersioning.enabled }}
tributary.io/build: {{ include "tributary.buildLabel" .root }}
{{- end }}
{{- end -}}

{{- define "tributary.configMapName" -}}
{{- printf "%s-config" (include "tributary.fullname" .) -}}
{{- end -}}

{{/* Where the config file is mounted; TRIBUTARY_CONFIG points here. */}}
{{- define "tributary.configPath" -}}/etc/tributary/config.yaml{{- end -}}

{{/* The Prometheus port, from the config (the worker serves it; probes and scraping use it). */}}
{{- define "tributary.metricsPort" -}}
{{- $port := dig "metrics" "prometheus" "port" "" .Values.config -}}
{{- required "config.metrics.prometheus.port is required: the workers' probes and Prometheus scraping use it" $port -}}
{{- end -}}

{{/*
Every region a pipeline runs in (its own regions, else every region of its source), as a
JSON list: the same rule as allRegions() in config/resolve.ts. One task queue each.
*/}}
{{- define "tributary.regions" -}}
{{- $regions := dict -}}
{{- $sources := .Values.config.sources | default dict -}}
{{- range .Values.config.pipelines | default list -}}
{{- if .regions -}}
{{- range .regions -}}{{- $_ := set $regions . true -}}{{- end -}}
{{- else -}}
{{- $src := get $sources (toString .source) | default dict -}}
{{- range concat ($src.servers | default list) ($src.clusters | default list) -}}{{- $_ := set $regions .region true -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- keys $regions | sortAlpha | toJson -}}
{{- end -}}

{{/*
The worker Deployments as a JSON list of {name, pool, region, settings}: every pool x region,
with the pool's settings laid over workers.defaults. Fails on a region no pipeline runs in,
a pool named twice, or a name too long for Kubernetes.
*/}}
{{- define "tributary.workerDeployments" -}}
{{- $all := include "tributary.regions" . | fromJsonArray -}}
{{- $fullname := include "tributary.fullname" . -}}
{{- $out := list -}}
{{- $seen := dict -}}
{{- range $i, $pool := .Values.workers.pools -}}
{{- if hasKey $seen $pool.name -}}
{{- fail (printf "workers.pools[%d].name: the pool name %q is used twice" $i $pool.name) -}}
{{- end -}}
{{- $_ := set $seen $pool.name true -}}
{{- $settings := mergeOverwrite (deepCopy $.Values.workers.defaults) (omit $pool "name" "regions") -}}
{{- $regions := $pool.regions | default $all -}}
{{- range $regions -}}
{{- if not (has . $all) -}}
{{- fail (printf "workers.pools[%d].regions: %q is not a region any pipeline runs in (%s)" $i . (join ", " $all)) -}}
{{- end -}}
{{- $name := printf "%s-%s-%s" $fullname $pool.name . -}}
{{- if $.Values.workerVersioning.enabled -}}
{{- $name = printf "%s-%s" $name (include "tributary.buildLabel" $) -}}
{{- end -}}
{{- if gt (len $name) 63 -}}
{{- fail (printf "workers.pools[%d]: the Deployment name %q is longer than 63 characters; shorten the release or pool name" $i $name) -}}
{{- end -}}
{{- $out = append $out (dict "name" $name "pool" $pool.name "region" . "settings" $settings) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
