
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of the JWT core.  Run from t/unit: fixtures are read from
 * jwt_vectors/ (see jwt_vectors/gen.sh; tokens minted by PyJWT, keys by the
 * openssl CLI).  Times are checked against a fixed clock, NOW.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_ws_guard_jwt.h"
#include "unit.h"


#define NOW  1700000000

#define ALL  NGX_WS_GUARD_JWT_ALG_ALL

#define VEC  "jwt_vectors/"

/* base64url of 32 zero bytes */
#define ZERO32  "AAAAAAAAAAAAAAAAAAAAA" "AAAAAAAAAAAAAAAAAAAAAA"


#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char  *unit_s = (a), *unit_t = (b);                             \
        if (unit_s != NULL && unit_t != NULL && strcmp(unit_s, unit_t) == 0)  \
        {                                                                     \
            unit_passed++;                                                    \
        } else {                                                              \
            unit_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",         \
                    __FILE__, __LINE__, #a, unit_s ? unit_s : "(null)",       \
                    unit_t ? unit_t : "(null)");                              \
        }                                                                     \
    } while (0)


#define CHECK_PREFIX(a, b)                                                    \
    do {                                                                      \
        const char  *unit_s = (a), *unit_t = (b);                             \
        if (strncmp(unit_s, unit_t, strlen(unit_t)) == 0) {                   \
            unit_passed++;                                                    \
        } else {                                                              \
            unit_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s...\"\n",      \
                    __FILE__, __LINE__, #a, unit_s, unit_t);                  \
        }                                                                     \
    } while (0)


typedef struct {
    char    *name;
    char    *token;
} test_token_t;


static char *read_file(const char *path, size_t *len);
static void load_tokens(void);
static const char *tok(const char *name);
static ngx_ws_guard_jwt_keyset_t *keys(const char *path);
static const char *load_str(ngx_ws_guard_jwt_keyset_t *ks, const char *s);
static const char *verify_raw(ngx_ws_guard_jwt_keyset_t *ks,
    const char *token, size_t len, unsigned algs);
static const char *vfy(ngx_ws_guard_jwt_keyset_t *ks, const char *name);
static int policy_check(ngx_ws_guard_jwt_keyset_t *ks, const char *name,
    const ngx_ws_guard_jwt_policy_t *policy, char *msg);
static const char *claim(ngx_ws_guard_jwt_t *jwt, const char *name,
    char *buf);
static char *tamper(const char *name, int part, size_t pos);

static void test_algs(void);
static void test_key_files(void);
static void test_families(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_pem(void);
static void test_selection(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_rejects(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_types(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_times(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_iss_aud(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_scopes(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_lifetime(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_lookup(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_compact_size(ngx_ws_guard_jwt_keyset_t *jwks);
static void test_keep(ngx_ws_guard_jwt_keyset_t *jwks, int compact);
static void test_bad_key_files(void);


static test_token_t  tokens[256];
static size_t        ntokens;
static char         *tokens_file;


/* set: tokens are compacted after verify (ngx_ws_guard_jwt_compact) */
static int  compact_tokens;


static void
compacted(ngx_ws_guard_jwt_t *jwt)
{
    if (compact_tokens && jwt != NULL) {
        CHECK_EQ_INT(ngx_ws_guard_jwt_compact(jwt), NGX_WS_GUARD_OK);
    }
}


int
main(void)
{
    ngx_ws_guard_jwt_keyset_t  *jwks;

    load_tokens();

    jwks = keys(VEC "jwks.json");

    test_algs();
    test_key_files();
    test_families(jwks);
    test_pem();
    test_selection(jwks);
    test_rejects(jwks);
    test_types(jwks);
    test_times(jwks);
    test_iss_aud(jwks);
    test_scopes(jwks);
    test_lifetime(jwks);
    test_lookup(jwks);

    /* the same with every verified token compacted first */
    compact_tokens = 1;
    test_times(jwks);
    test_iss_aud(jwks);
    test_scopes(jwks);
    test_lifetime(jwks);
    test_lookup(jwks);
    compact_tokens = 0;
    test_compact_size(jwks);
    test_keep(jwks, 0);
    test_keep(jwks, 1);
    test_bad_key_files();

    ngx_ws_guard_jwt_keyset_free(jwks);
    free(tokens_file);

    return unit_done("jwt");
}


static void
test_algs(void)
{
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "HS256", 5),
                 NGX_WS_GUARD_JWT_HS256);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "PS384", 5),
                 NGX_WS_GUARD_JWT_PS384);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "EdDSA", 5),
                 NGX_WS_GUARD_JWT_EDDSA);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "none", 4), 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "hs256", 5), 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "HS2560", 6), 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name((u_char *) "HS25", 4), 0);

    CHECK_STR(ngx_ws_guard_jwt_alg_name(NGX_WS_GUARD_JWT_ES512), "ES512");
    CHECK(ngx_ws_guard_jwt_alg_name(NGX_WS_GUARD_JWT_HS256
                                    | NGX_WS_GUARD_JWT_HS384) == NULL);
    CHECK(ngx_ws_guard_jwt_alg_name(0) == NULL);
    CHECK_STR(ngx_ws_guard_jwt_alg_names[0], "HS256");
    CHECK_STR(ngx_ws_guard_jwt_alg_names[NGX_WS_GUARD_JWT_NALGS - 1],
              "EdDSA");
    CHECK_EQ_INT(ngx_ws_guard_jwt_alg_from_name(
                     (u_char *) ngx_ws_guard_jwt_alg_names[6], 5),
                 NGX_WS_GUARD_JWT_PS256);
}


static void
test_key_files(void)
{
    size_t                      i;
    ngx_ws_guard_jwt_keyset_t  *ks;

    static const struct {
        const char  *file;
        size_t       count;
    } files[] = {
        /* 9 keys, the "use": "enc" one skipped */
        { VEC "jwks.json", 8 },
        { VEC "ec256.jwk", 1 },
        { VEC "rsa1.pem", 1 },
        { VEC "rsa1_pkcs1.pem", 1 },
        { VEC "rsa1_cert.pem", 1 },
        { VEC "multi.pem", 5 },
    };

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ks = keys(files[i].file);
        CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), files[i].count);
        ngx_ws_guard_jwt_keyset_free(ks);
    }

    /* keys of several files add up */

    ks = keys(VEC "jwks.json");
    CHECK_STR(load_str(ks, NULL), "ok");
    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), 9);
    ngx_ws_guard_jwt_keyset_free(ks);

    ngx_ws_guard_jwt_keyset_free(NULL);
}


