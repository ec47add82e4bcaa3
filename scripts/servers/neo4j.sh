#!/usr/bin/env bash
# Neo4j 5.26 community, embedded with Bolt, for the neo4j source kind's tests. Debian and npm have no
# Neo4j server (and the tarball is not on a registry), so the jars come from Maven Central through Maven
# (cached in ~/.m2) into ~/.cache/headwater/neo4j-<version>/libs, and a tiny Java main
# (scripts/servers/neo4j/HeadwaterNeo4j.java, compiled here) runs the database with Bolt on a loopback
# port. Idempotent; nothing is started here: test/services/neo4j.ts runs one server per test file.
# Under CI=true a failure is fatal; elsewhere the Neo4j tests skip themselves, saying what is missing.
set -euo pipefail
# shellcheck source=../lib/maven-fetch.sh
source "$(dirname "$0")/../lib/maven-fetch.sh"
here="$(cd "$(dirname "$0")" && pwd)"

version="${HEADWATER_NEO4J_VERSION:-5.26.30}"
dir="${HEADWATER_NEO4J_HOME:-$HOME/.cache/headwater/neo4j-$version}"
libs="$dir/libs"
main="$here/neo4j/HeadwaterNeo4j.java"

give_up() {
  echo "servers/neo4j: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "servers/neo4j: continuing; the Neo4j tests will be skipped" >&2
  exit 0
}

# The compiled main is keyed by its source's hash, so editing the Java file recompiles it.
stamp="$(sha256sum "$main" | cut -c1-16)"
if [ -f "$libs/.complete" ] && [ -f "$dir/classes/.$stamp" ]; then
  echo "servers/neo4j: Neo4j $version present in $dir"
  exit 0
fi
command -v java >/dev/null || give_up "java is not installed"
command -v javac >/dev/null || give_up "javac is not installed (Debian openjdk-17-jdk-headless)"
command -v mvn >/dev/null || give_up "mvn is not installed"

if [ ! -f "$libs/.complete" ]; then
  rm -rf "$libs"
  mkdir -p "$libs"
  echo "servers/neo4j: fetching Neo4j $version jars from Maven Central into $libs"
  maven_fetch neo4j-server "$libs" "
    <dependency><groupId>org.neo4j</groupId><artifactId>neo4j</artifactId><version>$version</version></dependency>" \
    || give_up "mvn could not fetch org.neo4j:neo4j:$version"
  touch "$libs/.complete"
fi
rm -rf "$dir/classes"
mkdir -p "$dir/classes"
javac -nowarn -cp "$libs/*" -d "$dir/classes" "$main" || give_up "javac could not compile $main"
touch "$dir/classes/.$stamp"
echo "servers/neo4j: done ($(ls "$libs" | wc -l) jars, main compiled into $dir/classes)"
