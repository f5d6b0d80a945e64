#!/usr/bin/python3
"""A real WebSocket echo backend for the tests and the demo (python3-websockets).

   echo_server.py PORT [--ready FILE] [--tls CERT KEY] [--deflate]

PORT 0 lets the kernel choose; the port listened on is written to FILE.

Every message is sent back as it came.  The path /headers first sends one
text message with the request headers as JSON (so tests can see what reached
the upstream), then echoes.  The first subprotocol the client offers is
selected.  Compression is off: the guard strips permessage-deflate offers.
"""

import asyncio
import json
import os
import ssl
import sys

import websockets
import websockets.exceptions
import websockets.server

from ready_file import write_ready

VERBOSE = os.environ.get("ECHO_VERBOSE") == "1"


class Protocol(websockets.server.WebSocketServerProtocol):
    def process_subprotocol(self, headers, available_subprotocols):
        offered = []
        for value in headers.get_all("Sec-WebSocket-Protocol"):
            offered += [p.strip() for p in value.split(",") if p.strip()]
        return offered[0] if offered else None


async def handler(ws, path):
    try:
        if path.startswith("/headers"):
            await ws.send(json.dumps({k.lower(): v for k, v in
                                      ws.request_headers.raw_items()}))
        async for msg in ws:
            await ws.send(msg)
    except websockets.exceptions.ConnectionClosed as e:
        if VERBOSE and e.rcvd is not None:
            print("backend: received close %d \"%s\"" % (e.rcvd.code,
                                                          e.rcvd.reason),
                  flush=True)


async def main():
    port = int(sys.argv[1])
    args = sys.argv[2:]
    ready = None
    ssl_ctx = None
    compression = None
    while args:
        if args[0] == "--ready":
            ready = args[1]
            args = args[2:]
        elif args[0] == "--deflate":
            compression = "deflate"
            args = args[1:]
        elif args[0] == "--tls":
            ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_ctx.load_cert_chain(args[1], args[2])
            args = args[3:]
        else:
            raise SystemExit("echo_server.py: unknown argument " + args[0])
    async with websockets.serve(handler, "127.0.0.1", port,
                                create_protocol=Protocol, compression=compression,
                                max_size=None, max_queue=None,
                                ping_interval=None, ssl=ssl_ctx) as server:
        if ready:
            write_ready(ready, server.sockets[0].getsockname()[1])
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