static void
test_families(ngx_ws_guard_jwt_keyset_t *jwks)
{
    size_t  i;

    static const char  *names[] = {
        "hs256", "hs384", "hs512",
        "rs256", "rs384", "rs512",
        "ps256", "ps384", "ps512",
        "es256", "es384", "es512",
        "eddsa",
        "rs256_nokid", "ps512_nokid", "es256_nokid", "es384_nokid",
        "es512_nokid", "eddsa_nokid"
    };

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CHECK_STR(vfy(jwks, names[i]), "ok");
    }

    /* every family with a tampered signature, then a tampered payload */

    for (i = 0; i < 13; i++) {
        CHECK_STR(verify_raw(jwks, tamper(names[i], 2, 5), (size_t) -1, ALL),
                  "bad signature");
        CHECK_STR(verify_raw(jwks, tamper(names[i], 1, 20), (size_t) -1, ALL),
                  "bad signature");
    }

    /* PSS with another salt length or MGF1 hash, PKCS#1 v1.5 as PSS */

    CHECK_STR(vfy(jwks, "ps256_maxsalt"), "bad signature");
    CHECK_STR(vfy(jwks, "ps256_sha1mgf"), "bad signature");
    CHECK_STR(vfy(jwks, "rs256_as_ps256"), "bad signature");

    /* an ECDSA signature in DER instead of JOSE r||s */

    CHECK_STR(vfy(jwks, "es256_der"), "bad signature");

    /* JOSE ECDSA and EdDSA signatures one byte short: wrong length */

    CHECK_STR(verify_raw(jwks, tok("es256"), strlen(tok("es256")) - 2, ALL),
              "bad signature");
    CHECK_STR(verify_raw(jwks, tok("eddsa"), strlen(tok("eddsa")) - 2, ALL),
              "bad signature");
}


static void
test_pem(void)
{
    ngx_ws_guard_jwt_keyset_t  *ks;

    ks = keys(VEC "rsa1.pem");
    CHECK_STR(vfy(ks, "rs256_nokid"), "ok");
    CHECK_STR(vfy(ks, "ps384_nokid"), "ok");
    /* the token's kid names no key: the kid-less PEM key is used */
    CHECK_STR(vfy(ks, "rs512"), "ok");
    CHECK_STR(vfy(ks, "rs256_rsa2_nokid"), "bad signature");
    CHECK_STR(vfy(ks, "es256_nokid"), "no key for algorithm");
    /* HS256 keyed with the PEM text of the RSA key: no oct key, refused */
    CHECK_STR(vfy(ks, "confusion"), "no key for algorithm");
    CHECK_STR(vfy(ks, "confusion_kid"), "no key for algorithm");
    ngx_ws_guard_jwt_keyset_free(ks);

    ks = keys(VEC "rsa1_pkcs1.pem");
    CHECK_STR(vfy(ks, "rs384_nokid"), "ok");
    CHECK_STR(vfy(ks, "ps256_nokid"), "ok");
    CHECK_STR(vfy(ks, "confusion"), "no key for algorithm");
    ngx_ws_guard_jwt_keyset_free(ks);

    ks = keys(VEC "rsa1_cert.pem");
    CHECK_STR(vfy(ks, "rs256_nokid"), "ok");
    CHECK_STR(vfy(ks, "ps512_nokid"), "ok");
    CHECK_STR(vfy(ks, "rs256_rsa2_nokid"), "bad signature");
    ngx_ws_guard_jwt_keyset_free(ks);

    ks = keys(VEC "multi.pem");
    CHECK_STR(vfy(ks, "es256_nokid"), "ok");
    CHECK_STR(vfy(ks, "es384_nokid"), "ok");
    CHECK_STR(vfy(ks, "es512_nokid"), "ok");
    CHECK_STR(vfy(ks, "eddsa_nokid"), "ok");
    CHECK_STR(vfy(ks, "ps256_rsa2_cert"), "ok");
    CHECK_STR(vfy(ks, "rs256_nokid"), "bad signature");
    CHECK_STR(vfy(ks, "hs256"), "no key for algorithm");
    ngx_ws_guard_jwt_keyset_free(ks);

    ks = keys(VEC "ec256.jwk");
    CHECK_STR(vfy(ks, "es256_single"), "ok");
    CHECK_STR(vfy(ks, "es256_nokid"), "ok");
    CHECK_STR(vfy(ks, "es256"), "unknown kid");
    CHECK_STR(vfy(ks, "es384_nokid"), "no key for algorithm");
    ngx_ws_guard_jwt_keyset_free(ks);
}


static void
test_selection(ngx_ws_guard_jwt_keyset_t *jwks)
{
    ngx_ws_guard_jwt_keyset_t  *ks;

    CHECK_STR(vfy(jwks, "rs256_rsa2"), "ok");
    CHECK_STR(vfy(jwks, "rs256_rsa2_nokid"), "ok");
    /* kid rsa-1, signed with rsa-2: only rsa-1 is tried */
    CHECK_STR(vfy(jwks, "rs256_rsa2_kid1"), "bad signature");
    CHECK_STR(vfy(jwks, "hs256_unknown_kid"), "unknown kid");
    /* the "use": "enc" key is not loaded */
    CHECK_STR(vfy(jwks, "rs256_enc_kid"), "unknown kid");
    /* the JWK's "alg" must equal the token's */
    CHECK_STR(vfy(jwks, "hs256_hs256only"), "ok");
    CHECK_STR(vfy(jwks, "hs384_hs256only"), "no key for algorithm");
    /* the curve must match the algorithm */
    CHECK_STR(vfy(jwks, "es384_kid_ec256"), "no key for algorithm");
    CHECK_STR(vfy(jwks, "es256_kid_ec384"), "no key for algorithm");
    CHECK_STR(vfy(jwks, "confusion_kid"), "no key for algorithm");
    CHECK_STR(vfy(jwks, "confusion"), "bad signature");

    /* with a kid-less key in the set, an unknown kid falls back to it */
    ks = keys(VEC "jwks.json");
    CHECK_STR(load_str(ks, NULL), "ok");
    CHECK_STR(vfy(ks, "hs256_unknown_kid"), "no key for algorithm");
    CHECK_STR(vfy(ks, "rs256_enc_kid"), "bad signature");
    ngx_ws_guard_jwt_keyset_free(ks);

    /* allowed algorithms */
    CHECK_STR(verify_raw(jwks, tok("rs256"), (size_t) -1,
                         NGX_WS_GUARD_JWT_HS256),
              "algorithm not allowed");
    CHECK_STR(verify_raw(jwks, tok("hs256"), (size_t) -1,
                         ALL & ~NGX_WS_GUARD_JWT_HS256),
              "algorithm not allowed");
    CHECK_STR(verify_raw(jwks, tok("eddsa"), (size_t) -1,
                         NGX_WS_GUARD_JWT_EDDSA),
              "ok");
    CHECK_STR(verify_raw(jwks, tok("es384"), (size_t) -1, 0),
              "algorithm not allowed");
}


