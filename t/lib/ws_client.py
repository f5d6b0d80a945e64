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
import ssl
import sys

import websockets
import websockets.exceptions


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("-H", dest="headers", action="append", default=[])
    ap.add_argument("--origin")
    ap.add_argument("--subprotocol", action="append", default=None)
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--send-bytes", action="append", default=[])
    ap.add_argument("--recv", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=5)
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
            subprotocols=a.subprotocol, compression=None, max_size=None,
            ping_interval=None, open_timeout=a.timeout, ssl=ssl_ctx),
            a.timeout)
    except websockets.exceptions.InvalidStatusCode as e:
        print("status", e.status_code)
        return
    except websockets.exceptions.InvalidHandshake as e:
        print("handshake failed:", type(e).__name__)
        return

    print("open")
    if ws.subprotocol:
        print("subprotocol", ws.subprotocol)

    want = a.recv if a.recv is not None else len(a.send) + len(a.send_bytes)
    try:
        for m in a.send:
            await ws.send(m)
        for m in a.send_bytes:
            await ws.send(binascii.unhexlify(m))
        for _ in range(want):
            msg = await asyncio.wait_for(ws.recv(), a.timeout)
            if isinstance(msg, bytes):
                print("recv-bytes", binascii.hexlify(msg).decode())
            else:
                print("recv", msg)
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


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
