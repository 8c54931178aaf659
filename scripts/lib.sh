# Shared by ./tally and scripts/test: finds or installs what the build needs on a fresh machine.
# Maven and Node.js come from the distribution's packages; the JDK 21+ is found among the installed ones (the
# build's maven-toolchains-plugin finds it the same way).

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1; }

# Prints the path of a java binary of version 21 or newer, or nothing.
find_java21() {
  local candidates=() best="" best_major=0 major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for j in /usr/lib/jvm/*/bin/java; do [ -x "$j" ] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    major=$(java_major "$j" 2>/dev/null || echo 0)
    major=${major%%.*}
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$j"; best_major=$major
    fi
  done
  printf '%s' "$best"
}

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing $*: install it (needs root for apt-get)" >&2; return 1
  fi
  if [ -z "${TALLY_APT_UPDATED:-}" ]; then
    apt-get update -qq >&2 && export TALLY_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# Makes sure mvn, a JDK 21+ and (when asked) node + npm are there.
ensure_prerequisites() {
  command -v mvn >/dev/null 2>&1 || apt_install maven
  if [ -z "$(find_java21)" ]; then
    apt_install openjdk-21-jdk-headless 2>/dev/null || apt_install temurin-21-jdk 2>/dev/null || {
      echo "No JDK 21 or newer found under /usr/lib/jvm or JAVA_HOME; install one." >&2; return 1; }
  fi
  if [ "${1:-}" = "with-node" ]; then
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  fi
}