static void
test_rejects(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char  *big;

    CHECK_STR(vfy(jwks, "none"), "alg none");
    CHECK_STR(vfy(jwks, "none_sig"), "alg none");
    CHECK_STR(vfy(jwks, "none_upper"), "alg none");
    CHECK_STR(vfy(jwks, "hdr_unknown_alg"), "algorithm not allowed");

    CHECK_STR(verify_raw(jwks, "", 0, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "abc", 3, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "e30.e30", 7, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "e30.e30.e30.e30", 15, ALL),
              "malformed token");
    CHECK_STR(verify_raw(jwks, ".e30.xx", 7, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "e30..xx", 7, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "..", 2, ALL), "malformed token");
    CHECK_STR(verify_raw(jwks, "\xff\xfe\x00", 3, ALL), "malformed token");

    CHECK_STR(verify_raw(jwks, "!!!!.e30.xx", 11, ALL), "bad base64url");
    CHECK_STR(verify_raw(jwks, "e30=.e30.xx", 11, ALL), "bad base64url");
    CHECK_STR(verify_raw(jwks, "e3 0.e30.xx", 11, ALL), "bad base64url");
    CHECK_STR(verify_raw(jwks, "e+0.e30.xx", 10, ALL), "bad base64url");
    /* five characters cannot be base64 */
    CHECK_STR(verify_raw(jwks, "e30e3.e30.xx", 12, ALL), "bad base64url");
    /* non-zero trailing bits: "eR" would decode as "eQ" does */
    CHECK_STR(verify_raw(jwks, "eR.e30.xx", 9, ALL), "bad base64url");
    CHECK_STR(verify_raw(jwks, "eQ.e30.xx", 9, ALL),
              "header is not a JSON object");
    CHECK_STR(verify_raw(jwks, "eyJhbGciOiJIUzI1NiJ9.e30.a=", 27, ALL),
              "bad base64url");
    CHECK_STR(verify_raw(jwks, "eyJhbGciOiJIUzI1NiJ9.e30.", 25, ALL),
              "bad signature");
    /* a payload that is not base64url is found once signed */
    CHECK_STR(verify_raw(jwks, "eyJhbGciOiJIUzI1NiJ9.$$$.AA", 27, ALL),
              "bad signature");

    CHECK_STR(vfy(jwks, "hdr_array"), "header is not a JSON object");
    CHECK_STR(vfy(jwks, "hdr_string"), "header is not a JSON object");
    CHECK_STR(vfy(jwks, "hdr_noalg"), "missing alg");
    CHECK_STR(vfy(jwks, "hdr_algnum"), "missing alg");
    CHECK_STR(vfy(jwks, "hdr_dup"), "duplicate member");
    CHECK_STR(vfy(jwks, "hdr_kidnum"), "kid is not a string");
    CHECK_STR(vfy(jwks, "hdr_crit"), "unsupported crit header");
    CHECK_STR(vfy(jwks, "hdr_extra"), "ok");

    CHECK_STR(vfy(jwks, "payload_str"), "payload is not a JSON object");
    CHECK_STR(vfy(jwks, "payload_arr"), "payload is not a JSON object");
    CHECK_STR(vfy(jwks, "payload_bad"), "payload is not a JSON object");
    CHECK_STR(vfy(jwks, "payload_trailing"), "payload is not a JSON object");
    CHECK_STR(vfy(jwks, "payload_badutf8"), "payload is not a JSON object");
    CHECK_STR(vfy(jwks, "dup_claim"), "duplicate member");
    CHECK_STR(vfy(jwks, "dup_nested"), "duplicate member");
    CHECK_STR(vfy(jwks, "deep"), "JSON nested too deeply");

    /* length limit: checked before anything else */

    big = malloc(NGX_WS_GUARD_JWT_MAX_TOKEN + 1);
    if (big == NULL) {
        abort();
    }

    memset(big, 'A', NGX_WS_GUARD_JWT_MAX_TOKEN + 1);
    big[100] = '.';
    big[200] = '.';

    CHECK_STR(verify_raw(jwks, big, NGX_WS_GUARD_JWT_MAX_TOKEN + 1, ALL),
              "token too long");
    CHECK_STR(verify_raw(jwks, big, NGX_WS_GUARD_JWT_MAX_TOKEN, ALL),
              "header is not a JSON object");

    free(big);
}


static void
test_types(ngx_ws_guard_jwt_keyset_t *jwks)
{
    CHECK_STR(vfy(jwks, "exp_string"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "exp_huge"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "exp_bigint"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "exp_neg"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "exp_bool"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "nbf_huge"), "wrongly typed claim \"nbf\"");
    CHECK_STR(vfy(jwks, "iss_num"), "wrongly typed claim \"iss\"");
    CHECK_STR(vfy(jwks, "aud_num"), "wrongly typed claim \"aud\"");
    CHECK_STR(vfy(jwks, "aud_obj"), "wrongly typed claim \"aud\"");
    CHECK_STR(vfy(jwks, "scope_arr"), "wrongly typed claim \"scope\"");
    CHECK_STR(vfy(jwks, "scp_bad"), "wrongly typed claim \"scp\"");

    /* the range ends with 9999 */
    CHECK_STR(vfy(jwks, "exp_max"), "ok");
    CHECK_STR(vfy(jwks, "exp_max_frac"), "wrongly typed claim \"exp\"");
    CHECK_STR(vfy(jwks, "exp_max1"), "wrongly typed claim \"exp\"");

    /* 1e-400 is a fine, if early, iat; 1.7e9 a fine exp */
    CHECK_STR(vfy(jwks, "exp_negzero"), "ok");
    CHECK_STR(vfy(jwks, "exp_long"), "ok");
    CHECK_STR(vfy(jwks, "iat_tiny"), "ok");
    CHECK_STR(vfy(jwks, "exp_exp"), "ok");
    CHECK_STR(vfy(jwks, "exp_frac"), "ok");
}


