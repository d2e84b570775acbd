"""The dlt peer of bench/p7-estate-onboarding.ts: dlt's sql_database source over one schema of a
PostgreSQL source (every table of it, as a new user onboards a schema), write_disposition="merge"
on each table's primary key as dlt reflects it, into a dataset (schema) of its own in the warehouse.
Same speed settings as dlt_load.py (ConnectorX, Arrow, parquet, ADBC COPY, parallel workers).
  python dlt_estate.py SOURCE_URL SOURCE_SCHEMA WAREHOUSE_URL DATASET TABLE[,TABLE...]
Prints one JSON line: rows extracted per table.
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
os.environ.setdefault("NORMALIZE__WORKERS", os.environ.get("BENCH_DLT_WORKERS", "2"))
os.environ.setdefault("LOAD__WORKERS", os.environ.get("BENCH_DLT_WORKERS", "2"))

import dlt  # noqa: E402
from dlt.sources.sql_database import sql_database  # noqa: E402

BACKEND = os.environ.get("BENCH_DLT_BACKEND", "connectorx")
CHUNK_SIZE = int(os.environ.get("BENCH_DLT_CHUNK_SIZE", "100000"))


def main() -> None:
    source_url, source_schema, warehouse_url, dataset, tables = sys.argv[1:6]
    backend_kwargs = {"return_type": "arrow_stream", "batch_size": CHUNK_SIZE} if BACKEND == "connectorx" else None
    source = sql_database(
        credentials=source_url,
        schema=source_schema,
        table_names=tables.split(","),
        backend=BACKEND,
        backend_kwargs=backend_kwargs,
        chunk_size=CHUNK_SIZE,
        reflection_level="full_with_precision",
    ).with_resources(*tables.split(","))
    # sql_database reflects each table's primary key; merge on it.
    for resource in source.resources.values():
        resource.apply_hints(write_disposition="merge")
    pipeline = dlt.pipeline(
        pipeline_name="bench_p7_dlt",
        pipelines_dir=tempfile.mkdtemp(prefix="bench-p7-dlt-"),
        destination=dlt.destinations.postgres(credentials=warehouse_url),
        dataset_name=dataset,
    )
    info = pipeline.run(source, loader_file_format=os.environ.get("BENCH_DLT_FILE_FORMAT", "parquet"))
    info.raise_on_failed_jobs()
    print(json.dumps({"rows": pipeline.last_trace.last_normalize_info.row_counts}))


if __name__ == "__main__":
    main()
