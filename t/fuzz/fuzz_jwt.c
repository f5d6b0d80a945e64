
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * libFuzzer target for the JWT core.  The first byte picks a mode:
 *
 *   0: the rest is a token, verified against a built-in key set (an HMAC
 *      secret, and the RSA, P-256 and Ed25519 public keys of
 *      t/unit/jwt_vectors, so that its tokens verify);
 *   1: two bytes of big-endian length, that many bytes of key file, and a
 *      token: the file is loaded into a fresh set and the token verified
 *      against it (or the built-in set, if the file yields no key);
 *   2: the rest is header JSON, "\n", payload JSON: the target encodes and
 *      signs them with the built-in HMAC secret, so that arbitrary JSON
 *      reaches the claims and the lookups behind the signature check.
 *
 * A token that verifies goes through the policy check and the lookups.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_ws_guard_jwt.h"


#define FUZZ_SECRET  "ws_guard fuzz secret, 32 bytes!!"


static void fuzz_init(void);
static void fuzz_token(const u_char *token, size_t len,
    const ngx_ws_guard_jwt_keyset_t *ks);
static uint64_t fuzz_probe(ngx_ws_guard_jwt_t *jwt);
static uint64_t fuzz_hash(uint64_t h, const u_char *p, size_t len);
static void fuzz_signed(const u_char *data, size_t len);
static size_t fuzz_b64url(const u_char *src, size_t len, u_char *dst);


static const char  fuzz_jwks[] =
    "{\"keys\":["
    "{\"kty\":\"oct\",\"kid\":\"fz\","
    "\"k\":\"d3NfZ3VhcmQgZnV6eiBzZWNyZXQsIDMyIGJ5dGVzISE\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"e\":\"AQAB\",\"n\":"
    "\"tDW9ZubQXvFEIGCamQ67K9FO18Tbs8jpt3Wjiq79JYZadnjmwwQW_HhzXCEkyrsaKPaN"
    "MYi_Gi_rfKe6-v0yu7l4HVc1kKlYL_E0LReR_XllHR7ED5ToAC8plUsc0KRPwf6_pVqdo_"
    "nj9cdhDZ8oQB29TuMAjQSzzC_ibSKW_9IBleG7xmC-xyzdj3T6HZZN3c9apDTe0vAXooKE"
    "vCTqMqIkUTUeY-9qdtCeqTt4-3WEPk1rLqW8ZemW8KTpZ0uPN1kXlNOMH56QYrO9XPfjP4"
    "Tw9bn15701Tp9-ivRMMvCjSUnxM5LRF60pMZoxAmrBdYrwegPW_HrO7HzFfTqLdQ\"},"
    "{\"kty\":\"EC\",\"kid\":\"ec-256\",\"crv\":\"P-256\","
    "\"x\":\"RyYxDukLMa3Y5RKCMWaPfutJkIZBGKHhxsWW-IP9j6Y\","
    "\"y\":\"5XxcdyDOFg7L1HSIVU_ni2oqVhsykEnAIAvvddAf_w8\"},"
    "{\"kty\":\"OKP\",\"kid\":\"ed-1\",\"crv\":\"Ed25519\","
    "\"x\":\"2bv2-RagPPr2q5Szrsn6m4kRUXUtywO73X5OZmqXD48\"}"
    "]}";


static ngx_ws_guard_jwt_keyset_t  *fuzz_keys;
static volatile unsigned            fuzz_sink;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                        err[NGX_WS_GUARD_JWT_ERRLEN];
    u_char                     *copy;
    size_t                      klen;
    ngx_ws_guard_jwt_keyset_t  *ks;

    fuzz_init();

    if (size < 1) {
        return 0;
    }

    switch (data[0] % 3) {

    case 0:
        fuzz_token(data + 1, size - 1, fuzz_keys);
        break;

    case 1:
        if (size < 3) {
            return 0;
        }

        klen = (size_t) data[1] << 8 | data[2];
        data += 3;
        size -= 3;

        if (klen > size) {
            klen = size;
        }

        ks = ngx_ws_guard_jwt_keyset_create();
        if (ks == NULL) {
            abort();
        }

        /* an exact-size copy, so that reading past it is caught */

        copy = malloc(klen ? klen : 1);
        if (copy == NULL) {
            abort();
        }

        memcpy(copy, data, klen);

        if (ngx_ws_guard_jwt_keyset_load(ks, copy, klen, err, sizeof(err))
            != NGX_WS_GUARD_OK)
        {
            /* messages are NUL-terminated within the buffer */
            if (strlen(err) >= sizeof(err)) {
                abort();
            }
        }

        free(copy);

        fuzz_token(data + klen, size - klen,
                   ngx_ws_guard_jwt_keyset_count(ks) ? ks : fuzz_keys);

        ngx_ws_guard_jwt_keyset_free(ks);
        break;

    default:
        fuzz_signed(data + 1, size - 1);
        break;
    }

    return 0;
}