static void
test_times(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char                       msg[NGX_WS_GUARD_JWT_ERRLEN];
    ngx_ws_guard_jwt_policy_t  p;

    memset(&p, 0, sizeof(p));
    p.now = NOW;

    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "no_claims", &p, msg), NGX_WS_GUARD_OK);

    CHECK_EQ_INT(policy_check(jwks, "expired", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");
    CHECK_EQ_INT(policy_check(jwks, "exp_now", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");
    /* exp NOW + 0.5 is rounded down */
    CHECK_EQ_INT(policy_check(jwks, "exp_frac", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(policy_check(jwks, "exp_exp", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");
    CHECK_EQ_INT(policy_check(jwks, "exp_negzero", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");
    /* exp 1.7E+9, nbf 17e8, iat 0.0017e12: all NOW */
    CHECK_EQ_INT(policy_check(jwks, "exp_upper", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");
    p.now = NOW - 1;
    CHECK_EQ_INT(policy_check(jwks, "exp_upper", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token not yet valid");
    p.leeway = 1;
    CHECK_EQ_INT(policy_check(jwks, "exp_upper", &p, msg), NGX_WS_GUARD_OK);
    p.leeway = 0;
    p.now = NOW;
    CHECK_EQ_INT(policy_check(jwks, "exp_max", &p, msg), NGX_WS_GUARD_OK);
    /* exp NOW + 3600.000...1 */
    CHECK_EQ_INT(policy_check(jwks, "exp_long", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "nbf_future", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token not yet valid");
    CHECK_EQ_INT(policy_check(jwks, "iat_future", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token issued in the future");
    /* iat NOW + 0.25 is rounded up */
    CHECK_EQ_INT(policy_check(jwks, "iat_frac", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token issued in the future");

    p.leeway = 1;
    CHECK_EQ_INT(policy_check(jwks, "expired", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_EQ_INT(policy_check(jwks, "exp_now", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "iat_frac", &p, msg), NGX_WS_GUARD_OK);

    p.leeway = 2;
    CHECK_EQ_INT(policy_check(jwks, "expired", &p, msg), NGX_WS_GUARD_OK);

    p.leeway = 29;
    CHECK_EQ_INT(policy_check(jwks, "nbf_future", &p, msg),
                 NGX_WS_GUARD_ERROR);
    p.leeway = 30;
    CHECK_EQ_INT(policy_check(jwks, "nbf_future", &p, msg), NGX_WS_GUARD_OK);

    p.leeway = 99;
    CHECK_EQ_INT(policy_check(jwks, "iat_future", &p, msg),
                 NGX_WS_GUARD_ERROR);
    p.leeway = 100;
    CHECK_EQ_INT(policy_check(jwks, "iat_future", &p, msg), NGX_WS_GUARD_OK);

    /* the clock moves on: the standard token expires at NOW + 3600 */
    p.leeway = 0;
    p.now = NOW + 3599;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_OK);
    p.now = NOW + 3600;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");

    /* and before nbf, NOW - 1000 */
    p.now = NOW - 1001;
    CHECK_EQ_INT(policy_check(jwks, "es512", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token not yet valid");

    /* absurd clocks and leeways are clamped, not overflowed */
    p.now = (time_t) 0x7fffffffffffffffLL;
    p.leeway = (time_t) 0x7fffffffffffffffLL;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_OK);
    p.leeway = 0;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_ERROR);
    p.now = -5;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token not yet valid");
}


static void
test_iss_aud(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char                       msg[NGX_WS_GUARD_JWT_ERRLEN];
    ngx_ws_guard_jwt_str_t     iss[2], aud[2];
    ngx_ws_guard_jwt_policy_t  p;

    memset(&p, 0, sizeof(p));
    p.now = NOW;

    iss[0].data = (u_char *) "https://other.example";
    iss[0].len = strlen((char *) iss[0].data);
    iss[1].data = (u_char *) "https://issuer.example";
    iss[1].len = strlen((char *) iss[1].data);

    p.issuers = iss;
    p.nissuers = 2;

    CHECK_EQ_INT(policy_check(jwks, "iss_ok", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "rs384", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "iss_other", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong issuer");
    CHECK_EQ_INT(policy_check(jwks, "no_claims", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong issuer");

    p.nissuers = 1;
    CHECK_EQ_INT(policy_check(jwks, "iss_ok", &p, msg), NGX_WS_GUARD_ERROR);

    p.nissuers = 0;
    CHECK_EQ_INT(policy_check(jwks, "iss_other", &p, msg), NGX_WS_GUARD_OK);

    aud[0].data = (u_char *) "ws-api";
    aud[0].len = 6;
    aud[1].data = (u_char *) "other";
    aud[1].len = 5;

    p.audiences = aud;
    p.naudiences = 1;

    CHECK_EQ_INT(policy_check(jwks, "aud_str", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "aud_arr", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "ps256", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "aud_arr_no", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong audience");
    CHECK_EQ_INT(policy_check(jwks, "aud_empty", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong audience");
    CHECK_EQ_INT(policy_check(jwks, "no_claims", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong audience");

    /* "other" is the first element of aud_arr_no */
    p.audiences = &aud[1];
    CHECK_EQ_INT(policy_check(jwks, "aud_arr_no", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "aud_str", &p, msg), NGX_WS_GUARD_ERROR);

    /* a prefix is not a match */
    aud[0].len = 5;
    p.audiences = aud;
    CHECK_EQ_INT(policy_check(jwks, "aud_str", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "wrong audience");
}


static void
test_scopes(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char                       msg[NGX_WS_GUARD_JWT_ERRLEN];
    ngx_ws_guard_jwt_str_t     sc[3];
    ngx_ws_guard_jwt_policy_t  p;

    memset(&p, 0, sizeof(p));
    p.now = NOW;

    sc[0].data = (u_char *) "read";
    sc[0].len = 4;
    sc[1].data = (u_char *) "write";
    sc[1].len = 5;
    sc[2].data = (u_char *) "admin";
    sc[2].len = 5;

    p.scopes = sc;
    p.nscopes = 2;

    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "scp_arr", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "scp_str", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "scope_str", &p, msg), NGX_WS_GUARD_OK);

    p.nscopes = 3;
    CHECK_EQ_INT(policy_check(jwks, "scope_str", &p, msg), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_DECLINED);
    CHECK_STR(msg, "missing scope \"admin\"");
    CHECK_EQ_INT(policy_check(jwks, "scp_arr", &p, msg),
                 NGX_WS_GUARD_DECLINED);
    CHECK_STR(msg, "missing scope \"admin\"");
    CHECK_EQ_INT(policy_check(jwks, "no_claims", &p, msg),
                 NGX_WS_GUARD_DECLINED);
    CHECK_STR(msg, "missing scope \"read\"");

    /* a part of a scope is not the scope */
    sc[2].data = (u_char *) "rea";
    sc[2].len = 3;
    CHECK_EQ_INT(policy_check(jwks, "scope_str", &p, msg),
                 NGX_WS_GUARD_DECLINED);
    CHECK_STR(msg, "missing scope \"rea\"");
    CHECK_EQ_INT(policy_check(jwks, "scp_arr", &p, msg),
                 NGX_WS_GUARD_DECLINED);

    /* a token failure wins over a scope failure: 401, not 403 */
    CHECK_EQ_INT(policy_check(jwks, "expired", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token expired");

    /* a configured scope is quoted safely */
    sc[2].data = (u_char *) "a\"b\n";
    sc[2].len = 4;
    CHECK_EQ_INT(policy_check(jwks, "hs256", &p, msg), NGX_WS_GUARD_DECLINED);
    CHECK_STR(msg, "missing scope \"a\\x22b\\x0a\"");
}


static void
test_lifetime(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char                       msg[NGX_WS_GUARD_JWT_ERRLEN];
    time_t                     exp;
    ngx_ws_guard_jwt_t        *jwt;
    const char                *reason;
    ngx_ws_guard_jwt_policy_t  p;

    memset(&p, 0, sizeof(p));
    p.now = NOW;

    /* iat NOW - 1000, exp NOW + 3600 */
    p.max_lifetime = 3600;
    CHECK_EQ_INT(policy_check(jwks, "lifetime", &p, msg), NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token lifetime too long");
    p.max_lifetime = 4600;
    CHECK_EQ_INT(policy_check(jwks, "lifetime", &p, msg), NGX_WS_GUARD_OK);

    /* no iat, exp NOW + 3600 */
    p.max_lifetime = 3600;
    CHECK_EQ_INT(policy_check(jwks, "lifetime_noiat", &p, msg),
                 NGX_WS_GUARD_OK);
    p.max_lifetime = 3599;
    CHECK_EQ_INT(policy_check(jwks, "lifetime_noiat", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token lifetime too long");
    p.leeway = 1;
    CHECK_EQ_INT(policy_check(jwks, "lifetime_noiat", &p, msg),
                 NGX_WS_GUARD_OK);

    p.leeway = 0;
    p.max_lifetime = 60;
    CHECK_EQ_INT(policy_check(jwks, "lifetime_noexp", &p, msg),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(msg, "token has no exp");
    p.max_lifetime = 0;
    CHECK_EQ_INT(policy_check(jwks, "lifetime_noexp", &p, msg),
                 NGX_WS_GUARD_OK);

    /* exp for the close timer */

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("es384"),
                                         strlen(tok("es384")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt != NULL) {
        exp = 0;
        CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp), NGX_WS_GUARD_OK);
        CHECK_EQ_INT(exp, NOW + 3600);
        CHECK_EQ_INT(ngx_ws_guard_jwt_alg(jwt), NGX_WS_GUARD_JWT_ES384);
        ngx_ws_guard_jwt_free(jwt);
    }

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("exp_frac"),
                                         strlen(tok("exp_frac")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt != NULL) {
        CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp), NGX_WS_GUARD_OK);
        CHECK_EQ_INT(exp, NOW);
        ngx_ws_guard_jwt_free(jwt);
    }

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("no_claims"),
                                         strlen(tok("no_claims")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt != NULL) {
        CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp), NGX_WS_GUARD_DECLINED);
        ngx_ws_guard_jwt_free(jwt);
    }

    /* a failed verification leaves no token behind */
    jwt = (ngx_ws_guard_jwt_t *) &p;
    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("expired"), 10,
                                         jwks, ALL, &jwt, &reason),
                 NGX_WS_GUARD_ERROR);
    CHECK(jwt == NULL);
    CHECK_STR(reason, "malformed token");
}


static void
test_lookup(ngx_ws_guard_jwt_keyset_t *jwks)
{
    char                    buf[256];
    const char             *reason;
    ngx_ws_guard_jwt_t     *jwt;
    ngx_ws_guard_jwt_str_t  v;

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("lookup"),
                                         strlen(tok("lookup")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt == NULL) {
        return;
    }

    compacted(jwt);

    CHECK_STR(claim(jwt, "s", buf), "plain");
    CHECK_STR(claim(jwt, "esc", buf), "q\"b\\s\xc3\xa9");
    CHECK_STR(claim(jwt, "n", buf), "42");
    CHECK_STR(claim(jwt, "f", buf), "-1.5e3");
    CHECK_STR(claim(jwt, "t", buf), "true");
    CHECK_STR(claim(jwt, "fa", buf), "false");
    CHECK_STR(claim(jwt, "arr", buf), "a,b,c,");
    CHECK_STR(claim(jwt, "empty", buf), "");
    CHECK_STR(claim(jwt, "z", buf), "(declined)");
    CHECK_STR(claim(jwt, "o", buf), "(declined)");
    CHECK_STR(claim(jwt, "mixed", buf), "(declined)");
    CHECK_STR(claim(jwt, "nested", buf), "(declined)");
    CHECK_STR(claim(jwt, "absent", buf), "(declined)");
    CHECK_STR(claim(jwt, "", buf), "(declined)");

    /* a name is matched whole */
    CHECK_EQ_INT(ngx_ws_guard_jwt_claim(jwt, (u_char *) "fax", 2, &v),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(v.len, 5);

    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "alg", 3, &v),
                 NGX_WS_GUARD_OK);
    CHECK(v.len == 5 && memcmp(v.data, "HS256", 5) == 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "kid", 3, &v),
                 NGX_WS_GUARD_OK);
    CHECK(v.len == 4 && memcmp(v.data, "hs-1", 4) == 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "s", 1, &v),
                 NGX_WS_GUARD_DECLINED);

    ngx_ws_guard_jwt_free(jwt);

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("rs256"),
                                         strlen(tok("rs256")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt == NULL) {
        return;
    }

    compacted(jwt);

    CHECK_STR(claim(jwt, "groups", buf), "a,b");
    CHECK_STR(claim(jwt, "admin", buf), "true");
    CHECK_STR(claim(jwt, "tenant", buf), "acme");
    CHECK_STR(claim(jwt, "exp", buf), "1700003600");
    CHECK_STR(claim(jwt, "aud", buf), "ws-api");

    ngx_ws_guard_jwt_free(jwt);

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("hdr_extra"),
                                         strlen(tok("hdr_extra")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt == NULL) {
        return;
    }

    compacted(jwt);

    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "typ", 3, &v),
                 NGX_WS_GUARD_OK);
    CHECK(v.len == 6 && memcmp(v.data, "at+jwt", 6) == 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "n", 1, &v),
                 NGX_WS_GUARD_OK);
    CHECK(v.len == 1 && v.data[0] == '7');

    ngx_ws_guard_jwt_free(jwt);
}


static void
test_bad_key_files(void)
{
    char                        err[NGX_WS_GUARD_JWT_ERRLEN];
    size_t                      n;
    ngx_ws_guard_jwt_keyset_t  *ks;

    ks = ngx_ws_guard_jwt_keyset_create();
    if (ks == NULL) {
        abort();
    }

    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},"
                           "{\"kty\":\"foo\"}]}"),
              "JWKS key 2: unsupported kty \"foo\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},"),
              "invalid JSON: parse error: premature EOF");
    CHECK_PREFIX(load_str(ks, "{\"keys\":[{\"kty\" \"oct\"}]}"),
                 "invalid JSON at byte ");
    CHECK_STR(load_str(ks, "{\"keys\":{}}"), "JWKS \"keys\" is not an array");
    CHECK_STR(load_str(ks, "{\"keys\":[1]}"), "JWKS key 1: not an object");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"k\":\"AA\"}]}"),
              "JWKS key 1: no \"kty\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":5}]}"),
              "JWKS key 1: \"kty\" is not a string");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}"),
              "JWKS key 1: no \"n\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\","
                           "\"e\":\"AQAB\"}]}"),
              "JWKS key 1: RSA key of 17 bits, at least 2048 needed");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2Vj+mV0\"}]}"),
              "JWKS key 1: \"k\" is not valid base64url");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"\"}]}"),
              "JWKS key 1: \"k\" is empty");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\","
                           "\"alg\":\"RS256\"}]}"),
              "JWKS key 1: \"alg\" does not fit kty \"oct\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                           "\"x\":\"AAAA\",\"y\":\"AAAA\"}]}"),
              "JWKS key 1: invalid P-256 public key");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                           "\"x\":\"" ZERO32 "A\",\"y\":\"AAAA\"}]}"),
              "JWKS key 1: \"x\" is 33 bytes, P-256 needs 32");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                           "\"x\":\"AAAA\"}]}"),
              "JWKS key 1: \"x\" is 3 bytes, Ed25519 needs 32");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                           "\"x\":\"" ZERO32 "\",\"y\":\"" ZERO32 "\"}]}"),
              "JWKS key 1: invalid P-256 public key");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"secp256k1\","
                           "\"x\":\"AA\",\"y\":\"AA\"}]}"),
              "JWKS key 1: unsupported crv \"secp256k1\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\","
                           "\"x\":\"AA\"}]}"),
              "JWKS key 1: unsupported crv \"X25519\"");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"EC\",\"x\":\"AA\"}]}"),
              "JWKS key 1: no \"crv\"");
    CHECK_STR(load_str(ks, "{\"keys\":[]}"), "no usable key found");
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\"}]}"),
              "no usable key found");
    CHECK_STR(load_str(ks, "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\","
                           "\"kty\":\"oct\"}"),
              "invalid JSON: duplicate member");
    CHECK_STR(load_str(ks, "{\"foo\":1}"),
              "JSON key file has neither \"keys\" nor \"kty\"");
    CHECK_STR(load_str(ks, "{\"kty\":\"\\u0001\\\"x\"}"),
              "JWK: unsupported kty \"\\x01\\x22x\"");
    CHECK_STR(load_str(ks, "hello"), "not a JWKS, JWK or PEM file");
    CHECK_STR(load_str(ks, ""), "not a JWKS, JWK or PEM file");
    CHECK_STR(load_str(ks, "-----BEGIN PUBLIC KEY-----\n!!!!\n"
                           "-----END PUBLIC KEY-----\n"),
              "PEM block 1: malformed");
    CHECK_STR(load_str(ks, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                           "-----END PRIVATE KEY-----\n"),
              "PEM block 1: unsupported type \"PRIVATE KEY\"");
    CHECK_STR(load_str(ks, "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                           "-----END PUBLIC KEY-----\n"),
              "PEM block 1: cannot decode \"PUBLIC KEY\"");

    /* a secret never shows in a message */
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"SECRET!\"}]}"),
              "JWKS key 1: \"k\" is not valid base64url");

    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), 0);

    /* a bad file leaves the set as it was */

    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}"),
              "ok");
    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), 1);
    CHECK_STR(load_str(ks, "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},"
                           "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},"
                           "{\"kty\":\"bar\"}]}"),
              "JWKS key 3: unsupported kty \"bar\"");
    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), 1);

    ngx_ws_guard_jwt_keyset_free(ks);

    /* PEM files */

    ks = keys(VEC "multi.pem");
    CHECK_STR(load_str(ks, VEC "rsa1024.pem"),
              "PEM block 1: RSA key of 1024 bits, at least 2048 needed");
    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_count(ks), 5);
    ngx_ws_guard_jwt_keyset_free(ks);

    ks = ngx_ws_guard_jwt_keyset_create();
    if (ks == NULL) {
        abort();
    }

    /* the error is truncated to the buffer */
    n = 8;
    CHECK_EQ_INT(ngx_ws_guard_jwt_keyset_load(ks, (u_char *) "x", 1, err, n),
                 NGX_WS_GUARD_ERROR);
    CHECK_STR(err, "not a J");

    ngx_ws_guard_jwt_keyset_free(ks);
}


