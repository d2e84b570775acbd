#!/usr/bin/env bash
# Deploys one environment (a Pulumi stack). Jenkins runs the steps as stages; `make env-up
# STACK=<stack>` runs them all from a laptop.
#   deploy.sh image STACK   build the image (infra/docker/Dockerfile) and push it
#   deploy.sh up STACK      pulumi up: cloud resources, the namespace, then the Helm release
#                           (Pulumi runs the helm upgrade, with the new image tag and the cloud
#                           resources' names), then show the release's status and history
#   deploy.sh all STACK     both
# The image tag is $IMAGE_TAG, else the commit (with -dirty when the tree has changes).
# Needs: docker (image), the Pulumi CLI logged in to its backend, AWS credentials, and a
# kubeconfig for the cluster (KUBECONFIG, or the stack's secret tributary:kubeconfig).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/infra/pulumi"
# Pulumi runs the program with the node on PATH: the pinned one of make install.
# shellcheck source=../local/node-path.sh
. "$root/infra/local/node-path.sh"

die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf '[deploy] %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is needed: $2"; }

[ $# -eq 2 ] || die "usage: deploy.sh image|up|all STACK"
step="$1"
stack="$2"
[[ "$stack" =~ ^[a-z][a-z0-9-]*$ ]] || die "STACK must be a lower-case name like qa or prod, got \"$stack\""
[ -f "$here/Pulumi.$stack.yaml" ] || die "no stack file infra/pulumi/Pulumi.$stack.yaml (copy Pulumi.example.yaml and fill it in)"
tag="${IMAGE_TAG:-$(git -C "$root" describe --always --dirty --abbrev=12)}"

need pulumi "the Pulumi CLI (pulumi.com/docs/install), logged in to the stack's backend"
image="$(cd "$here" && pulumi config get tributary:image --stack "$stack")" || die "the stack $stack has no tributary:image"

build_and_push() {
  need docker "Docker with BuildKit, to build infra/docker/Dockerfile"
  log "building $image:$tag"
  DOCKER_BUILDKIT=1 docker build -f "$root/infra/docker/Dockerfile" -t "$image:$tag" "$root"
  log "pushing $image:$tag"
  docker push "$image:$tag"
}

pulumi_up() {
  [ -d "$here/node_modules" ] || die "infra/pulumi has no node_modules: run make install"
  log "pulumi up --stack $stack (image tag $tag)"
  (cd "$here" && pulumi up --stack "$stack" --yes --config "tributary:imageTag=$tag")
  local ns helm kubeconfig_args=()
  ns="$(cd "$here" && pulumi stack output namespace --stack "$stack")"
  helm="$(bash "$root/infra/local/install-helm.sh")"
  if (cd "$here" && pulumi config get tributary:kubeconfig --stack "$stack" >/dev/null 2>&1); then
    local kc
    kc="$(mktemp)"
    trap 'rm -f "$kc"' EXIT
    chmod 600 "$kc"
    (cd "$here" && pulumi config get tributary:kubeconfig --stack "$stack") >"$kc"
    kubeconfig_args=(--kubeconfig "$kc")
  fi
  "$helm" status tributary --namespace "$ns" "${kubeconfig_args[@]}"
  "$helm" history tributary --namespace "$ns" --max 5 "${kubeconfig_args[@]}"
}

case "$step" in
  image) build_and_push ;;
  up) pulumi_up ;;
  all) build_and_push && pulumi_up ;;
  *) die "usage: deploy.sh image|up|all STACK" ;;
esac
