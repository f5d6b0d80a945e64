#!/bin/bash
# The guarded demo: nginx with ngx_http_ws_guard_module in front of a real
# WebSocket echo backend (python3-websockets), both on loopback.  Ctrl-C
# stops everything it started.
#
#   DEMO_PORT (default 8080)     where nginx listens
#   DEMO_BACKEND_PORT (9001)     where the echo backend listens
#   DEMO_SECONDS                 stop by itself after this many seconds
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
port=${DEMO_PORT:-8080}
bport=${DEMO_BACKEND_PORT:-9001}
dir=$top/build/demo
py=/usr/bin/python3

mkdir -p "$dir/conf" "$dir/logs" "$dir/tmp"
sed -e "s|@PORT@|$port|g" -e "s|@BACKEND_PORT@|$bport|g" \
    -e "s|@MODULE@|$top/build/ngx_http_ws_guard_module.so|g" \
    -e "s|@DIR@|$dir|g" -e "s|@TOP@|$top|g" \
    "$top/scripts/demo.conf" > "$dir/conf/nginx.conf"

: > "$dir/logs/error.log"
rm -f "$dir/backend.ready"

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo
    echo "demo: stopping"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

for p in "$port" "$bport"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        echo "demo: port $p is in use; set DEMO_PORT / DEMO_BACKEND_PORT" >&2
        exit 1
    fi
done

ECHO_VERBOSE=1 $py "$top/t/lib/echo_server.py" "$bport" \
    --ready "$dir/backend.ready" > >(sed -u 's/^/   /') 2>&1 &
pids+=($!)

/usr/sbin/nginx -t -q -p "$dir" -c conf/nginx.conf -e logs/error.log
/usr/sbin/nginx -p "$dir" -c conf/nginx.conf -e logs/error.log \
    -g 'daemon off;' &
pids+=($!)

for _ in $(seq 100); do
    [ -e "$dir/backend.ready" ] && \
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

client="$py $top/t/lib/ws_client.py"
origin="http://localhost:$port"

cat <<EOT

ngx_ws_guard demo
=================
nginx (with the guard) on 127.0.0.1:$port, echo backend on 127.0.0.1:$bport
config: $dir/conf/nginx.conf   logs: $dir/logs/

1. An allowed handshake (Origin $origin), one message echoed:

   \$ $client ws://127.0.0.1:$port/ws --origin $origin --send 'hello, guarded world'
EOT
$client "ws://127.0.0.1:$port/ws" --origin "$origin" \
    --send 'hello, guarded world' | sed 's/^/   /'

cat <<EOT

2. A cross-site handshake (Origin https://evil.example) is refused:

   \$ $client ws://127.0.0.1:$port/ws --origin https://evil.example
EOT
$client "ws://127.0.0.1:$port/ws" --origin https://evil.example \
    | sed 's/^/   /'

cat <<EOT

3. A request to tunnel another protocol (Upgrade: h2c) is refused:

EOT
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n' >&3
head -n 1 <&3 | sed 's/^/   /'
exec 3<&-

cat <<EOT

4. A wrong WebSocket version gets 426 naming the right one:

EOT
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\nOrigin: %s\r\n\r\n' "$origin" >&3
timeout 2 cat <&3 | tr -d '\r' | grep -E '^(HTTP|Sec-WebSocket-Version)' \
    | sed 's/^/   /' || true
exec 3<&-

cat <<EOT

5. After the 101, every frame is inspected: a text message that is not
   UTF-8 gets close 1007 (and the backend gets a close frame too):

EOT
$py - "$port" "$origin" <<'EOPY' | sed 's/^/   /'
import socket, struct, sys
port, origin = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Origin: %s\r\n\r\n" % origin).encode())
# a masked text frame (key 0) whose payload is the invalid byte 0xff
s.sendall(b"\x81\x81\x00\x00\x00\x00\xff")
data = b""
s.settimeout(3)
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
head, _, frames = data.partition(b"\r\n\r\n")
print("sent: a text frame with the byte 0xff")
print("got: " + head.split(b"\r\n")[0].decode())
if len(frames) >= 4 and frames[0] & 0x0f == 8:
    n = frames[1] & 0x7f
    code = struct.unpack("!H", frames[2:4])[0]
    print("got: close frame %d \"%s\"" % (code, frames[4:2 + n].decode()))
EOPY

cat <<EOT

6. /secure wants a JWT (HS256, scope "chat") and JSON chat messages
   (t/lib/schema/chat.json); a bad message is dropped, the connection stays:

EOT
token=$($py "$top/t/lib/jwt/mint.py" HS256 "$top/t/lib/jwt/hmac.jwks" \
    '{"sub":"alice","iss":"https://issuer.example","aud":"ws-demo","iat":"now","exp":"now+600","scope":"chat"}')
echo "   without a token:"
$client "ws://127.0.0.1:$port/secure" --no-origin | sed 's/^/     /'
echo "   with a token (minted by PyJWT) in the subprotocol entry"
echo "   \"bearer.<token>\" (browsers cannot set headers), a good, a bad and"
echo "   a good message:"
$client "ws://127.0.0.1:$port/secure" --no-origin \
    --subprotocol "bearer.$token" \
    --send '{"type":"join","room":"lobby"}' \
    --send '{"type":"shout","room":"lobby"}' \
    --send '{"type":"say","room":"lobby","text":"hi"}' --recv 2 \
    | sed 's/^/     /'

cat <<EOT

7. The counters of all workers, for Prometheus (/ws_guard_status) or as
   JSON (/ws_guard_status.json); a few lines:

EOT
$py - "$port" <<'EOPY' | sed 's/^/   /'
import sys, urllib.request
text = urllib.request.urlopen("http://127.0.0.1:%s/ws_guard_status"
                              % sys.argv[1]).read().decode()
for line in text.splitlines():
    if line.startswith(("ws_guard_handshakes_total", "ws_guard_violations_total",
                        "ws_guard_closes_total")) and not line.endswith(" 0"):
        print(line)
EOPY

cat <<EOT

What the guard logged (one line per refusal or violation):

EOT
grep 'ws_guard:' "$dir/logs/error.log" | sed 's/^[^*]*\*[0-9]* /   /' \
    | cut -c1-150

cat <<EOT

Try it yourself:
   $client ws://127.0.0.1:$port/ws --origin $origin --send hi
   $client ws://127.0.0.1:$port/cli --send hi        (no Origin needed here)
   $py -m websockets ws://127.0.0.1:$port/cli          (interactive)
   $py -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/ws_guard_status.json').read().decode())"
   tail -f $dir/logs/error.log $dir/logs/access.log $dir/logs/ws.log

Ctrl-C stops nginx and the backend.
EOT

if [ -n "${DEMO_SECONDS:-}" ]; then
    sleep "$DEMO_SECONDS"
else
    wait
fi
