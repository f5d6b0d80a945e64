#!/bin/sh
# Regenerates the JWT test keys with the openssl CLI (and coreutils for the
# JWK encoding).  The keys are committed; run this only to replace them,
# then run the tests again.
#
#   private keys (for t/lib/jwt/mint.py):  NAME.key (PKCS#8 PEM)
#   public keys (for nginx):               NAME.pub.pem (SPKI PEM),
#                                          NAME.crt (self-signed certificate),
#                                          NAME.jwks (JWKS, kid "NAME")
#   all.jwks                               every public key and the secret
#   hmac.jwks                              the HMAC secret, kty "oct"
#   rsa.pkcs1.pem                          the RSA public key as PKCS#1
#   rsa1024.pub.pem                        too short: refused at load
#
#   NAME: rsa, rsa2 (a second RSA key, same kid "rsa" in rsa2.jwks, for bad
#   signatures), ec256, ec384, ec521, ed25519

set -eu
cd "$(dirname "$0")"

b64url() {
    base64 -w0 | tr '+/' '-_' | tr -d '='
}

# the last N bytes of a DER public key: for EC the point (04 x y), for
# Ed25519 the key itself

der_tail() {
    openssl pkey -in "$1" -pubout -outform DER | tail -c "$2"
}

cert() {
    openssl req -x509 -key "$1.key" -subj "/CN=ws-guard-jwt-$1" -days 36500 \
        -out "$1.crt" 2>/dev/null
}

rsa_jwk() {
    n=$(openssl rsa -in "$1.key" -noout -modulus | sed 's/^Modulus=//' \
        | xxd -r -p | b64url)
    printf '{"kty":"RSA","kid":"%s","use":"sig","n":"%s","e":"AQAB"}' \
        "$2" "$n"
}

ec_jwk() {
    # $1 name, $2 crv, $3 coordinate size
    pt=$(der_tail "$1.key" $((2 * $3)) | xxd -p | tr -d '\n')
    x=$(printf '%s' "$pt" | cut -c1-$((2 * $3)) | xxd -r -p | b64url)
    y=$(printf '%s' "$pt" | cut -c$((2 * $3 + 1))- | xxd -r -p | b64url)
    printf '{"kty":"EC","kid":"%s","crv":"%s","x":"%s","y":"%s"}' \
        "$1" "$2" "$x" "$y"
}

openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2.key
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.key
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.key
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out ec521.key
openssl genpkey -quiet -algorithm ED25519 -out ed25519.key

for k in rsa rsa2 rsa1024 ec256 ec384 ec521 ed25519; do
    openssl pkey -in $k.key -pubout -out $k.pub.pem
done

for k in rsa ec256 ed25519; do
    cert $k
done

openssl rsa -in rsa.key -RSAPublicKey_out -out rsa.pkcs1.pem 2>/dev/null

jwk_rsa=$(rsa_jwk rsa rsa)
jwk_rsa2=$(rsa_jwk rsa2 rsa)
jwk_ec256=$(ec_jwk ec256 P-256 32)
jwk_ec384=$(ec_jwk ec384 P-384 48)
jwk_ec521=$(ec_jwk ec521 P-521 66)
jwk_ed=$(printf '{"kty":"OKP","kid":"ed25519","crv":"Ed25519","x":"%s"}' \
         "$(der_tail ed25519.key 32 | b64url)")
jwk_oct=$(printf '{"kty":"oct","kid":"hmac","k":"%s"}' \
          "$(openssl rand 64 | b64url)")

printf '{"keys":[%s]}\n' "$jwk_rsa" > rsa.jwks
printf '{"keys":[%s]}\n' "$jwk_rsa2" > rsa2.jwks
printf '{"keys":[%s]}\n' "$jwk_ec256" > ec256.jwks
printf '{"keys":[%s]}\n' "$jwk_ec384" > ec384.jwks
printf '{"keys":[%s]}\n' "$jwk_ec521" > ec521.jwks
printf '{"keys":[%s]}\n' "$jwk_ed" > ed25519.jwks
printf '{"keys":[%s]}\n' "$jwk_oct" > hmac.jwks
printf '{"keys":[\n%s,\n%s,\n%s,\n%s,\n%s,\n%s\n]}\n' "$jwk_rsa" "$jwk_ec256" \
    "$jwk_ec384" "$jwk_ec521" "$jwk_ed" "$jwk_oct" > all.jwks

rm -f rsa2.pub.pem
echo "gen.sh: keys written to $(pwd)"
