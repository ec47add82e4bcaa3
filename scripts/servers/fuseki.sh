#!/usr/bin/env bash
# Apache Jena Fuseki 5.6.0 (jena-fuseki-main, the embeddable server, with log4j's slf4j binding) for the
# sparql source kind's tests. Debian's Fuseki is not packaged and npm has none, so the jars come from
# Maven Central through Maven (cached in ~/.m2) into ~/.cache/headwater/fuseki-<version>/libs.
# Idempotent; nothing is started here: test/services/fuseki.ts runs one in-memory server per test file.
# Under CI=true a failure is fatal; elsewhere the SPARQL tests skip themselves, saying what is missing.
set -euo pipefail
# shellcheck source=../lib/maven-fetch.sh
source "$(dirname "$0")/../lib/maven-fetch.sh"

version="${HEADWATER_FUSEKI_VERSION:-5.6.0}"
log4j="${HEADWATER_FUSEKI_LOG4J_VERSION:-2.24.3}"
dir="${HEADWATER_FUSEKI_HOME:-$HOME/.cache/headwater/fuseki-$version}"
libs="$dir/libs"

give_up() {
  echo "servers/fuseki: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "servers/fuseki: continuing; the SPARQL tests will be skipped" >&2
  exit 0
}

if [ -f "$libs/.complete" ]; then
  echo "servers/fuseki: Fuseki $version present in $libs"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v mvn >/dev/null || give_up "mvn is not installed"

rm -rf "$libs"
mkdir -p "$libs"
echo "servers/fuseki: fetching Fuseki $version jars from Maven Central into $libs"
maven_fetch fuseki-server "$libs" "
    <dependency><groupId>org.apache.jena</groupId><artifactId>jena-fuseki-main</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$log4j</version></dependency>" \
  || give_up "mvn could not fetch org.apache.jena:jena-fuseki-main:$version"
touch "$libs/.complete"
echo "servers/fuseki: done ($(ls "$libs" | wc -l) jars)"
