#!/usr/bin/env bash
# The `tributary` command: runs the TypeScript CLI with tsx from this checkout.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../node_modules/.bin/tsx" "$here/main.ts" "$@"
