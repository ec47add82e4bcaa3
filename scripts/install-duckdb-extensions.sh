#!/usr/bin/env bash
# DuckDB extensions the engine loads when present (never downloaded at run time): `postgres_scanner`,
# which full PostgreSQL reads land through (binary COPY decoded in C++, several ctid ranges at once;
# bench/cases/postgres.ts). Without it those reads land through a named pipe instead, more slowly.
#
# DuckDB's own repository is out of reach here, so the signed extension comes from its PyPI wheel
# (duckdb-extension-postgres, built for exactly this DuckDB version) and goes where `INSTALL postgres`
# would put it: $HEADWATER_DUCKDB_EXTENSIONS/v<version>/<platform>/postgres_scanner.duckdb_extension
# (default ~/.cache/headwater/duckdb-extensions; src/engine/workspace/duckdb.ts reads the same).
# Idempotent. Under CI=true a failure is fatal; elsewhere a warning.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

give_up() {
  echo "install-duckdb-extensions: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "install-duckdb-extensions: continuing; full PostgreSQL reads will land through a pipe" >&2
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
target="$root/v$version/$platform/postgres_scanner.duckdb_extension"
if [ ! -s "$target" ]; then
  python="${PYTHON:-python3}"
  command -v "$python" >/dev/null || give_up "$python is missing (scripts/install-system.sh installs python3)"
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  echo "install-duckdb-extensions: fetching postgres_scanner for DuckDB v$version ($platform) from PyPI"
  "$python" -m pip download -q --no-deps --only-binary=:all: --platform "$wheel_platform" \
    -d "$download" "duckdb-extension-postgres==$version" || give_up "pip download duckdb-extension-postgres==$version failed"
  mkdir -p "$(dirname "$target")"
  "$python" - "$download" "$target" "$version" <<'PY' || give_up "the wheel does not hold the v$version extension"
import glob, shutil, sys, zipfile
download, target, version = sys.argv[1:]
(wheel,) = glob.glob(f"{download}/*.whl")
with zipfile.ZipFile(wheel) as z:
    (member,) = [n for n in z.namelist() if n.endswith(f"/v{version}/postgres.duckdb_extension")]
    with z.open(member) as src, open(target + ".part", "wb") as out:
        shutil.copyfileobj(src, out)
shutil.move(target + ".part", target)
PY
fi

# Proves DuckDB accepts it (signature, version) before anything relies on it.
HEADWATER_DUCKDB_EXTENSIONS="$root" node --input-type=module -e "
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { extension_directory: process.env.HEADWATER_DUCKDB_EXTENSIONS, autoinstall_known_extensions: 'false' });
  await (await db.connect()).run('LOAD postgres_scanner');
" || give_up "DuckDB v$version refuses $target"
echo "install-duckdb-extensions: ready (postgres_scanner for DuckDB v$version in $root)"
