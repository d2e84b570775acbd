# The two commands a new machine needs:  make demo  and  make test.
# Both install what is missing (npm packages, PostgreSQL, Kafka jars, the Temporal CLI; all
# cached outside the repo) and start the local stack, which keeps running afterwards
# (make stack-stop stops it).

.PHONY: demo test stack stack-stop stack-status install bench

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

install: node_modules/.package-lock.json
	bash infra/local/install.sh

stack: install
	bash infra/local/start.sh

stack-stop:
	bash infra/local/stop.sh

stack-status:
	bash infra/local/status.sh

demo: stack
	./cli/bin.sh demo

test: stack
	npm test

# Benchmarks (not part of make test): each writes bench/results/<name>.json.
bench: stack
	node --import tsx bench/p1-fact-initial-load.ts