static void
fuzz_init(void)
{
    char  err[NGX_WS_GUARD_JWT_ERRLEN];

    if (fuzz_keys != NULL) {
        return;
    }

    fuzz_keys = ngx_ws_guard_jwt_keyset_create();

    if (fuzz_keys == NULL
        || ngx_ws_guard_jwt_keyset_load(fuzz_keys, (u_char *) fuzz_jwks,
                                        sizeof(fuzz_jwks) - 1, err,
                                        sizeof(err))
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_jwt_keyset_count(fuzz_keys) != 4)
    {
        abort();
    }
}


static void
fuzz_token(const u_char *token, size_t len,
    const ngx_ws_guard_jwt_keyset_t *ks)
{
    int                  rc;
    u_char              *copy;
    uint64_t             h;
    const char          *reason;
    ngx_ws_guard_jwt_t  *jwt;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, token, len);

    reason = NULL;

    rc = ngx_ws_guard_jwt_verify(copy, len, ks, NGX_WS_GUARD_JWT_ALG_ALL,
                                 &jwt, &reason);
    free(copy);

    if (rc != NGX_WS_GUARD_OK) {
        if (jwt != NULL || reason == NULL) {
            abort();
        }

        return;
    }

    /* what the token answers must not change when it is compacted */

    h = fuzz_probe(jwt);

    if (ngx_ws_guard_jwt_compact(jwt) == NGX_WS_GUARD_OK
        && fuzz_probe(jwt) != h)
    {
        fprintf(stderr, "the compacted token answers differently\n");
        abort();
    }

    ngx_ws_guard_jwt_free(jwt);
}


/* every answer of a verified token, hashed */

static uint64_t
fuzz_probe(ngx_ws_guard_jwt_t *jwt)
{
    int                         rc;
    char                        err[NGX_WS_GUARD_JWT_ERRLEN];
    size_t                      i, j;
    time_t                      exp;
    uint64_t                    h;
    ngx_ws_guard_jwt_str_t      v, iss[1], aud[2], scopes[2];
    ngx_ws_guard_jwt_policy_t   policy;

    static const char  *names[] = {
        "sub", "aud", "exp", "nbf", "iat", "iss", "scope", "scp", "groups",
        "alg", "kid", "typ", "", "n"
    };

    h = 14695981039346656037ULL;

    iss[0].data = (u_char *) "https://issuer.example";
    iss[0].len = sizeof("https://issuer.example") - 1;
    aud[0].data = (u_char *) "ws-api";
    aud[0].len = 6;
    aud[1].data = (u_char *) "";
    aud[1].len = 0;
    scopes[0].data = (u_char *) "read";
    scopes[0].len = 4;
    scopes[1].data = (u_char *) "write";
    scopes[1].len = 5;

    memset(&policy, 0, sizeof(policy));

    policy.now = 1700000000;
    err[0] = '\0';
    rc = ngx_ws_guard_jwt_check(jwt, &policy, err, sizeof(err));
    h = fuzz_hash(h, (const u_char *) &rc, sizeof(rc));
    h = fuzz_hash(h, (const u_char *) err, strlen(err));

    policy.leeway = 60;
    policy.issuers = iss;
    policy.nissuers = 1;
    policy.audiences = aud;
    policy.naudiences = 2;
    policy.max_lifetime = 3600;
    policy.scopes = scopes;
    policy.nscopes = 2;

    err[0] = '\0';
    rc = ngx_ws_guard_jwt_check(jwt, &policy, err, sizeof(err));
    h = fuzz_hash(h, (const u_char *) &rc, sizeof(rc));
    h = fuzz_hash(h, (const u_char *) err, strlen(err));

    if (rc != NGX_WS_GUARD_OK && rc != NGX_WS_GUARD_ERROR
        && rc != NGX_WS_GUARD_DECLINED)
    {
        abort();
    }

    if (ngx_ws_guard_jwt_exp(jwt, &exp) == NGX_WS_GUARD_OK) {
        if (exp < 0) {
            abort();
        }

        h = fuzz_hash(h, (const u_char *) &exp, sizeof(exp));
    }

    if (ngx_ws_guard_jwt_alg_name(ngx_ws_guard_jwt_alg(jwt)) == NULL) {
        abort();
    }

    /* every byte of every value is read: ASan checks the bounds */

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (ngx_ws_guard_jwt_claim(jwt, (u_char *) names[i],
                                   strlen(names[i]), &v)
            == NGX_WS_GUARD_OK)
        {
            for (j = 0; j < v.len; j++) {
                fuzz_sink += v.data[j];
            }

            h = fuzz_hash(h, v.data, v.len);
        }

        if (ngx_ws_guard_jwt_header(jwt, (u_char *) names[i],
                                    strlen(names[i]), &v)
            == NGX_WS_GUARD_OK)
        {
            for (j = 0; j < v.len; j++) {
                fuzz_sink += v.data[j];
            }

            h = fuzz_hash(h, v.data, v.len);
        }
    }

    return h;
}


