#!/bin/sh
#
# Regenerates the JWT unit test fixtures: public keys in PEM, certificate,
# JWK and JWKS form, and tokens.txt ("name token" per line).  Private keys
# live in a temporary directory only and are thrown away.  Needs the openssl
# CLI and Debian's python3-jwt and python3-cryptography.
#
# usage: sh gen.sh   (from any directory; writes next to this script)

set -eu

cd "$(dirname "$0")"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

gen() {
    openssl genpkey -quiet "$@" 2>/dev/null || openssl genpkey "$@"
}

gen -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa1.key"
gen -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa2.key"
gen -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$T/rsa1024.key"
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec256.key"
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/ec384.key"
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "$T/ec521.key"
gen -algorithm ED25519 -out "$T/ed25519.key"
openssl rand 32 > "$T/hs.key"

for k in rsa1 rsa2 rsa1024 ec256 ec384 ec521 ed25519; do
    openssl pkey -in "$T/$k.key" -pubout -out "$k.pem"
done

openssl rsa -in "$T/rsa1.key" -RSAPublicKey_out -out rsa1_pkcs1.pem 2>/dev/null
openssl req -x509 -new -key "$T/rsa1.key" -subj /CN=ws-guard-test -sha256 \
    -days 36500 -out rsa1_cert.pem
openssl req -x509 -new -key "$T/rsa2.key" -subj /CN=ws-guard-test-2 -sha256 \
    -days 36500 -out "$T/rsa2_cert.pem"

# several blocks with text around them, as certificate bundles have
{
    echo "P-384 key"
    cat ec384.pem
    echo
    echo "Ed25519 key"
    cat ed25519.pem
    cat "$T/rsa2_cert.pem"
    cat ec521.pem
    cat ec256.pem
} > multi.pem

rm rsa2.pem

/usr/bin/python3 - "$T" <<'PY'
import base64, hashlib, hmac, json, sys

import jwt
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, OKPAlgorithm, \
    RSAAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_private_key

T = sys.argv[1]

def priv(name):
    with open(T + "/" + name + ".key", "rb") as f:
        return load_pem_private_key(f.read(), None)

rsa1, rsa2 = priv("rsa1"), priv("rsa2")
ec256, ec384, ec521 = priv("ec256"), priv("ec384"), priv("ec521")
ed = priv("ed25519")
hs = open(T + "/hs.key", "rb").read()

def jwk(alg_cls, key, **extra):
    d = json.loads(alg_cls.to_jwk(key))
    d.update(extra)
    return d

jwks = {"keys": [
    jwk(RSAAlgorithm, rsa1.public_key(), kid="rsa-1", use="sig"),
    jwk(RSAAlgorithm, rsa2.public_key(), kid="rsa-2"),
    jwk(ECAlgorithm, ec256.public_key(), kid="ec-256"),
    jwk(ECAlgorithm, ec384.public_key(), kid="ec-384", alg="ES384"),
    jwk(ECAlgorithm, ec521.public_key(), kid="ec-521"),
    jwk(OKPAlgorithm, ed.public_key(), kid="ed-1"),
    jwk(HMACAlgorithm, hs, kid="hs-1"),
    jwk(HMACAlgorithm, hs, kid="hs-256only", alg="HS256"),
    jwk(RSAAlgorithm, rsa2.public_key(), kid="enc-1", use="enc",
        alg="RSA-OAEP"),
]}
with open("jwks.json", "w") as f:
    json.dump(jwks, f, indent=2)
    f.write("\n")

with open("ec256.jwk", "w") as f:
    json.dump(jwk(ECAlgorithm, ec256.public_key(), kid="single"), f)
    f.write("\n")

NOW = 1700000000
STD = {"iss": "https://issuer.example", "aud": "ws-api", "sub": "alice",
       "iat": NOW - 1000, "nbf": NOW - 1000, "exp": NOW + 3600,
       "scope": "read write", "tenant": "acme", "n": 42, "admin": True,
       "groups": ["a", "b"]}

out = []

def add(name, tok):
    out.append("%s %s\n" % (name, tok))

def std(alg, key, kid=None, **claims):
    p = dict(STD)
    p.update(claims)
    h = {"kid": kid} if kid is not None else None
    return jwt.encode(p, key, algorithm=alg, headers=h)

