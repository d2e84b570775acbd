#!/usr/bin/env bash
# The `tributary` command: runs the TypeScript CLI from this checkout (node with tsx's loader,
# one process, so signals reach it directly).
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$here/.." && exec node --import tsx "$here/main.ts" "$@"