/* helpers */

static char *
read_file(const char *path, size_t *len)
{
    long   n;
    char  *buf;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s (run from t/unit)\n", path);
        exit(2);
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }

    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }

    buf[n] = '\0';
    *len = n;

    fclose(f);

    return buf;
}


static void
load_tokens(void)
{
    char    *p, *sp, *nl;
    size_t   len;

    tokens_file = read_file(VEC "tokens.txt", &len);

    for (p = tokens_file; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        sp = strchr(p, ' ');

        if (nl == NULL || sp == NULL || sp > nl
            || ntokens == sizeof(tokens) / sizeof(tokens[0]))
        {
            fprintf(stderr, "bad tokens.txt\n");
            exit(2);
        }

        *sp = '\0';
        *nl = '\0';

        tokens[ntokens].name = p;
        tokens[ntokens].token = sp + 1;
        ntokens++;
    }
}


static const char *
tok(const char *name)
{
    size_t  i;

    for (i = 0; i < ntokens; i++) {
        if (strcmp(tokens[i].name, name) == 0) {
            return tokens[i].token;
        }
    }

    fprintf(stderr, "no token \"%s\" in tokens.txt\n", name);
    exit(2);
}


static ngx_ws_guard_jwt_keyset_t *
keys(const char *path)
{
    ngx_ws_guard_jwt_keyset_t  *ks;

    ks = ngx_ws_guard_jwt_keyset_create();
    if (ks == NULL) {
        abort();
    }

    CHECK_STR(load_str(ks, path), "ok");

    return ks;
}


