#!/usr/bin/env bash
# DuckDB extensions the engine loads when present (never downloaded at run time): `postgres_scanner`,
# which full PostgreSQL reads land through (binary COPY decoded in C++, several ctid ranges at once;
# bench/cases/postgres.ts; without it those reads land through a named pipe instead, more slowly),
# `excel`, which `headwater export --format xlsx` writes with (without it, xlsx is refused), and
# `iceberg` (with `avro`, which it loads to read Iceberg manifests) and `delta`, which the lakehouse
# kind reads Iceberg and Delta tables with (without them such a table is refused, naming this script).
#
# DuckDB's own repository is out of reach here, so each signed extension comes from its PyPI wheel
# (duckdb-extension-<name>, built for exactly this DuckDB version) and goes where `INSTALL <name>`
# would put it: $HEADWATER_DUCKDB_EXTENSIONS/v<version>/<platform>/<name>.duckdb_extension
# (default ~/.cache/headwater/duckdb-extensions; src/engine/workspace/duckdb.ts reads the same).
# Idempotent. Under CI=true a failure is fatal; elsewhere a warning.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

give_up() {
  echo "install-duckdb-extensions: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-duckdb-extensions: continuing; full PostgreSQL reads will land through a pipe, xlsx export and Iceberg and Delta tables are refused" >&2
  exit 0
}

bindings=node_modules/@duckdb/node-bindings/package.json
[ -f "$bindings" ] || give_up "$bindings is missing (run npm install first)"
version="$(node -p "require('./$bindings').version.split('-')[0]")"
case "$(uname -m)" in
  x86_64) platform=linux_amd64; wheel_platform=manylinux2014_x86_64 ;;
  aarch64) platform=linux_arm64; wheel_platform=manylinux2014_aarch64 ;;
  *) give_up "no prebuilt DuckDB extensions for $(uname -m)" ;;
esac

root="${HEADWATER_DUCKDB_EXTENSIONS:-$HOME/.cache/headwater/duckdb-extensions}"
# <wheel name>:<extension file name in the wheel>:<name DuckDB loads it by>
for spec in postgres:postgres:postgres_scanner excel:excel:excel avro:avro:avro iceberg:iceberg:iceberg delta:delta:delta; do
  IFS=: read -r wheel_name file_name name <<<"$spec"
  target="$root/v$version/$platform/$name.duckdb_extension"
  [ -s "$target" ] && continue
  python="${PYTHON:-python3}"
  command -v "$python" >/dev/null || give_up "$python is missing (scripts/install-system.sh installs python3)"
  download="$(mktemp -d)"
  echo "install-duckdb-extensions: fetching $name for DuckDB v$version ($platform) from PyPI"
  "$python" -m pip download -q --no-deps --only-binary=:all: --platform "$wheel_platform" \
    -d "$download" "duckdb-extension-$wheel_name==$version" || give_up "pip download duckdb-extension-$wheel_name==$version failed"
  mkdir -p "$(dirname "$target")"
  "$python" - "$download" "$target" "$version" "$file_name" <<'PY' || give_up "the wheel does not hold the v$version $name extension"
import glob, shutil, sys, zipfile
download, target, version, file_name = sys.argv[1:]
(wheel,) = glob.glob(f"{download}/*.whl")
with zipfile.ZipFile(wheel) as z:
    (member,) = [n for n in z.namelist() if n.endswith(f"/v{version}/{file_name}.duckdb_extension")]
    with z.open(member) as src, open(target + ".part", "wb") as out:
        shutil.copyfileobj(src, out)
shutil.move(target + ".part", target)
PY
  rm -rf "$download"
done

# Proves DuckDB accepts them (signature, version) before anything relies on them.
HEADWATER_DUCKDB_EXTENSIONS="$root" node --input-type=module -e "
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { extension_directory: process.env.HEADWATER_DUCKDB_EXTENSIONS, autoinstall_known_extensions: 'false' });
  const connection = await db.connect();
  await connection.run('LOAD postgres_scanner');
  await connection.run('LOAD excel');
  await connection.run('LOAD iceberg');
  await connection.run('LOAD delta');
" || give_up "DuckDB v$version refuses an extension in $root"
echo "install-duckdb-extensions: ready (postgres_scanner, excel, avro, iceberg and delta for DuckDB v$version in $root)"
