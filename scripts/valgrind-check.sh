#!/bin/sh
# Runs Test::Nginx files with nginx under valgrind (memcheck) and fails on
# any error valgrind reports, but for three leaks of nginx itself at exit
# in single-process mode: ngx_set_environment, the upstream TLS session
# kept for proxy_ssl_session_reuse (SSL_SESSION_new under
# ngx_ssl_handshake), and the PCRE2 compile context that ngx_regex_compile
# makes once (pcre2_compile_context_create; a plain `location ~` with no
# module loaded leaks the same 72 bytes).
#
#   scripts/valgrind-check.sh t/006-frame-protocol.t ...
set -u

out=$(mktemp)
TEST_NGINX_USE_VALGRIND=1 \
TEST_NGINX_SERVROOT=${TEST_NGINX_SERVROOT:-$(pwd)/t/servroot_valgrind} \
    prove "$@" > "$out" 2>&1
rc=$?

# valgrind reports start with "==PID== " lines; group each report and
# keep the ones that are not the known nginx leak
bad=$(awk '
    /^==[0-9]+== .*(Invalid|uninitialised|definitely lost|Mismatched|overlap|fishy)/ {
        inblk = 1; blk = $0 "\n"; next
    }
    inblk && /^==[0-9]+==    / { blk = blk $0 "\n"; next }
    inblk {
        if (blk !~ /ngx_set_environment|SSL_SESSION_new|pcre2_compile_context_create/) {
            printf "%s\n", blk
        }
        inblk = 0; blk = ""
    }
    END {
        if (inblk && blk !~ /ngx_set_environment|SSL_SESSION_new|pcre2_compile_context_create/) {
            printf "%s\n", blk
        }
    }
' "$out")

grep -E '^(Files=|Result:)' "$out"

if [ -n "$bad" ]; then
    echo "valgrind: errors found:"
    echo "$bad"
    rm -f "$out"
    exit 1
fi

if [ "$rc" -ne 0 ]; then
    tail -n 40 "$out"
    rm -f "$out"
    exit "$rc"
fi

echo "valgrind: no errors in $*"
rm -f "$out"
