# Sourced (POSIX sh) by ./mvnw, ./tcpip and .ci/run: selects a JDK 25 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25+, else `java` on PATH if 25+, else /usr/lib/jvm/*25* (and newer;
# TCPIP_JVM_DIR names another folder to search, for tests).
# On failure prints one line saying what to install and returns 1.

tcpip_jdk_feature() { # prints the feature version (e.g. 25) of the JDK home $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
  fi
}

tcpip_jdk_ok() { # true if $1 is a JDK home of version 25 or newer
  _v=$(tcpip_jdk_feature "$1")
  [ -n "$_v" ] && [ "$_v" -ge 25 ]
}

tcpip_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && tcpip_jdk_ok "$JAVA_HOME"; then export JAVA_HOME; return 0; fi
  _java=$(command -v java 2>/dev/null || true)
  if [ -n "$_java" ]; then
    _home=$(dirname "$(dirname "$(readlink -f "$_java")")")
    if tcpip_jdk_ok "$_home"; then JAVA_HOME=$_home; export JAVA_HOME; return 0; fi
  fi
  _noglob=$(case $- in *f*) echo 1;; esac)
  set +f
  _dir=${TCPIP_JVM_DIR:-/usr/lib/jvm}
  for _home in "$_dir"/*25* "$_dir"/*; do
    if [ -d "$_home" ] && tcpip_jdk_ok "$_home"; then
      [ -n "$_noglob" ] && set -f
      JAVA_HOME=$_home; export JAVA_HOME; return 0
    fi
  done
  [ -n "$_noglob" ] && set -f
  echo "tcpip: no JDK 25 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm); install one, e.g. 'apt-get install temurin-25-jdk' or set JAVA_HOME" >&2
  return 1
}
