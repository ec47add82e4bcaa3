# Sourced by the install-*.sh scripts: fetch Maven Central jars (cached in ~/.m2) into a folder.
# maven_fetch <name> <output-dir> <dependency-xml> [<dependency-management-xml>]
# Writes a throwaway pom holding <dependency-xml> (and, when given, a dependencyManagement block, for
# a project whose BOM must pin its transitive versions) and copies its runtime-scope dependencies
# into <output-dir>. Returns mvn's status so the caller decides how to give up.
maven_fetch() {
  local name="$1" output="$2" dependencies="$3" management="${4:-}" work status=0
  work="$(mktemp -d)"
  if [ -n "$management" ]; then management="  <dependencyManagement><dependencies>
$management
  </dependencies></dependencyManagement>"; fi
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>headwater.test</groupId>
  <artifactId>$name</artifactId>
  <version>1</version>
$management
  <dependencies>
$dependencies
  </dependencies>
</project>
POM
  mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DoutputDirectory="$output" -DincludeScope=runtime \
    || status=$?
  rm -rf "$work"
  return "$status"
}
