#!/usr/bin/env bash
# OpenSearch (the integ-test zip: no security plugin, no bundled JDK) for the opensearch source kind's
# tests. Debian and npm have no OpenSearch server, so the zip comes from Maven Central through Maven
# (cached in ~/.m2) and is unpacked into ~/.cache/headwater/opensearch-<version>. Idempotent; nothing
# is started here: test/services/opensearch.ts runs a private node per test file. Under CI=true a
# failure is fatal; elsewhere the OpenSearch tests skip themselves, saying what is missing.
set -euo pipefail
version="${HEADWATER_OPENSEARCH_VERSION:-2.19.6}"
dir="${HEADWATER_OPENSEARCH_HOME:-$HOME/.cache/headwater/opensearch-$version}"

give_up() {
  echo "opensearch: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "opensearch: continuing; the OpenSearch tests will be skipped" >&2
  exit 0
}

if [ -f "$dir/.complete" ]; then
  echo "opensearch: OpenSearch $version present in $dir"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"
command -v unzip >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends unzip; } || give_up "unzip is not installed"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "opensearch: fetching org.opensearch.distribution.integ-test-zip:opensearch:$version:zip from Maven Central"
mvn -q -B dependency:copy -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$version:zip" -DoutputDirectory="$work" \
  || give_up "mvn could not fetch the OpenSearch $version integ-test zip"
unzip -q "$work/opensearch-$version.zip" -d "$work/unpacked"
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$work/unpacked/opensearch-$version" "$dir"
# The server refuses to run as root: tests start it as nobody, who must be able to read it.
chmod -R a+rX "$dir"
touch "$dir/.complete"
echo "opensearch: done ($dir)"
