#!/usr/bin/env bash
# Apache Cassandra (cassandra-all from Maven Central, run on Java 17) for the Cassandra driver tests:
# Debian and npm have no Cassandra server, so its jars come through Maven (cached in ~/.m2) into
# ~/.cache/headwater/cassandra-<version>/libs. Idempotent. Under CI=true a failure is fatal;
# elsewhere the Cassandra tests skip themselves, saying what is missing.
set -euo pipefail
# shellcheck source=../lib/maven-fetch.sh
source "$(dirname "$0")/../lib/maven-fetch.sh"

version="${HEADWATER_CASSANDRA_VERSION:-5.0.9}"
dir="${HEADWATER_CASSANDRA_HOME:-$HOME/.cache/headwater/cassandra-$version}"
libs="$dir/libs"

give_up() {
  echo "servers/cassandra: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "servers/cassandra: continuing; the Cassandra tests will be skipped" >&2
  exit 0
}

if [ -f "$libs/.complete" ]; then
  echo "servers/cassandra: Cassandra $version present in $libs"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"

rm -rf "$libs"
mkdir -p "$libs"
echo "servers/cassandra: fetching Cassandra $version jars from Maven Central into $libs"
maven_fetch cassandra-server "$libs" "
    <dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>$version</version></dependency>" \
  || give_up "mvn could not fetch org.apache.cassandra:cassandra-all:$version"
touch "$libs/.complete"
echo "servers/cassandra: done ($(ls "$libs" | wc -l) jars)"