/*
 * Loads s into ks: a file under jwt_vectors/ when s starts with VEC, the
 * contents themselves otherwise, rsa1.pem when NULL.  Returns "ok" or the
 * message.  The bytes are passed in an exact-size buffer, so that a read
 * beyond them is caught by ASan.
 */

static const char *
load_str(ngx_ws_guard_jwt_keyset_t *ks, const char *s)
{
    int          rc;
    char        *data, *copy;
    size_t       len;
    static char  err[NGX_WS_GUARD_JWT_ERRLEN];

    if (s == NULL) {
        s = VEC "rsa1.pem";
    }

    if (strncmp(s, VEC, strlen(VEC)) == 0) {
        data = read_file(s, &len);

    } else {
        len = strlen(s);
        data = malloc(len + 1);
        if (data == NULL) {
            abort();
        }

        memcpy(data, s, len + 1);
    }

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, data, len);
    free(data);

    strcpy(err, "(no message)");

    rc = ngx_ws_guard_jwt_keyset_load(ks, (u_char *) copy, len, err,
                                      sizeof(err));
    free(copy);

    return rc == NGX_WS_GUARD_OK ? "ok" : err;
}


/* verifies, frees, returns "ok" or the reason; len -1: strlen(token) */

static const char *
verify_raw(ngx_ws_guard_jwt_keyset_t *ks, const char *token, size_t len,
    unsigned algs)
{
    int                  rc;
    char                *copy;
    const char          *reason;
    ngx_ws_guard_jwt_t  *jwt;

    if (len == (size_t) -1) {
        len = strlen(token);
    }

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, token, len);

    reason = "(no reason)";

    rc = ngx_ws_guard_jwt_verify((u_char *) copy, len, ks, algs, &jwt,
                                 &reason);
    free(copy);

    if (rc == NGX_WS_GUARD_OK) {
        if (jwt == NULL) {
            return "(ok without a token)";
        }

        ngx_ws_guard_jwt_free(jwt);
        return "ok";
    }

    return jwt == NULL ? reason : "(error with a token)";
}