def raw(payload, kid="hs-1", key=hs):
    return jwt.api_jws.PyJWS().encode(payload.encode(), key,
                                      algorithm="HS256",
                                      headers={"kid": kid})

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def hand(header, payload, key=hs, alg=hashlib.sha256):
    if isinstance(payload, str):
        payload = payload.encode()
    si = b64(header.encode()) + "." + b64(payload)
    return si + "." + b64(hmac.new(key, si.encode(), alg).digest())

for a in ("HS256", "HS384", "HS512"):
    add(a.lower(), std(a, hs, "hs-1"))
for a in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
    add(a.lower(), std(a, rsa1, "rsa-1"))
    add(a.lower() + "_nokid", std(a, rsa1))
add("es256", std("ES256", ec256, "ec-256"))
add("es384", std("ES384", ec384, "ec-384"))
add("es512", std("ES512", ec521, "ec-521"))
add("eddsa", std("EdDSA", ed, "ed-1"))
add("es256_nokid", std("ES256", ec256))
add("es384_nokid", std("ES384", ec384))
add("es512_nokid", std("ES512", ec521))
add("eddsa_nokid", std("EdDSA", ed))
add("es256_single", std("ES256", ec256, "single"))

# kid selection
add("rs256_rsa2", std("RS256", rsa2, "rsa-2"))
add("rs256_rsa2_nokid", std("RS256", rsa2))
add("rs256_rsa2_kid1", std("RS256", rsa2, "rsa-1"))
add("ps256_rsa2_cert", std("PS256", rsa2))
add("hs256_unknown_kid", std("HS256", hs, "nope"))
add("rs256_enc_kid", std("RS256", rsa2, "enc-1"))
add("hs384_hs256only", std("HS384", hs, "hs-256only"))
add("hs256_hs256only", std("HS256", hs, "hs-256only"))
add("es384_kid_ec256", std("ES384", ec384, "ec-256"))
add("es256_kid_ec384", std("ES256", ec256, "ec-384"))

# RFC 7518: PSS salt as long as the hash; ECDSA as r||s, not DER
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

def signed(header, payload, sign):
    si = b64(header.encode()) + "." + b64(payload.encode())
    return si + "." + b64(sign(si.encode()))

sp = json.dumps(STD, separators=(",", ":"))
add("ps256_maxsalt", signed('{"alg":"PS256","kid":"rsa-1"}', sp,
    lambda m: rsa1.sign(m, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                       salt_length=padding.PSS.MAX_LENGTH),
                        hashes.SHA256())))
add("ps256_sha1mgf", signed('{"alg":"PS256","kid":"rsa-1"}', sp,
    lambda m: rsa1.sign(m, padding.PSS(mgf=padding.MGF1(hashes.SHA1()),
                                       salt_length=32),
                        hashes.SHA256())))
add("es256_der", signed('{"alg":"ES256","kid":"ec-256"}', sp,
    lambda m: ec256.sign(m, ec.ECDSA(hashes.SHA256()))))
add("rs256_as_ps256", signed('{"alg":"PS256","kid":"rsa-1"}', sp,
    lambda m: rsa1.sign(m, padding.PKCS1v15(), hashes.SHA256())))

# algorithm confusion: HMAC keyed with the RSA public key's PEM bytes
pem = open("rsa1.pem", "rb").read()
h = json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"))
hk = json.dumps({"alg": "HS256", "kid": "rsa-1"}, separators=(",", ":"))
p = json.dumps(STD, separators=(",", ":"))
add("confusion", hand(h, p, pem))
add("confusion_kid", hand(hk, p, pem))

# alg none, in several spellings
add("none", b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(p.encode()) + ".")
add("none_sig", b64(b'{"alg":"none"}') + "." + b64(p.encode()) + "."
    + b64(b"x" * 32))
add("none_upper", b64(b'{"alg":"NONE"}') + "." + b64(p.encode()) + ".")

