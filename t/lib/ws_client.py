#!/usr/bin/python3
"""An independent WebSocket client for the tests (python3-websockets).

   ws_client.py URL [-H 'Name: value']... [--origin O] [--subprotocol P]...
                [--send TEXT]... [--send-bytes HEX]... [--recv N]

Prints "status N" when the handshake is refused, otherwise "open", the
selected subprotocol if any ("subprotocol P"), one "recv TEXT" (or
"recv-bytes HEX") per message received, and "close CODE REASON" when the
other side closed.  With --recv N it waits for N messages after sending.
"""

import argparse
import asyncio
import binascii
import hashlib
import os
import ssl
import sys

import websockets
import websockets.exceptions


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("-H", dest="headers", action="append", default=[])
    ap.add_argument("--origin")
    ap.add_argument("--no-origin", action="store_true",
                    help="send no Origin (the default)")
    ap.add_argument("--subprotocol", action="append", default=None)
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--send-bytes", action="append", default=[])
    ap.add_argument("--recv", type=int, default=None)
    ap.add_argument("--send-size", type=int, action="append", default=[],
                    help="send N random bytes as one binary message")
    ap.add_argument("--send-fragments", action="append", default=[],
                    help="send a text message in fragments split at '|'")
    ap.add_argument("--flood", type=int, default=0,
                    help="send N text messages while reading the echoes")
    ap.add_argument("--wait-close", action="store_true",
                    help="after sending, wait for the server to close")
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--deflate", action="store_true",
                    help="offer permessage-deflate")
    ap.add_argument("--insecure", action="store_true",
                    help="wss without certificate verification")
    a = ap.parse_args()

    headers = []
    for h in a.headers:
        k, _, v = h.partition(":")
        headers.append((k.strip(), v.strip()))

    ssl_ctx = None
    if a.url.startswith("wss://"):
        ssl_ctx = ssl.create_default_context()
        if a.insecure:
            ssl_ctx.check_hostname = False
            ssl_ctx.verify_mode = ssl.CERT_NONE

    try:
        ws = await asyncio.wait_for(websockets.connect(
            a.url, extra_headers=headers, origin=a.origin,
            subprotocols=a.subprotocol,
            compression="deflate" if a.deflate else None, max_size=None,
            ping_interval=None, open_timeout=a.timeout, ssl=ssl_ctx),
            a.timeout)
    except websockets.exceptions.InvalidStatusCode as e:
        print("status", e.status_code)
        return
    except websockets.exceptions.InvalidHandshake as e:
        print("handshake failed:", type(e).__name__)
        return

    print("open")
    if a.deflate:
        print("extensions", ", ".join(e.name for e in ws.extensions)
              or "none")
    if ws.subprotocol:
        print("subprotocol", ws.subprotocol)

    want = a.recv if a.recv is not None else \
        len(a.send) + len(a.send_bytes) + len(a.send_size) + \
        len(a.send_fragments)
    try:
        for m in a.send:
            await ws.send(m)
        for m in a.send_bytes:
            await ws.send(binascii.unhexlify(m))
        for n in a.send_size:
            data = os.urandom(n)
            print("sent", n, hashlib.sha256(data).hexdigest())
            await ws.send(data)
        for m in a.send_fragments:
            await ws.send(m.split("|"))
        for _ in range(want):
            msg = await asyncio.wait_for(ws.recv(), a.timeout)
            if isinstance(msg, bytes) and len(msg) > 64:
                print("recv-bytes", len(msg), hashlib.sha256(msg).hexdigest())
            elif isinstance(msg, bytes):
                print("recv-bytes", binascii.hexlify(msg).decode())
            else:
                print("recv", msg)
        if a.flood:
            await flood(ws, a.flood, a.timeout)
        if a.wait_close:
            await asyncio.wait_for(ws.wait_closed(), a.timeout)
            rcvd = ws.close_rcvd
            print("close", rcvd.code if rcvd else "none",
                  rcvd.reason if rcvd else "")
            return
        await asyncio.wait_for(ws.close(), a.timeout)
    except websockets.exceptions.ConnectionClosed as e:
        rcvd = e.rcvd
        if rcvd is not None:
            print("close", rcvd.code, rcvd.reason)
        else:
            print("close none")
        return
    except asyncio.TimeoutError:
        print("timeout")
        return
    print("closed", ws.close_code)


async def flood(ws, n, timeout):
    """Sends n messages while reading, checks every echo came in order."""
    async def reader():
        for i in range(n):
            msg = await asyncio.wait_for(ws.recv(), timeout)
            if msg != "m%d" % i:
                return "flood: message %d is %r" % (i, msg[:40])
        return "flood %d ok" % n

    task = asyncio.ensure_future(reader())
    for i in range(n):
        await ws.send("m%d" % i)
    print(await task)


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