static const char *
vfy(ngx_ws_guard_jwt_keyset_t *ks, const char *name)
{
    return verify_raw(ks, tok(name), (size_t) -1, ALL);
}


static int
policy_check(ngx_ws_guard_jwt_keyset_t *ks, const char *name,
    const ngx_ws_guard_jwt_policy_t *policy, char *msg)
{
    int                  rc;
    const char          *reason;
    ngx_ws_guard_jwt_t  *jwt;

    strcpy(msg, "(no message)");

    if (ngx_ws_guard_jwt_verify((u_char *) tok(name), strlen(tok(name)), ks,
                                ALL, &jwt, &reason)
        != NGX_WS_GUARD_OK)
    {
        snprintf(msg, NGX_WS_GUARD_JWT_ERRLEN, "(verify: %s)", reason);
        return 100;
    }

    compacted(jwt);

    rc = ngx_ws_guard_jwt_check(jwt, policy, msg, NGX_WS_GUARD_JWT_ERRLEN);

    ngx_ws_guard_jwt_free(jwt);

    return rc;
}


static const char *
claim(ngx_ws_guard_jwt_t *jwt, const char *name, char *buf)
{
    ngx_ws_guard_jwt_str_t  v;

    if (ngx_ws_guard_jwt_claim(jwt, (u_char *) name, strlen(name), &v)
        != NGX_WS_GUARD_OK)
    {
        return "(declined)";
    }

    if (v.len > 255) {
        return "(too long)";
    }

    if (v.len) {
        memcpy(buf, v.data, v.len);
    }

    buf[v.len] = '\0';

    return buf;
}


/*
 * A copy of a token with one base64url character of part (0 header,
 * 1 payload, 2 signature) at pos changed to another that keeps the part
 * decodable; pos is taken from the start of the part, and kept off its
 * last character, whose trailing bits must stay zero.
 */

static char *
tamper(const char *name, int part, size_t pos)
{
    int          i;
    char        *p;
    size_t       len;
    const char  *t;
    static char  buf[NGX_WS_GUARD_JWT_MAX_TOKEN + 1];

    t = tok(name);
    len = strlen(t);

    if (len > NGX_WS_GUARD_JWT_MAX_TOKEN) {
        abort();
    }

    memcpy(buf, t, len + 1);

    p = buf;

    for (i = 0; i < part; i++) {
        p = strchr(p, '.');
        if (p == NULL) {
            abort();
        }

        p++;
    }

    p += pos;

    *p = (*p == 'A') ? 'B' : 'A';

    return buf;
}


/*
 * What a compacted token holds: "hs256" has 3 header members and 12
 * claims, 205 bytes of JSON.  Kept as the parser's trees it takes two
 * 1 KiB chunks; flat, about 8 bytes a member besides the text.
 */

static void
test_compact_size(ngx_ws_guard_jwt_keyset_t *jwks)
{
    size_t               before, after;
    const char          *reason;
    ngx_ws_guard_jwt_t  *jwt;

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("hs256"),
                                         strlen(tok("hs256")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt == NULL) {
        return;
    }

    before = ngx_ws_guard_jwt_size(jwt);

    CHECK_EQ_INT(ngx_ws_guard_jwt_compact(jwt), NGX_WS_GUARD_OK);

    after = ngx_ws_guard_jwt_size(jwt);

    printf("unit-jwt: token \"hs256\" holds %zu bytes, %zu compacted\n",
           before, after);

    CHECK(before >= 2048);
    CHECK(after <= 512);

    /* a second compaction changes nothing */
    CHECK_EQ_INT(ngx_ws_guard_jwt_compact(jwt), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_jwt_size(jwt), after);

    ngx_ws_guard_jwt_free(jwt);
}


