#!/bin/sh
# Installs what building, testing, the demo and make bench need on Debian
# 12, and only what is missing.  Test::Nginx comes from Debian's unstable
# suite as a single architecture-independent package; its dependencies come
# from bookworm, and nothing from unstable replaces a bookworm package.
set -eu

PKGS="nginx nginx-dev libyajl-dev libpcre2-dev libssl-dev zlib1g-dev \
      build-essential clang libclang-rt-14-dev valgrind \
      libprotocol-websocket-perl libio-socket-ssl-perl libjson-pp-perl \
      python3-websockets python3-jwt python3-jsonschema \
      python3-prometheus-client python3-cryptography node-ws openssl \
      libsimdjson-dev"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if ! perl -MTest::Nginx::Socket -e 1 2>/dev/null; then
    need_tn=1
else
    need_tn=0
fi

# the tests call Debian's Python by path
if [ ! -x /usr/bin/python3 ]; then
    missing="$missing python3-minimal"
    reinstall="--reinstall"
fi

if [ -z "$missing" ] && [ "$need_tn" = 0 ]; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq

if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    $SUDO apt-get install -y -qq --no-install-recommends ${reinstall:-} \
        $missing
fi

# Stop the stock nginx service the package may have started: the tests and
# the demo run their own nginx processes.
if command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl stop nginx >/dev/null 2>&1 || true
    $SUDO systemctl disable nginx >/dev/null 2>&1 || true
fi
if [ -f /run/nginx.pid ]; then
    $SUDO kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi

if [ "$need_tn" = 1 ]; then
    # The archive URI is taken from this machine's own apt sources.
    uri=$(grep -h -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources \
              /etc/apt/sources.list 2>/dev/null \
          | grep -v -i security | grep -o -E 'https?://[^ ]+' \
          | grep -E '/debian/?$' | head -n 1)
    if [ -z "$uri" ]; then
        echo "install-deps: no Debian archive URI in /etc/apt/sources*" >&2
        exit 1
    fi
    tmp=$(mktemp -d)
    mkdir -p "$tmp/lists" "$tmp/archives/partial" "$tmp/lists/partial"
    printf 'deb %s unstable main\n' "$uri" > "$tmp/unstable.list"
    opts="-o Dir::Etc::SourceList=$tmp/unstable.list \
          -o Dir::Etc::SourceParts=- \
          -o Dir::State::Lists=$tmp/lists \
          -o Dir::Cache::archives=$tmp/archives \
          -o APT::Get::List-Cleanup=0"
    # shellcheck disable=SC2086
    $SUDO apt-get $opts update -qq
    (cd "$tmp" && $SUDO apt-get $opts download libtest-nginx-perl)
    deb=$(ls "$tmp"/libtest-nginx-perl_*_all.deb)
    # Installed by apt from the file, with the normal (bookworm) sources, so
    # every dependency comes from bookworm.
    $SUDO apt-get install -y -qq --no-install-recommends "$deb"
    rm -rf "$tmp"
    perl -MTest::Nginx::Socket -e 1
fi
