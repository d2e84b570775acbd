"""The dlt peer of bench/p1-fact-initial-load.ts: one table of a PostgreSQL source into a dataset
(schema) of its own in the warehouse PostgreSQL, write_disposition="merge" on the primary key.

Set up for speed as dlt's performance docs advise: the ConnectorX backend streaming Arrow
batches (no Python objects per row), Arrow batches written as parquet and loaded with ADBC's
COPY into PostgreSQL, parallel normalize and load workers, and files split so loads run side by side.
Run by the bench under the venv bench/peers/install.sh builds:
  python dlt_load.py SOURCE_URL SOURCE_SCHEMA TABLE PRIMARY_KEY WAREHOUSE_URL DATASET
Prints one JSON line: the rows dlt says it extracted and its load id.
"""

import json
import os
import sys
import tempfile

# dlt reads its settings from the environment; set before dlt is imported. No telemetry (this
# machine reaches no such endpoint, and a benchmark should not try).
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
os.environ.setdefault("NORMALIZE__WORKERS", os.environ.get("BENCH_DLT_WORKERS", "2"))
os.environ.setdefault("LOAD__WORKERS", os.environ.get("BENCH_DLT_WORKERS", "2"))
if os.environ.get("BENCH_DLT_FILE_MAX_ITEMS"):
    os.environ.setdefault("DATA_WRITER__FILE_MAX_ITEMS", os.environ["BENCH_DLT_FILE_MAX_ITEMS"])

import dlt  # noqa: E402
from dlt.sources.sql_database import sql_table  # noqa: E402

CHUNK_SIZE = int(os.environ.get("BENCH_DLT_CHUNK_SIZE", "100000"))
BACKEND = os.environ.get("BENCH_DLT_BACKEND", "connectorx")
FILE_FORMAT = os.environ.get("BENCH_DLT_FILE_FORMAT", "parquet")


def main() -> None:
    source_url, source_schema, table, key, warehouse_url, dataset = sys.argv[1:7]
    backend_kwargs = {"return_type": "arrow_stream", "batch_size": CHUNK_SIZE} if BACKEND == "connectorx" else None
    resource = sql_table(
        credentials=source_url,
        schema=source_schema,
        table=table,
        backend=BACKEND,
        backend_kwargs=backend_kwargs,
        chunk_size=CHUNK_SIZE,
        reflection_level="full_with_precision",
        write_disposition="merge",
        primary_key=key,
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_p1_dlt",
        # A fresh local state each run: the bench drops the dataset before it starts.
        pipelines_dir=tempfile.mkdtemp(prefix="bench-p1-dlt-"),
        destination=dlt.destinations.postgres(credentials=warehouse_url),
        dataset_name=dataset,
    )
    info = pipeline.run(resource, loader_file_format=FILE_FORMAT)
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get(table, 0)
    print(json.dumps({"rows": rows, "loadId": info.loads_ids[-1] if info.loads_ids else None}))


if __name__ == "__main__":
    main()