/*
 * Keeping a few names of "hs256": those answer as before, every other
 * name of its header and claims as absent, exp still answers; keeping
 * nothing keeps no member.  compact: the token is compacted first (keep
 * does it otherwise).
 */

static void
test_keep(ngx_ws_guard_jwt_keyset_t *jwks, int compact)
{
    int                      rc;
    size_t                   i, kept, flat;
    time_t                   exp, exp2;
    const char              *reason;
    ngx_ws_guard_jwt_t      *jwt;
    ngx_ws_guard_jwt_str_t   before[16], after;

    static const char  *header_names[] = { "alg", "kid", "typ", "nope" };
    static const char  *claim_names[] = {
        "iss", "aud", "sub", "iat", "nbf", "exp", "scope", "tenant", "n",
        "admin", "groups", "nope"
    };

    /* what is kept: kid; sub, scope, groups, and two names not there */

    static ngx_ws_guard_jwt_str_t  keep_headers[] = {
        { 3, (u_char *) "kid" }, { 4, (u_char *) "nope" }
    };
    static ngx_ws_guard_jwt_str_t  keep_claims[] = {
        { 3, (u_char *) "sub" }, { 5, (u_char *) "scope" },
        { 6, (u_char *) "groups" }, { 3, (u_char *) "su" }
    };

#define KEPT_HEADER(i)  ((i) == 1)
#define KEPT_CLAIM(i)   ((i) == 2 || (i) == 6 || (i) == 10)

    CHECK_EQ_INT(ngx_ws_guard_jwt_verify((u_char *) tok("hs256"),
                                         strlen(tok("hs256")), jwks, ALL,
                                         &jwt, &reason),
                 NGX_WS_GUARD_OK);
    if (jwt == NULL) {
        return;
    }

    if (compact) {
        CHECK_EQ_INT(ngx_ws_guard_jwt_compact(jwt), NGX_WS_GUARD_OK);
    }

    flat = ngx_ws_guard_jwt_size(jwt);

    for (i = 0; i < 4; i++) {
        rc = ngx_ws_guard_jwt_header(jwt, (u_char *) header_names[i],
                                     strlen(header_names[i]), &before[i]);
        CHECK_EQ_INT(rc, (i < 3) ? NGX_WS_GUARD_OK : NGX_WS_GUARD_DECLINED);
    }

    for (i = 0; i < 12; i++) {
        rc = ngx_ws_guard_jwt_claim(jwt, (u_char *) claim_names[i],
                                    strlen(claim_names[i]), &before[4 + i]);
        CHECK_EQ_INT(rc, (i < 11) ? NGX_WS_GUARD_OK : NGX_WS_GUARD_DECLINED);
    }

    CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp), NGX_WS_GUARD_OK);

    /* the answers before are copied: keep() frees the block they are in */

    {
        u_char  *copy;

        for (i = 0; i < 16; i++) {
            if (i == 3 || i == 15) {
                continue;
            }

            copy = malloc(before[i].len + 1);
            if (copy == NULL) {
                return;
            }

            memcpy(copy, before[i].data, before[i].len);
            before[i].data = copy;
        }
    }

    kept = 99;
    CHECK_EQ_INT(ngx_ws_guard_jwt_keep(jwt, keep_headers, 2, keep_claims, 4,
                                       &kept),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(kept, 4);

    printf("unit-jwt: token \"hs256\" holds %zu bytes, %zu with 4 of its "
           "15 members kept\n", flat, ngx_ws_guard_jwt_size(jwt));

    CHECK(ngx_ws_guard_jwt_size(jwt) < flat);

    for (i = 0; i < 4; i++) {
        rc = ngx_ws_guard_jwt_header(jwt, (u_char *) header_names[i],
                                     strlen(header_names[i]), &after);

        if (KEPT_HEADER(i)) {
            CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
            CHECK(rc == NGX_WS_GUARD_OK && after.len == before[i].len
                  && memcmp(after.data, before[i].data, after.len) == 0);

        } else {
            CHECK_EQ_INT(rc, NGX_WS_GUARD_DECLINED);
        }
    }

    for (i = 0; i < 12; i++) {
        rc = ngx_ws_guard_jwt_claim(jwt, (u_char *) claim_names[i],
                                    strlen(claim_names[i]), &after);

        if (KEPT_CLAIM(i)) {
            CHECK_EQ_INT(rc, NGX_WS_GUARD_OK);
            CHECK(rc == NGX_WS_GUARD_OK && after.len == before[4 + i].len
                  && memcmp(after.data, before[4 + i].data, after.len) == 0);

        } else {
            CHECK_EQ_INT(rc, NGX_WS_GUARD_DECLINED);
        }
    }

    CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp2), NGX_WS_GUARD_OK);
    CHECK_EQ_INT(exp2, exp);

    /* again, keeping less: sub only, and then nothing */

    CHECK_EQ_INT(ngx_ws_guard_jwt_keep(jwt, NULL, 0, keep_claims, 1, &kept),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(kept, 1);
    CHECK_EQ_INT(ngx_ws_guard_jwt_claim(jwt, (u_char *) "sub", 3, &after),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(ngx_ws_guard_jwt_claim(jwt, (u_char *) "scope", 5, &after),
                 NGX_WS_GUARD_DECLINED);
    CHECK_EQ_INT(ngx_ws_guard_jwt_header(jwt, (u_char *) "kid", 3, &after),
                 NGX_WS_GUARD_DECLINED);

    CHECK_EQ_INT(ngx_ws_guard_jwt_keep(jwt, NULL, 0, NULL, 0, &kept),
                 NGX_WS_GUARD_OK);
    CHECK_EQ_INT(kept, 0);
    CHECK_EQ_INT(ngx_ws_guard_jwt_claim(jwt, (u_char *) "sub", 3, &after),
                 NGX_WS_GUARD_DECLINED);
    CHECK_EQ_INT(ngx_ws_guard_jwt_exp(jwt, &exp2), NGX_WS_GUARD_OK);

    for (i = 0; i < 16; i++) {
        if (i != 3 && i != 15) {
            free((void *) before[i].data);
        }
    }

    ngx_ws_guard_jwt_free(jwt);

#undef KEPT_HEADER
#undef KEPT_CLAIM
}
