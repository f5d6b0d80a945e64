#!/usr/bin/python3
"""A permissive upstream for the tests: it answers 101 to any request, so that
only the guard can make a refusal happen, and validates nothing.

   raw_upstream.py PORT LOGFILE [--ready FILE]

PORT 0 lets the kernel choose; the port listened on is written to FILE.

Behaviour by request path:
  /...               101 with the right Sec-WebSocket-Accept, then echoes
                     raw bytes back unchanged
  /bad-accept        101 with a wrong Sec-WebSocket-Accept
  /no-accept         101 without Sec-WebSocket-Accept
  /proto/NAME        101 naming subprotocol NAME
  /ext/NAME          101 naming extension NAME (URL-decoded)
  .../pmd...         (anywhere in the path) 101 accepting permessage-deflate
  /reqhead           101, then one unmasked text frame holding the request
                     head as received, then echoes
  /send/HEX[/...]    101, then the bytes HEX (sent with the 101 in one
                     write), then records like /sink
  /send-big/N[/...]  101 and a text frame of N bytes "a" in one write, then
                     records
  /send-many/N/LEN/BAD[/...]
                     101 and N text frames of LEN bytes in one write, the
                     K-th starting "mK " (K from 1); frame BAD (0: none) has
                     a byte 0xff in it; then records
  /sink[...]         101, then records what it receives, echoing nothing
  /slow-send/HEX     101, then the bytes HEX one per write, 20 ms apart,
                     then records
Each connection appends "open PATH" and, when nginx closes it,
"closed PATH" to LOGFILE; recording modes append "recv PATH HEX" for every
read.
"""

import base64
import binascii
import hashlib
import socket
import sys
import threading
import time
import urllib.parse

from ready_file import write_ready

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOCK = threading.Lock()


def log(path, line):
    with LOCK:
        with open(path, "a") as f:
            f.write(line + "\n")


def frame(payload, opcode=1):
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + payload


def serve(conn, logfile):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            conn.close()
            return
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    path = lines[0].split(b" ")[1].decode("latin-1")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower()] = v.strip()
    log(logfile, "open " + path)

    key = headers.get(b"sec-websocket-key", b"")
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    resp = [b"HTTP/1.1 101 Switching Protocols", b"Upgrade: websocket",
            b"Connection: Upgrade"]
    if path == "/bad-accept":
        resp.append(b"Sec-WebSocket-Accept: "
                    + base64.b64encode(hashlib.sha1(b"x").digest()))
    elif path != "/no-accept":
        resp.append(b"Sec-WebSocket-Accept: " + accept)
    if path.startswith("/proto/"):
        resp.append(b"Sec-WebSocket-Protocol: " + path[7:].encode())
    if path.startswith("/ext/"):
        resp.append(b"Sec-WebSocket-Extensions: "
                    + urllib.parse.unquote(path[5:]).encode())
    if "/pmd" in path:
        resp.append(b"Sec-WebSocket-Extensions: permessage-deflate")
    out = b"\r\n".join(resp) + b"\r\n\r\n"
    if path == "/reqhead":
        out += frame(head)
    record = False
    if path.startswith("/send/"):
        out += binascii.unhexlify(path[6:].split("/")[0])
        record = True
    if path.startswith("/send-big/"):
        out += frame(b"a" * int(path[10:].split("/")[0]))
        record = True
    if path.startswith("/send-many/"):
        n, size, bad = (int(x) for x in path[11:].split("/")[:3])
        many = []
        for k in range(1, n + 1):
            payload = ("m%d " % k).encode().ljust(size, b"x")
            if k == bad:
                payload = payload[:-1] + b"\xff"
            many.append(frame(payload))
        out += b"".join(many)
        record = True
    if path.startswith("/sink"):
        record = True
    slow = b""
    if path.startswith("/slow-send/"):
        slow = binascii.unhexlify(path[11:].split("/")[0])
        record = True
    conn.sendall(out)
    for i in range(len(slow)):
        conn.sendall(slow[i:i + 1])
        time.sleep(0.02)

    try:
        if rest:
            if record:
                log(logfile, "recv " + path + " " + rest.hex())
            else:
                conn.sendall(rest)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            if record:
                log(logfile, "recv " + path + " " + chunk.hex())
            else:
                conn.sendall(chunk)
    except OSError:
        pass
    log(logfile, "closed " + path)
    conn.close()


def main():
    port = int(sys.argv[1])
    logfile = sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    if len(sys.argv) > 4 and sys.argv[3] == "--ready":
        write_ready(sys.argv[4], s.getsockname()[1])
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, logfile),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
