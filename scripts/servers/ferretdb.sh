#!/usr/bin/env bash
# FerretDB (a MongoDB wire-protocol server on SQLite) for the MongoDB tests: no mongod is packaged in
# Debian or npm, so FerretDB is built from the Go module proxy into
# ~/.cache/headwater/ferretdb-<version>/bin/ferretdb. `go install` of the module gives a binary that
# panics at start (the module ships no build/version/version.txt), so it is built from a writable
# copy with that file added. Idempotent. Under CI=true a failure is fatal; elsewhere the MongoDB
# tests skip themselves, saying what is missing.
set -euo pipefail

version="${HEADWATER_FERRETDB_VERSION:-1.24.2}"
dir="${HEADWATER_FERRETDB_HOME:-$HOME/.cache/headwater/ferretdb-$version}"
binary="$dir/bin/ferretdb"

give_up() {
  echo "ferretdb: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "ferretdb: continuing; the MongoDB tests will be skipped" >&2
  exit 0
}

if [ -x "$binary" ] && [ -f "$dir/.complete" ]; then
  echo "ferretdb: FerretDB $version present in $dir"
  exit 0
fi
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || give_up "go is not installed"
go_bin="$(command -v go || echo /usr/local/go/bin/go)"
command -v python3 >/dev/null || give_up "python3 is not installed"

module_dir="$("$go_bin" mod download -json "github.com/FerretDB/FerretDB@v$version" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
  || give_up "go could not download github.com/FerretDB/FerretDB@v$version"

rm -rf "$dir"
mkdir -p "$dir/bin"
cp -r "$module_dir" "$dir/src"
chmod -R u+w "$dir/src"
echo "v$version" > "$dir/src/build/version/version.txt"
echo "ferretdb: building FerretDB $version into $binary (a few minutes the first time)"
(cd "$dir/src" && CGO_ENABLED=0 "$go_bin" build -o "$binary" ./cmd/ferretdb) \
  || give_up "go build of FerretDB $version failed"
rm -rf "$dir/src"
touch "$dir/.complete"
echo "ferretdb: done"
