# shellcheck shell=bash
# Source me: `. infra/local/env.sh`. Addresses of the local stack for tests and the CLI
# (superuser URLs; the least-privilege roles are in secrets.json).
export TEMPORAL_ADDRESS=127.0.0.1:7233
export TRIBUTARY_PG_SOURCE_US=postgres://postgres:postgres@127.0.0.1:55432/app
export TRIBUTARY_PG_SOURCE_EU=postgres://postgres:postgres@127.0.0.1:55433/app
export TRIBUTARY_PG_WAREHOUSE=postgres://postgres:postgres@127.0.0.1:55434/warehouse
export TRIBUTARY_KAFKA_US_CELL_1=127.0.0.1:19092
export TRIBUTARY_KAFKA_US_CELL_2=127.0.0.1:19093
export TRIBUTARY_KAFKA_EU_CELL_1=127.0.0.1:19094
# us-cell-1's SASL_PLAINTEXT listener (SCRAM-SHA-256; users are made by the tests).
export TRIBUTARY_KAFKA_US_CELL_1_SASL=127.0.0.1:19095
# Its TLS listeners (the local CA in .local-stack/tls): SASL_SSL with SCRAM-SHA-256, and SSL
# that requires a client certificate (.local-stack/tls/client.crt and client.key).
export TRIBUTARY_KAFKA_US_CELL_1_SASL_SSL=127.0.0.1:19096
export TRIBUTARY_KAFKA_US_CELL_1_SSL=127.0.0.1:19097
# S3-compatible store for the S3 stage (versitygw; dev-only root account, also in secrets.json).
export TRIBUTARY_S3_ENDPOINT=http://127.0.0.1:59000
export TRIBUTARY_S3_REGION=us-east-1
export TRIBUTARY_S3_BUCKET=tributary-stage
export TRIBUTARY_S3_ACCESS_KEY_ID=tributary
export TRIBUTARY_S3_SECRET_ACCESS_KEY=tributary-local
# Kafka Connect REST APIs (Debezium PostgreSQL connector installed), one worker per region:
# HTTPS (the local CA) with basic auth, user and password as secret "connect-local" in secrets.json.
export TRIBUTARY_CONNECT_US=https://127.0.0.1:18083
export TRIBUTARY_CONNECT_EU=https://127.0.0.1:18084
# Prometheus (API only): scrapes the workers listed in .local-stack/prometheus/targets/*.json and :9464.
export TRIBUTARY_PROMETHEUS_URL=http://127.0.0.1:9090
