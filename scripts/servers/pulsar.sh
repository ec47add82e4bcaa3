#!/usr/bin/env bash
# Apache Pulsar (the broker's jars from Maven Central, run as a standalone on Java 17) for the pulsar
# source kind's tests: Debian and npm have no Pulsar server, so its jars come through Maven (cached in
# ~/.m2) into ~/.cache/headwater/pulsar-<version>/libs. The pom imports the org.apache.pulsar:pulsar
# BOM, else Maven mixes OpenTelemetry versions and the broker dies at start (NoSuchMethodError).
# Idempotent; nothing is started here: test/services/pulsar.ts runs a private standalone per test
# file. Under CI=true a failure is fatal; elsewhere the Pulsar tests skip themselves, saying why.
set -euo pipefail
# shellcheck source=../lib/maven-fetch.sh
source "$(dirname "$0")/../lib/maven-fetch.sh"

version="${HEADWATER_PULSAR_VERSION:-4.2.4}"
dir="${HEADWATER_PULSAR_HOME:-$HOME/.cache/headwater/pulsar-$version}"
libs="$dir/libs"

give_up() {
  echo "servers/pulsar: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "servers/pulsar: continuing; the Pulsar tests will be skipped" >&2
  exit 0
}

if [ -f "$libs/.complete" ]; then
  echo "servers/pulsar: Pulsar $version present in $libs"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"

rm -rf "$libs"
mkdir -p "$libs"
echo "servers/pulsar: fetching Pulsar $version broker jars from Maven Central into $libs (~460 MB the first time)"
maven_fetch pulsar-standalone "$libs" "
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>pulsar-broker</artifactId><version>$version</version></dependency>" "
    <dependency><groupId>org.apache.pulsar</groupId><artifactId>pulsar</artifactId><version>$version</version><type>pom</type><scope>import</scope></dependency>" \
  || give_up "mvn could not fetch org.apache.pulsar:pulsar-broker:$version"
touch "$libs/.complete"
echo "servers/pulsar: done ($(ls "$libs" | wc -l) jars)"
