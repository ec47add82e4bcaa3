"""Writes the Iceberg and Delta tables the lakehouse tests read, with the tools data engineers use:
delta-rs (deltalake) for Delta, pyiceberg with a SQLite catalog for Iceberg. Both hold the same rows
(id 1..N, label 'event number <id>', amount id * 0.25 as decimal(12,2), year 2023 when id % 4 == 0
else 2024), partitioned by year, written in two commits (the first 60%, then the rest); the Delta
table gets a checkpoint at version 1, then deletes id 2. clicks_delta: 120 rows in 12 partitions. Usage: lake_tables.py <root> <rows>."""
import sys
from decimal import Decimal

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from pyiceberg.catalog.sql import SqlCatalog

root, rows = sys.argv[1], int(sys.argv[2])
ids = list(range(1, rows + 1))
table = pa.table({
    "id": pa.array(ids, pa.int64()),
    "label": pa.array([f"event number {i}" for i in ids], pa.string()),
    "amount": pa.array([Decimal(i) / 4 for i in ids], pa.decimal128(12, 2)),
    "year": pa.array([2023 if i % 4 == 0 else 2024 for i in ids], pa.int32()),
})
first = rows * 6 // 10

write_deltalake(f"{root}/orders_delta", table.slice(0, first), partition_by=["year"])
write_deltalake(f"{root}/orders_delta", table.slice(first), partition_by=["year"], mode="append")
# A checkpoint at version 1: the table's schema is then read from it, the delete's commit comes after.
DeltaTable(f"{root}/orders_delta").create_checkpoint()
DeltaTable(f"{root}/orders_delta").delete("id = 2")

# Twelve partitions of ten rows: more files than DuckDB's profile names one by one.
clicks = pa.table({"id": pa.array(range(120), pa.int64()), "part": pa.array([i % 12 for i in range(120)], pa.int32())})
write_deltalake(f"{root}/clicks_delta", clicks, partition_by=["part"])

catalog = SqlCatalog("hw", uri=f"sqlite:///{root}/catalog.db", warehouse=f"file://{root}")
catalog.create_namespace("lake")
iceberg = catalog.create_table("lake.orders_iceberg", schema=table.schema)
with iceberg.update_spec() as spec:
    spec.add_identity("year")
iceberg.append(table.slice(0, first))
iceberg.append(table.slice(first))
print(iceberg.metadata_location)
