#!/usr/bin/env bash
# Python tools for tests: moto (the local S3 server of the s3 driver tests), and what the generator
# tests prove generated files on: dlt (runs the generated sql_database, ClickHouse and lakehouse
# pipelines into DuckDB, with psycopg2, pymysql and pyarrow; the MongoDB source with pymongo) and
# datacontract-cli (lints generated contracts); deltalake (delta-rs) and pyiceberg (with its SQLite
# catalog) write the Delta and Iceberg tables the lakehouse tests read.
# They go in a virtualenv in the ignored .venv-tools/. Idempotent: a stamp names what is installed.
# Under CI=true a failure is fatal; elsewhere a warning, and the tests that need a tool skip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=.venv-tools
required=("dlt[duckdb,sql_database,parquet]" psycopg2-binary pymysql "moto[server]" pymongo deltalake "pyiceberg[sql-sqlite,pyarrow]")
optional=(datacontract-cli)
stamp="$venv/.installed-$(printf '%s ' "${required[@]}" | sha1sum | cut -c1-12)"

give_up() {
  echo "install-python-tools: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-python-tools: continuing; the dlt and datacontract-cli tests will be skipped" >&2
  exit 0
}

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || give_up "$python is missing (scripts/install-system.sh installs python3)"

if [ ! -f "$stamp" ]; then
  echo "install-python-tools: creating $venv with ${required[*]}"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || give_up "cannot create a virtualenv (python3-venv missing?)"
  "$venv/bin/python" -m pip install -q --upgrade pip || true
  "$venv/bin/python" -m pip install -q "${required[@]}" || give_up "pip install ${required[*]} failed"
  touch "$stamp"
fi

# datacontract-cli is optional: the contract lint test says so when it would not install.
if [ ! -x "$venv/bin/datacontract" ] && [ ! -f "$venv/.datacontract-failed" ]; then
  echo "install-python-tools: installing ${optional[*]}"
  if ! "$venv/bin/python" -m pip install -q "${optional[@]}"; then
    echo "install-python-tools: ${optional[*]} would not install; the contract lint test will say so" >&2
    date -u > "$venv/.datacontract-failed"
  fi
fi
echo "install-python-tools: ready ($("$venv/bin/python" -c 'import dlt; print("dlt", dlt.__version__)'))"