# claims, all HS256 with kid hs-1
add("expired", raw('{"exp":%d}' % (NOW - 1)))
add("exp_now", raw('{"exp":%d}' % NOW))
add("exp_frac", raw('{"exp":%d.5}' % NOW))
add("nbf_future", raw('{"nbf":%d,"exp":%d}' % (NOW + 30, NOW + 600)))
add("iat_future", raw('{"iat":%d,"exp":%d}' % (NOW + 100, NOW + 600)))
add("iat_frac", raw('{"iat":%d.25}' % NOW))
add("iss_other", raw('{"iss":"https://evil.example"}'))
add("iss_ok", raw('{"iss":"https://issuer.example"}'))
add("aud_str", raw('{"aud":"ws-api"}'))
add("aud_arr", raw('{"aud":["other","ws-api"]}'))
add("aud_arr_no", raw('{"aud":["other","ws-apix"]}'))
add("aud_empty", raw('{"aud":[]}'))
add("no_claims", raw('{}'))
add("exp_string", raw('{"exp":"123"}'))
add("exp_huge", raw('{"exp":1e400}'))
add("exp_bigint", raw('{"exp":99999999999999999999999}'))
add("exp_neg", raw('{"exp":-5}'))
add("exp_bool", raw('{"exp":true}'))
add("nbf_huge", raw('{"nbf":1.7e308}'))
add("iat_tiny", raw('{"iat":1e-400}'))
add("exp_exp", raw('{"exp":1.7e9}'))
add("exp_max", raw('{"exp":253402300799}'))
add("exp_max_frac", raw('{"exp":253402300799.5}'))
add("exp_max1", raw('{"exp":253402300800}'))
add("exp_negzero", raw('{"exp":-0.0,"nbf":0,"iat":0e5}'))
add("exp_upper", raw('{"exp":1.7E+9,"nbf":17e8,"iat":0.0017e12}'))
add("exp_long", raw('{"exp":1700003600.%s}' % ("0" * 500 + "1")))
add("iss_num", raw('{"iss":5}'))
add("aud_num", raw('{"aud":[1]}'))
add("aud_obj", raw('{"aud":{"a":"b"}}'))
add("scope_arr", raw('{"scope":["read"]}'))
add("scp_arr", raw('{"scp":["read","write"]}'))
add("scp_str", raw('{"scp":"read  write"}'))
add("scp_bad", raw('{"scp":["read",2]}'))
add("scope_str", raw('{"scope":"read write admin"}'))
add("lifetime", raw('{"iat":%d,"exp":%d}' % (NOW - 1000, NOW + 3600)))
add("lifetime_noiat", raw('{"exp":%d}' % (NOW + 3600)))
add("lifetime_noexp", raw('{"iat":%d}' % (NOW - 10)))
add("dup_claim", raw('{"sub":"a","exp":%d,"sub":"b"}' % (NOW + 60)))
add("dup_nested", raw('{"x":{"a":1,"a":2}}'))
add("deep", raw('{"x":' + "[" * 100 + "]" * 100 + "}"))
add("payload_str", raw('"just a string"'))
add("payload_arr", raw('[1,2]'))
add("payload_bad", raw('{"a":}'))
add("payload_trailing", raw('{"a":1} x'))
add("payload_badutf8", hand('{"alg":"HS256"}', b'{"a":"\xff"}'))
add("lookup", raw(
    '{"s":"plain","esc":"q\\"b\\\\s\\u00e9","n":42,"f":-1.5e3,'
    '"t":true,"fa":false,"z":null,"o":{"a":"b"},"arr":["a","b,c",""],'
    '"mixed":["a",1],"empty":[],"nested":[["a"]]}'))

# headers
add("hdr_array", hand('["HS256"]', p))
add("hdr_string", hand('"HS256"', p))
add("hdr_noalg", hand('{"typ":"JWT"}', p))
add("hdr_algnum", hand('{"alg":256}', p))
add("hdr_dup", hand('{"alg":"HS256","alg":"HS256"}', p))
add("hdr_kidnum", hand('{"alg":"HS256","kid":1}', p))
add("hdr_crit", hand('{"alg":"HS256","crit":["exp"],"exp":1}', p))
add("hdr_unknown_alg", hand('{"alg":"HS257"}', p))
add("hdr_extra", hand('{"alg":"HS256","kid":"hs-1","typ":"at+jwt",'
                      '"x5t":"abc","n":7}', p))

with open("tokens.txt", "w") as f:
    f.writelines(out)
PY

echo "jwt_vectors: regenerated"