/* FNV-1a */

static uint64_t
fuzz_hash(uint64_t h, const u_char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 1099511628211ULL;
    }

    return h;
}


static void
fuzz_signed(const u_char *data, size_t len)
{
    u_char        *token, *p, mac[EVP_MAX_MD_SIZE];
    size_t         hlen, plen;
    unsigned int   mac_len;
    const u_char  *nl, *header, *payload;

    static const u_char  dflt[] = "{\"alg\":\"HS256\",\"kid\":\"fz\"}";

    nl = memchr(data, '\n', len);

    if (nl == NULL) {
        header = dflt;
        hlen = sizeof(dflt) - 1;
        payload = data;
        plen = len;

    } else {
        header = data;
        hlen = nl - data;
        payload = nl + 1;
        plen = len - hlen - 1;
    }

    token = malloc((hlen + plen + 2) / 3 * 4 + 8 + 2 * EVP_MAX_MD_SIZE);
    if (token == NULL) {
        abort();
    }

    p = token;
    p += fuzz_b64url(header, hlen, p);
    *p++ = '.';
    p += fuzz_b64url(payload, plen, p);

    if (HMAC(EVP_sha256(), FUZZ_SECRET, sizeof(FUZZ_SECRET) - 1, token,
             p - token, mac, &mac_len)
        == NULL)
    {
        abort();
    }

    *p++ = '.';
    p += fuzz_b64url(mac, mac_len, p);

    fuzz_token(token, p - token, fuzz_keys);

    free(token);
}


static size_t
fuzz_b64url(const u_char *src, size_t len, u_char *dst)
{
    u_char   *d;
    uint32_t  v;

    static const char  tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    d = dst;

    while (len >= 3) {
        v = (uint32_t) src[0] << 16 | (uint32_t) src[1] << 8 | src[2];
        *d++ = tab[v >> 18];
        *d++ = tab[(v >> 12) & 0x3f];
        *d++ = tab[(v >> 6) & 0x3f];
        *d++ = tab[v & 0x3f];
        src += 3;
        len -= 3;
    }

    if (len == 1) {
        v = (uint32_t) src[0] << 16;
        *d++ = tab[v >> 18];
        *d++ = tab[(v >> 12) & 0x3f];

    } else if (len == 2) {
        v = (uint32_t) src[0] << 16 | (uint32_t) src[1] << 8;
        *d++ = tab[v >> 18];
        *d++ = tab[(v >> 12) & 0x3f];
        *d++ = tab[(v >> 6) & 0x3f];
    }

    return d - dst;
}
