#!/bin/bash
# Verified handshakes per second (not a test: figures, never pass or fail).
#
# nginx (worker_processes 1) with the module answers WebSocket upgrade
# requests in a location guarded by ws_guard and ws_guard_jwt.  So that the
# figure is the guard's and not an upstream's, the location has no
# upstream: once the access phase has passed the handshake, nginx serves a
# tiny static file (200) on the same keep-alive connection.  A small C
# load loop (built here) keeps CONNS connections busy for SECONDS and counts
# the 200s; any other status fails the run (a refused token would be a
# 401, which closes the connection).  Each row gives handshakes per second
# (which depend on what else the machine runs) and the nginx worker's CPU
# time (utime + stime) per handshake over the measured window, the steadier
# figure; for the JWT rows also that CPU time less the one of the row
# without JWT: what the token costs.
#
# Rows: no guard; ws_guard without JWT; ws_guard_jwt with HS256, RS256
# (2048-bit key), ES256 and EdDSA tokens (minted by t/lib/jwt/mint.py,
# PyJWT), each with a kid that selects one key out of t/lib/jwt/all.jwks.
# Then "openssl speed" on one core for comparison.  make bench runs it
# before bench/run.sh.
#
# Environment: SECONDS_RUN=5 CONNS=32 NGINX=/usr/sbin/nginx
#              MODULE=build/ngx_http_ws_guard_module.so
#              PORT (default: a free one, from build/bench/ws_load -F if
#              it is built, else 18480)
#              SPEED=1 (0: skip openssl speed)
#              QUICK=1 (SECONDS_RUN=2 and SPEED=0 unless given)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
nginx=${NGINX:-/usr/sbin/nginx}
module=${MODULE:-$top/build/ngx_http_ws_guard_module.so}
if [ "${QUICK:-0}" = 1 ]; then
    secs=${SECONDS_RUN:-2}
    speed=${SPEED:-0}
else
    secs=${SECONDS_RUN:-5}
    speed=${SPEED:-1}
fi
conns=${CONNS:-32}
if [ -n "${PORT:-}" ]; then
    port=$PORT
elif [ -x "$top/build/bench/ws_load" ]; then
    port=$("$top/build/bench/ws_load" -F)
else
    port=18480
fi
work=$(mktemp -d /tmp/ws_guard_jwt_bench.XXXXXX)
chmod 755 "$work"   # the worker serves a file from it
keys=$top/t/lib/jwt

cleanup() {
    if [ -f "$work/logs/nginx.pid" ]; then
        kill "$(cat "$work/logs/nginx.pid")" 2>/dev/null || true
        sleep 0.3
    fi
    rm -rf "$work"
}
trap cleanup EXIT

[ -f "$module" ] || { echo "no $module: make build first" >&2; exit 1; }

# the load loop

cat > "$work/load.c" <<'EOF'
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

typedef struct { int fd; size_t sent, got; char buf[4096]; } conn_t;

static char *req; static size_t req_len;
static unsigned long ok, other;

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_conn(int port) {
    struct sockaddr_in a; int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET; a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *) &a, sizeof(a)) < 0) {
        perror("connect"); exit(2);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* 1: a whole response is in c->buf */
static int complete(conn_t *c) {
    char *h, *cl; size_t body;
    c->buf[c->got] = '\0';
    h = strstr(c->buf, "\r\n\r\n");
    if (h == NULL) return 0;
    cl = strstr(c->buf, "Content-Length: ");
    body = cl && cl < h ? strtoul(cl + 16, NULL, 10) : 0;
    return (size_t) (h + 4 - c->buf) + body <= c->got;
}

int main(int argc, char **argv) {
    int port, n, i, ep, k;
    double secs, end, start;
    FILE *f; conn_t *cs; struct epoll_event ev, evs[256];

    if (argc != 5) { fprintf(stderr, "load PORT SECONDS CONNS REQFILE\n"); return 1; }
    port = atoi(argv[1]); secs = atof(argv[2]); n = atoi(argv[3]);
    f = fopen(argv[4], "rb");
    if (f == NULL) { perror("request"); return 1; }
    req = malloc(65536); req_len = fread(req, 1, 65536, f); fclose(f);

    ep = epoll_create1(0);
    cs = calloc(n, sizeof(conn_t));
    for (i = 0; i < n; i++) {
        cs[i].fd = open_conn(port);
        ev.events = EPOLLIN | EPOLLOUT; ev.data.ptr = &cs[i];
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }

    start = now(); end = start + secs;
    while (now() < end) {
        k = epoll_wait(ep, evs, 256, 100);
        for (i = 0; i < k; i++) {
            conn_t *c = evs[i].data.ptr; ssize_t r;
            if (c->sent < req_len && (evs[i].events & EPOLLOUT)) {
                r = write(c->fd, req + c->sent, req_len - c->sent);
                if (r > 0) c->sent += r;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                r = read(c->fd, c->buf + c->got, sizeof(c->buf) - 1 - c->got);
                if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
                    fprintf(stderr, "connection closed by nginx (%lu ok, "
                            "%lu other so far)\n", ok, other);
                    return 3;
                }
                if (r > 0) c->got += r;
                if (complete(c)) {
                    if (strncmp(c->buf, "HTTP/1.1 200", 12) == 0) ok++; else other++;
                    c->got = 0; c->sent = 0;
                    r = write(c->fd, req, req_len);
                    if (r > 0) c->sent = r;
                }
            }
        }
    }
    printf("%.0f %lu %lu\n", (ok + other) / (now() - start), ok, other);
    return 0;
}
EOF
cc -O2 -o "$work/load" "$work/load.c"

