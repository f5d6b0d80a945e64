#!/usr/bin/python3
"""Mints a JWS compact token with PyJWT, independently of the module.

   mint.py ALG KEY CLAIMS [HEADERS] [--raw]

ALG      any JWS algorithm PyJWT knows, or "none".
KEY      a file: for HS* a JWK or JWKS (the "k" of its first oct key) or,
         if the file is not JSON, its bytes as they are (so that a PEM
         public key can be made an HMAC secret, for algorithm confusion);
         for the others a PEM private key; for "none", "-".
CLAIMS   a JSON object; any string value "now", "now+N" or "now-N" becomes
         that many seconds from the current time (computed when minting, so
         tests stay valid on any date).  With --raw, CLAIMS is the payload
         exactly as given (it need not be JSON), after replacing "{now}",
         "{now+N}" and "{now-N}".
HEADERS  a JSON object of extra header members, e.g. {"kid": "rsa"}.

Prints the token and a newline.
"""

import json
import os
import re
import sys
import time

import jwt
import jwt.algorithms


NOW = re.compile(r"^now(?:([+-])(\d+))?$")
RAW_NOW = re.compile(r"\{now(?:([+-])(\d+))?\}")


def when(sign, n):
    t = int(time.time())
    if sign == "+":
        return t + int(n)
    if sign == "-":
        return t - int(n)
    return t


def resolve(v):
    if isinstance(v, str):
        m = NOW.match(v)
        if m:
            return when(m.group(1), m.group(2))
        return v
    if isinstance(v, list):
        return [resolve(e) for e in v]
    if isinstance(v, dict):
        return {k: resolve(e) for k, e in v.items()}
    return v


class RawHMAC(jwt.algorithms.HMACAlgorithm):
    """PyJWT's HMAC, without its refusal of PEM-looking secrets."""

    def prepare_key(self, key):
        return key


def hmac_secret(path):
    data = open(path, "rb").read()
    try:
        doc = json.loads(data)
    except ValueError:
        return data
    keys = doc.get("keys", [doc])
    for k in keys:
        if k.get("kty") == "oct":
            return jwt.utils.base64url_decode(k["k"])
    sys.exit("mint.py: no oct key in " + path)


def main():
    args = [a for a in sys.argv[1:] if a != "--raw"]
    raw = len(args) != len(sys.argv) - 1
    if len(args) not in (3, 4):
        sys.exit(__doc__)

    alg, keyfile, claims = args[:3]
    headers = json.loads(args[3]) if len(args) == 4 else None

    if raw:
        # the bytes as given on the command line, even if not UTF-8
        payload = os.fsencode(RAW_NOW.sub(
            lambda m: str(when(m.group(1), m.group(2))), claims))
    else:
        payload = json.dumps(resolve(json.loads(claims)),
                             separators=(",", ":")).encode()

    jws = jwt.PyJWS()

    if alg.startswith("HS"):
        key = hmac_secret(keyfile)
        jws.unregister_algorithm(alg)
        jws.register_algorithm(alg, RawHMAC(getattr(RawHMAC,
                                                    "SHA" + alg[2:])))
    elif alg == "none":
        key = None
    else:
        key = open(keyfile, "rb").read()

    # a header "alg" other than ALG (e.g. "NoNe") signs as ALG does
    if headers and "alg" in headers and headers["alg"] != alg:
        jws.register_algorithm(headers["alg"], jws.get_algorithm_by_name(alg))

    print(jws.encode(payload, key, algorithm=alg, headers=headers))


if __name__ == "__main__":
    main()
