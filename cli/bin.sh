#!/usr/bin/env bash
# The `tributary` command: runs the TypeScript CLI from this checkout (node with tsx's loader,
# one process, so signals reach it directly), on the pinned Node.js of `make install` when this
# checkout has it (infra/local/node-path.sh), else on the node on PATH (the image's).
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
node_path="$here/../infra/local/node-path.sh"
# shellcheck source=../infra/local/node-path.sh
[ -f "$node_path" ] && . "$node_path"
cd "$here/.." && exec node --import tsx "$here/main.ts" "$@"