# nginx

mkdir -p "$work/logs" "$work/html/ws" "$work/conf"
printf 'ok\n' > "$work/html/ws/x"

cat > "$work/conf/nginx.conf" <<EOF
load_module $module;
worker_processes 1;
error_log logs/error.log error;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $work/html;
        ws_guard_origin any;

        location /plain/ { alias $work/html/ws/; }
        location /guard/ { ws_guard on; alias $work/html/ws/; }
        location /ws/ {
            ws_guard on;
            ws_guard_jwt on;
            ws_guard_jwt_key_file $keys/all.jwks;
        }
    }
}
EOF
"$nginx" -p "$work" -c conf/nginx.conf
sleep 0.2
worker=$(pgrep -P "$(cat "$work/logs/nginx.pid")" | head -n 1)
hz=$(getconf CLK_TCK)

request() {
    # $1 path, $2 token (may be empty)
    {
        printf 'GET %s HTTP/1.1\r\nHost: localhost\r\n' "$1"
        printf 'Upgrade: websocket\r\nConnection: Upgrade\r\n'
        printf 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
        printf 'Sec-WebSocket-Version: 13\r\nOrigin: http://localhost\r\n'
        [ -n "$2" ] && printf 'Authorization: Bearer %s\r\n' "$2"
        printf '\r\n'
    } > "$work/req"
}

mint() {
    /usr/bin/python3 "$keys/mint.py" "$1" "$keys/$2" \
        '{"sub":"bench","exp":"now+3600"}' "{\"kid\":\"$3\"}"
}

no_jwt_us=""

run() {
    # $1 label
    local status rps okn othern us token_us
    status=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port;
                                cat '$work/req' >&3; head -n 1 <&3" | tr -d '\r')
    case "$status" in
        *" 200 "*) ;;
        *) echo "$1: answered \"$status\" instead of 200" >&2
           tail -n 3 "$work/logs/error.log" >&2
           exit 1 ;;
    esac
    "$work/load" "$port" 0.5 "$conns" "$work/req" > /dev/null   # warm up
    t0=$(worker_ticks)
    "$work/load" "$port" "$secs" "$conns" "$work/req" > "$work/load.out"
    t1=$(worker_ticks)
    read -r rps okn othern < "$work/load.out"
    if [ "$othern" != 0 ] || [ "$okn" = 0 ]; then
        echo "$1: $okn handshakes passed, $othern answered otherwise" >&2
        exit 1
    fi
    us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$okn" \
         'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
    token_us=""
    case "$1" in
        "ws_guard, no JWT") no_jwt_us=$us ;;
        ws_guard_jwt*) token_us=$(awk -v a="$us" -v b="$no_jwt_us" \
                          'BEGIN { printf "%.1f", a - b }') ;;
    esac
    printf '%-26s %14s %18s %14s   (%s in %s s)\n' "$1" "$rps" "$us" \
        "$token_us" "$okn" "$secs"
}

# utime + stime of the one worker, in clock ticks

worker_ticks() {
    awk '{ print $14 + $15 }' "/proc/$worker/stat"
}

echo "nginx $("$nginx" -v 2>&1 | sed 's/.*\///'), worker_processes 1," \
     "$conns keep-alive connections, $secs s per row, $(nproc) CPUs"
echo
printf '%-26s %14s %18s %14s\n' "" "handshakes/s" "CPU us/handshake" \
    "of which JWT"

request /plain/x ""; run "no guard"
request /guard/x ""; run "ws_guard, no JWT"
request /ws/x "$(mint HS256 hmac.jwks hmac)"; run "ws_guard_jwt HS256"
request /ws/x "$(mint RS256 rsa.key rsa)"; run "ws_guard_jwt RS256 (2048)"
request /ws/x "$(mint ES256 ec256.key ec256)"; run "ws_guard_jwt ES256"
request /ws/x "$(mint EdDSA ed25519.key ed25519)"; run "ws_guard_jwt EdDSA"

if [ -s "$work/logs/error.log" ]; then
    echo "jwt_handshakes: nginx logged errors:" >&2
    sed -n '1,5p' "$work/logs/error.log" >&2
    exit 1
fi

if [ "$speed" = 1 ]; then
    echo
    echo "openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 hmac (one core):"
    openssl speed -seconds 3 rsa2048 ecdsap256 ed25519 hmac 2>/dev/null \
        | grep -E '^(rsa|type| *[0-9]+ bits ecdsa|hmac| *253 bits EdDSA)' \
        | sed 's/^/    /'
    echo "openssl speed -seconds 3 -hmac sha256 (one core):"
    openssl speed -seconds 3 -hmac sha256 2>/dev/null \
        | grep -E '^(type|hmac)' | sed 's/^/    /'
fi
