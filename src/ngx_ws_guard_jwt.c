
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * JWT verification: compact JWS parsing, key sets from JWKS, JWK and PEM,
 * signatures through OpenSSL 3's EVP interface, claims on a small JSON tree
 * built with yajl's callback parser.
 */


#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <yajl/yajl_parse.h>

#include "ngx_ws_guard_jwt.h"


/* 9999-12-31T23:59:59Z: NumericDate values above it are refused */
#define NGX_WS_GUARD_JWT_TIME_MAX    253402300799LL

#define NGX_WS_GUARD_JWT_CHUNK       1024
#define NGX_WS_GUARD_JWT_ALIGN       16

/* longest base64url member accepted in a JWK: a 16384-bit modulus */
#define NGX_WS_GUARD_JWT_JWK_MAX     2048

/* JOSE ECDSA signatures: r||s of two field sizes, P-521 is the largest */
#define NGX_WS_GUARD_JWT_EC_MAX      66

/* a quoted value in a message is cut after this many bytes */
#define NGX_WS_GUARD_JWT_QUOTE_MAX   40


typedef enum {
    NGX_WS_GUARD_JWT_KEY_OCT = 1,
    NGX_WS_GUARD_JWT_KEY_RSA,
    NGX_WS_GUARD_JWT_KEY_P256,
    NGX_WS_GUARD_JWT_KEY_P384,
    NGX_WS_GUARD_JWT_KEY_P521,
    NGX_WS_GUARD_JWT_KEY_ED25519
} ngx_ws_guard_jwt_key_type_e;


typedef enum {
    NGX_WS_GUARD_JWT_HMAC = 1,
    NGX_WS_GUARD_JWT_PKCS1,
    NGX_WS_GUARD_JWT_PSS,
    NGX_WS_GUARD_JWT_ECDSA,
    NGX_WS_GUARD_JWT_EDDSA_SIG
} ngx_ws_guard_jwt_family_e;


typedef enum {
    NGX_WS_GUARD_JWT_NULL = 1,
    NGX_WS_GUARD_JWT_FALSE,
    NGX_WS_GUARD_JWT_TRUE,
    NGX_WS_GUARD_JWT_NUMBER,
    NGX_WS_GUARD_JWT_STRING,
    NGX_WS_GUARD_JWT_OBJECT,
    NGX_WS_GUARD_JWT_ARRAY
} ngx_ws_guard_jwt_json_type_e;


typedef struct {
    const char                  *name;
    ngx_ws_guard_jwt_key_type_e  key_type;
    ngx_ws_guard_jwt_family_e    family;
    const EVP_MD              *(*md)(void);
    size_t                       ec_size;
} ngx_ws_guard_jwt_alg_t;


typedef struct ngx_ws_guard_jwt_chunk_s  ngx_ws_guard_jwt_chunk_t;

struct ngx_ws_guard_jwt_chunk_s {
    ngx_ws_guard_jwt_chunk_t    *next;
    size_t                       size;
    size_t                       used;
    u_char                       data[];
};


typedef struct {
    ngx_ws_guard_jwt_chunk_t    *head;
} ngx_ws_guard_jwt_arena_t;


typedef struct ngx_ws_guard_jwt_json_s  ngx_ws_guard_jwt_json_t;

struct ngx_ws_guard_jwt_json_s {
    ngx_ws_guard_jwt_json_t     *next;
    ngx_ws_guard_jwt_json_t     *child;
    ngx_ws_guard_jwt_json_t     *last;

    /* member name, when the parent is an object */
    ngx_ws_guard_jwt_str_t       name;

    /*
     * a string unescaped, a number's text, "true" or "false"; for an array
     * whose elements are all strings (strings set), those joined with ","
     */
    ngx_ws_guard_jwt_str_t       value;

    unsigned                     type:4;
    unsigned                     strings:1;
};


typedef struct {
    ngx_ws_guard_jwt_arena_t    *arena;
    ngx_ws_guard_jwt_json_t     *root;
    ngx_ws_guard_jwt_json_t     *stack[NGX_WS_GUARD_JWT_MAX_DEPTH];
    size_t                       depth;
    ngx_ws_guard_jwt_str_t       key;
    const char                  *reason;
} ngx_ws_guard_jwt_parse_t;


typedef struct {
    ngx_ws_guard_jwt_key_type_e  type;
    unsigned                     alg;
    ngx_ws_guard_jwt_str_t       kid;
    EVP_PKEY                    *pkey;
    u_char                      *secret;
    size_t                       secret_len;
} ngx_ws_guard_jwt_key_t;


struct ngx_ws_guard_jwt_keyset_s {
    ngx_ws_guard_jwt_key_t      *keys;
    size_t                       nkeys;
    size_t                       nalloc;
};


struct ngx_ws_guard_jwt_s {
    ngx_ws_guard_jwt_arena_t     arena;

    ngx_ws_guard_jwt_json_t     *header;
    ngx_ws_guard_jwt_json_t     *payload;

    unsigned                     alg;

    unsigned                     has_exp:1;
    unsigned                     has_nbf:1;
    unsigned                     has_iat:1;

    /* exp rounded down, nbf and iat rounded up */
    int64_t                      exp;
    int64_t                      nbf;
    int64_t                      iat;

    ngx_ws_guard_jwt_json_t     *iss;
    ngx_ws_guard_jwt_json_t     *aud;
    ngx_ws_guard_jwt_json_t     *scope;
    ngx_ws_guard_jwt_json_t     *scp;

    /*
     * once compacted (ngx_ws_guard_jwt_compact()), the trees and the
     * pointers above are gone: the header's entries are flat up to
     * flat_payload, the payload's from there up to flat_end, and the
     * entries of iss, aud, scope and scp are pointed at (NULL: none)
     */
    u_char                      *flat;
    u_char                      *flat_payload;
    u_char                      *flat_end;
    u_char                      *flat_iss;
    u_char                      *flat_aud;
    u_char                      *flat_scope;
    u_char                      *flat_scp;
};


/* an entry of a compacted token, decoded */
typedef struct {
    unsigned                     type;
    unsigned                     strings;
    ngx_ws_guard_jwt_str_t       name;
    ngx_ws_guard_jwt_str_t       value;
    size_t                       nelts;
    const u_char                *elts;
} ngx_ws_guard_jwt_entry_t;


static void *ngx_ws_guard_jwt_alloc(ngx_ws_guard_jwt_arena_t *arena,
    size_t size);
static size_t ngx_ws_guard_jwt_flat_size(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *obj);
static int ngx_ws_guard_jwt_answers(unsigned type, unsigned strings);
static int ngx_ws_guard_jwt_elements(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *m);
static u_char *ngx_ws_guard_jwt_put16(u_char *p, size_t n);
static u_char *ngx_ws_guard_jwt_flat_copy(ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *obj, u_char *p);
static const u_char *ngx_ws_guard_jwt_entry(const u_char *p,
    ngx_ws_guard_jwt_entry_t *e);
static int ngx_ws_guard_jwt_flat_value(const u_char *p, const u_char *end,
    const u_char *name, size_t len, ngx_ws_guard_jwt_str_t *value);
static int ngx_ws_guard_jwt_names(const ngx_ws_guard_jwt_json_t *m,
    const u_char *entry, const ngx_ws_guard_jwt_str_t *s, int words);
static void *ngx_ws_guard_jwt_calloc(ngx_ws_guard_jwt_arena_t *arena,
    size_t size);
static void ngx_ws_guard_jwt_arena_free(ngx_ws_guard_jwt_arena_t *arena);

static int ngx_ws_guard_jwt_json_parse(ngx_ws_guard_jwt_arena_t *arena,
    const u_char *data, size_t len, ngx_ws_guard_jwt_json_t **root,
    const char **reason, char *err, size_t err_size);
static ngx_ws_guard_jwt_json_t *ngx_ws_guard_jwt_json_add(
    ngx_ws_guard_jwt_parse_t *p, ngx_ws_guard_jwt_json_type_e type,
    const u_char *data, size_t len);
static int ngx_ws_guard_jwt_json_open(ngx_ws_guard_jwt_parse_t *p,
    ngx_ws_guard_jwt_json_type_e type);
static int ngx_ws_guard_jwt_json_null(void *ctx);
static int ngx_ws_guard_jwt_json_boolean(void *ctx, int value);
static int ngx_ws_guard_jwt_json_number(void *ctx, const char *s,
    size_t len);
static int ngx_ws_guard_jwt_json_string(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_ws_guard_jwt_json_start_map(void *ctx);
static int ngx_ws_guard_jwt_json_map_key(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_ws_guard_jwt_json_end(void *ctx);
static int ngx_ws_guard_jwt_json_start_array(void *ctx);
static ngx_ws_guard_jwt_json_t *ngx_ws_guard_jwt_json_get(
    const ngx_ws_guard_jwt_json_t *obj, const u_char *name, size_t len);
static int ngx_ws_guard_jwt_json_join(ngx_ws_guard_jwt_arena_t *arena,
    ngx_ws_guard_jwt_json_t *obj);
static int ngx_ws_guard_jwt_json_value(const ngx_ws_guard_jwt_json_t *obj,
    const u_char *name, size_t len, ngx_ws_guard_jwt_str_t *value);

static ssize_t ngx_ws_guard_jwt_b64url_decode(const u_char *src, size_t len,
    u_char *dst, int padding);
static int ngx_ws_guard_jwt_numeric_date(const ngx_ws_guard_jwt_str_t *s,
    int64_t *down, int64_t *up);
static int ngx_ws_guard_jwt_str_eq(const ngx_ws_guard_jwt_str_t *a,
    const u_char *data, size_t len);
static int ngx_ws_guard_jwt_has_word(const ngx_ws_guard_jwt_str_t *list,
    const ngx_ws_guard_jwt_str_t *word);
static int ngx_ws_guard_jwt_has_scope(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_str_t *scope);

static const char *ngx_ws_guard_jwt_parse(ngx_ws_guard_jwt_t *jwt,
    const u_char *token, size_t len, const ngx_ws_guard_jwt_keyset_t *ks,
    unsigned algs);
static const char *ngx_ws_guard_jwt_decode_json(ngx_ws_guard_jwt_t *jwt,
    const u_char *data, size_t len, ngx_ws_guard_jwt_json_t **root,
    const char *not_object);
static const char *ngx_ws_guard_jwt_claims(ngx_ws_guard_jwt_t *jwt);
static const char *ngx_ws_guard_jwt_select(const ngx_ws_guard_jwt_keyset_t *ks,
    unsigned bit, const ngx_ws_guard_jwt_json_t *kid, const u_char *input,
    size_t input_len, const u_char *sig, size_t sig_len);
static int ngx_ws_guard_jwt_verify_key(const ngx_ws_guard_jwt_key_t *key,
    const ngx_ws_guard_jwt_alg_t *alg, const u_char *input, size_t input_len,
    const u_char *sig, size_t sig_len);
static size_t ngx_ws_guard_jwt_ecdsa_der(const u_char *rs, size_t n,
    u_char *der);
static size_t ngx_ws_guard_jwt_der_int(const u_char *v, size_t n, u_char *p);

static int ngx_ws_guard_jwt_load_json(ngx_ws_guard_jwt_keyset_t *ks,
    const u_char *data, size_t len, char *err, size_t err_size);
static int ngx_ws_guard_jwt_load_jwk(ngx_ws_guard_jwt_keyset_t *ks,
    ngx_ws_guard_jwt_arena_t *arena, const ngx_ws_guard_jwt_json_t *jwk,
    const char *what, char *err, size_t err_size);
static int ngx_ws_guard_jwt_jwk_string(const ngx_ws_guard_jwt_json_t *jwk,
    const char *name, const ngx_ws_guard_jwt_json_t **value,
    const char *what, char *err, size_t err_size);
static u_char *ngx_ws_guard_jwt_jwk_bytes(ngx_ws_guard_jwt_arena_t *arena,
    const ngx_ws_guard_jwt_json_t *jwk, const char *name, size_t *len,
    const char *what, char *err, size_t err_size);
static EVP_PKEY *ngx_ws_guard_jwt_rsa_pkey(const u_char *n, size_t n_len,
    const u_char *e, size_t e_len);
static EVP_PKEY *ngx_ws_guard_jwt_ec_pkey(const char *group,
    const u_char *x, size_t x_len, const u_char *y, size_t y_len,
    size_t size);
static int ngx_ws_guard_jwt_load_pem(ngx_ws_guard_jwt_keyset_t *ks,
    const u_char *data, size_t len, char *err, size_t err_size);
static int ngx_ws_guard_jwt_add_pkey(ngx_ws_guard_jwt_keyset_t *ks,
    EVP_PKEY *pkey, const ngx_ws_guard_jwt_str_t *kid, unsigned alg,
    const char *what, char *err, size_t err_size);
static ngx_ws_guard_jwt_key_t *ngx_ws_guard_jwt_add_key(
    ngx_ws_guard_jwt_keyset_t *ks, const ngx_ws_guard_jwt_str_t *kid);
static void ngx_ws_guard_jwt_key_free(ngx_ws_guard_jwt_key_t *key);

static void ngx_ws_guard_jwt_error(char *err, size_t err_size,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static const char *ngx_ws_guard_jwt_quote(char *buf, size_t size,
    const u_char *s, size_t len);


static const ngx_ws_guard_jwt_alg_t  ngx_ws_guard_jwt_algs[] = {
    { "HS256", NGX_WS_GUARD_JWT_KEY_OCT, NGX_WS_GUARD_JWT_HMAC,
      EVP_sha256, 0 },
    { "HS384", NGX_WS_GUARD_JWT_KEY_OCT, NGX_WS_GUARD_JWT_HMAC,
      EVP_sha384, 0 },
    { "HS512", NGX_WS_GUARD_JWT_KEY_OCT, NGX_WS_GUARD_JWT_HMAC,
      EVP_sha512, 0 },
    { "RS256", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PKCS1,
      EVP_sha256, 0 },
    { "RS384", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PKCS1,
      EVP_sha384, 0 },
    { "RS512", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PKCS1,
      EVP_sha512, 0 },
    { "PS256", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PSS,
      EVP_sha256, 0 },
    { "PS384", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PSS,
      EVP_sha384, 0 },
    { "PS512", NGX_WS_GUARD_JWT_KEY_RSA, NGX_WS_GUARD_JWT_PSS,
      EVP_sha512, 0 },
    { "ES256", NGX_WS_GUARD_JWT_KEY_P256, NGX_WS_GUARD_JWT_ECDSA,
      EVP_sha256, 32 },
    { "ES384", NGX_WS_GUARD_JWT_KEY_P384, NGX_WS_GUARD_JWT_ECDSA,
      EVP_sha384, 48 },
    { "ES512", NGX_WS_GUARD_JWT_KEY_P521, NGX_WS_GUARD_JWT_ECDSA,
      EVP_sha512, 66 },
    { "EdDSA", NGX_WS_GUARD_JWT_KEY_ED25519, NGX_WS_GUARD_JWT_EDDSA_SIG,
      NULL, 0 }
};


const char  *ngx_ws_guard_jwt_alg_names[NGX_WS_GUARD_JWT_NALGS] = {
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA"
};


static const yajl_callbacks  ngx_ws_guard_jwt_json_callbacks = {
    ngx_ws_guard_jwt_json_null,
    ngx_ws_guard_jwt_json_boolean,
    NULL,
    NULL,
    ngx_ws_guard_jwt_json_number,
    ngx_ws_guard_jwt_json_string,
    ngx_ws_guard_jwt_json_start_map,
    ngx_ws_guard_jwt_json_map_key,
    ngx_ws_guard_jwt_json_end,
    ngx_ws_guard_jwt_json_start_array,
    ngx_ws_guard_jwt_json_end
};


/* base64url alphabet (RFC 4648, section 5); 77: not in it */

static const u_char  ngx_ws_guard_jwt_b64url[256] = {
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
    77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 63,
    77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,

    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77
};


/* algorithms */

unsigned
ngx_ws_guard_jwt_alg_from_name(const u_char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < NGX_WS_GUARD_JWT_NALGS; i++) {
        if (strlen(ngx_ws_guard_jwt_algs[i].name) == len
            && memcmp(ngx_ws_guard_jwt_algs[i].name, name, len) == 0)
        {
            return 1u << i;
        }
    }

    return 0;
}


const char *
ngx_ws_guard_jwt_alg_name(unsigned bit)
{
    size_t  i;

    for (i = 0; i < NGX_WS_GUARD_JWT_NALGS; i++) {
        if (bit == 1u << i) {
            return ngx_ws_guard_jwt_algs[i].name;
        }
    }

    return NULL;
}


/* verification */

int
ngx_ws_guard_jwt_verify(const u_char *token, size_t len,
    const ngx_ws_guard_jwt_keyset_t *ks, unsigned algs,
    ngx_ws_guard_jwt_t **jwt, const char **reason)
{
    const char          *rc;
    ngx_ws_guard_jwt_t  *t;

    *jwt = NULL;

    if (len > NGX_WS_GUARD_JWT_MAX_TOKEN) {
        *reason = "token too long";
        return NGX_WS_GUARD_ERROR;
    }

    t = calloc(1, sizeof(ngx_ws_guard_jwt_t));
    if (t == NULL) {
        *reason = "out of memory";
        return NGX_WS_GUARD_ERROR;
    }

    rc = ngx_ws_guard_jwt_parse(t, token, len, ks, algs);

    /* leave no error of a failed verification for the next SSL call */
    ERR_clear_error();

    if (rc != NULL) {
        ngx_ws_guard_jwt_free(t);
        *reason = rc;
        return NGX_WS_GUARD_ERROR;
    }

    *jwt = t;

    return NGX_WS_GUARD_OK;
}


void
ngx_ws_guard_jwt_free(ngx_ws_guard_jwt_t *jwt)
{
    if (jwt == NULL) {
        return;
    }

    ngx_ws_guard_jwt_arena_free(&jwt->arena);
    free(jwt);
}


static const char *
ngx_ws_guard_jwt_parse(ngx_ws_guard_jwt_t *jwt, const u_char *token,
    size_t len, const ngx_ws_guard_jwt_keyset_t *ks, unsigned algs)
{
    u_char                   *buf;
    size_t                    i;
    ssize_t                   n;
    unsigned                  bit;
    const char               *rc;
    const u_char             *dot1, *dot2, *end;
    ngx_ws_guard_jwt_json_t  *alg, *kid;

    end = token + len;

    dot1 = (len == 0) ? NULL : memchr(token, '.', len);
    if (dot1 == NULL) {
        return "malformed token";
    }

    dot2 = memchr(dot1 + 1, '.', end - (dot1 + 1));
    if (dot2 == NULL
        || memchr(dot2 + 1, '.', end - (dot2 + 1)) != NULL
        || dot1 == token
        || dot2 == dot1 + 1)
    {
        return "malformed token";
    }

    /* one buffer is big enough for any of the three decoded parts */

    buf = ngx_ws_guard_jwt_alloc(&jwt->arena, len / 4 * 3 + 3);
    if (buf == NULL) {
        return "out of memory";
    }

    n = ngx_ws_guard_jwt_b64url_decode(token, dot1 - token, buf, 0);
    if (n < 0) {
        return "bad base64url";
    }

    rc = ngx_ws_guard_jwt_decode_json(jwt, buf, n, &jwt->header,
                                      "header is not a JSON object");
    if (rc != NULL) {
        return rc;
    }

    alg = ngx_ws_guard_jwt_json_get(jwt->header, (u_char *) "alg", 3);
    if (alg == NULL || alg->type != NGX_WS_GUARD_JWT_STRING) {
        return "missing alg";
    }

    if (alg->value.len == 4) {
        for (i = 0; i < 4; i++) {
            if ((alg->value.data[i] | 0x20) != "none"[i]) {
                break;
            }
        }

        if (i == 4) {
            return "alg none";
        }
    }

    bit = ngx_ws_guard_jwt_alg_from_name(alg->value.data, alg->value.len);
    if (bit == 0 || (bit & algs) == 0) {
        return "algorithm not allowed";
    }

    jwt->alg = bit;

    if (ngx_ws_guard_jwt_json_get(jwt->header, (u_char *) "crit", 4)
        != NULL)
    {
        return "unsupported crit header";
    }

    kid = ngx_ws_guard_jwt_json_get(jwt->header, (u_char *) "kid", 3);
    if (kid != NULL && kid->type != NGX_WS_GUARD_JWT_STRING) {
        return "kid is not a string";
    }

    n = ngx_ws_guard_jwt_b64url_decode(dot2 + 1, end - (dot2 + 1), buf, 0);
    if (n < 0) {
        return "bad base64url";
    }

    rc = ngx_ws_guard_jwt_select(ks, bit, kid, token, dot2 - token, buf, n);
    if (rc != NULL) {
        return rc;
    }

    /* the payload is parsed only once it is known to be authentic */

    n = ngx_ws_guard_jwt_b64url_decode(dot1 + 1, dot2 - (dot1 + 1), buf, 0);
    if (n < 0) {
        return "bad base64url";
    }

    rc = ngx_ws_guard_jwt_decode_json(jwt, buf, n, &jwt->payload,
                                      "payload is not a JSON object");
    if (rc != NULL) {
        return rc;
    }

    if (ngx_ws_guard_jwt_json_join(&jwt->arena, jwt->header)
        != NGX_WS_GUARD_OK
        || ngx_ws_guard_jwt_json_join(&jwt->arena, jwt->payload)
           != NGX_WS_GUARD_OK)
    {
        return "out of memory";
    }

    return ngx_ws_guard_jwt_claims(jwt);
}


static const char *
ngx_ws_guard_jwt_decode_json(ngx_ws_guard_jwt_t *jwt, const u_char *data,
    size_t len, ngx_ws_guard_jwt_json_t **root, const char *not_object)
{
    const char  *reason;

    if (ngx_ws_guard_jwt_json_parse(&jwt->arena, data, len, root, &reason,
                                    NULL, 0)
        != NGX_WS_GUARD_OK)
    {
        return reason ? reason : not_object;
    }

    if ((*root)->type != NGX_WS_GUARD_JWT_OBJECT) {
        return not_object;
    }

    return NULL;
}


static const char *
ngx_ws_guard_jwt_claims(ngx_ws_guard_jwt_t *jwt)
{
    int64_t                   down, up;
    ngx_ws_guard_jwt_json_t  *m;

    for (m = jwt->payload->child; m; m = m->next) {

        if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "exp", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_NUMBER
                || ngx_ws_guard_jwt_numeric_date(&m->value, &down, &up)
                   != NGX_WS_GUARD_OK)
            {
                return "wrongly typed claim \"exp\"";
            }

            jwt->has_exp = 1;
            jwt->exp = down;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "nbf", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_NUMBER
                || ngx_ws_guard_jwt_numeric_date(&m->value, &down, &up)
                   != NGX_WS_GUARD_OK)
            {
                return "wrongly typed claim \"nbf\"";
            }

            jwt->has_nbf = 1;
            jwt->nbf = up;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "iat", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_NUMBER
                || ngx_ws_guard_jwt_numeric_date(&m->value, &down, &up)
                   != NGX_WS_GUARD_OK)
            {
                return "wrongly typed claim \"iat\"";
            }

            jwt->has_iat = 1;
            jwt->iat = up;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "iss", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_STRING) {
                return "wrongly typed claim \"iss\"";
            }

            jwt->iss = m;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "aud", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_STRING
                && (m->type != NGX_WS_GUARD_JWT_ARRAY || !m->strings))
            {
                return "wrongly typed claim \"aud\"";
            }

            jwt->aud = m;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "scope", 5))
        {
            if (m->type != NGX_WS_GUARD_JWT_STRING) {
                return "wrongly typed claim \"scope\"";
            }

            jwt->scope = m;

        } else if (ngx_ws_guard_jwt_str_eq(&m->name, (u_char *) "scp", 3)) {
            if (m->type != NGX_WS_GUARD_JWT_STRING
                && (m->type != NGX_WS_GUARD_JWT_ARRAY || !m->strings))
            {
                return "wrongly typed claim \"scp\"";
            }

            jwt->scp = m;
        }
    }

    return NULL;
}


static const char *
ngx_ws_guard_jwt_select(const ngx_ws_guard_jwt_keyset_t *ks, unsigned bit,
    const ngx_ws_guard_jwt_json_t *kid, const u_char *input,
    size_t input_len, const u_char *sig, size_t sig_len)
{
    size_t                         i, found, tried;
    const ngx_ws_guard_jwt_alg_t  *alg;
    const ngx_ws_guard_jwt_key_t  *key;
    ngx_ws_guard_jwt_str_t         want;

    alg = NULL;

    for (i = 0; i < NGX_WS_GUARD_JWT_NALGS; i++) {
        if (bit == 1u << i) {
            alg = &ngx_ws_guard_jwt_algs[i];
            break;
        }
    }

    if (alg == NULL || ks == NULL) {
        return "no key for algorithm";
    }

    /*
     * With a kid, the keys that have it; if none has, the keys that have
     * no kid at all (PEM keys), since an issuer may send a kid the
     * operator's key file does not name.
     */

    want.len = 0;
    want.data = NULL;

    if (kid != NULL) {
        found = 0;

        for (i = 0; i < ks->nkeys; i++) {
            if (ngx_ws_guard_jwt_str_eq(&ks->keys[i].kid, kid->value.data,
                                        kid->value.len))
            {
                found++;
            }
        }

        if (found) {
            want = kid->value;

        } else {
            for (i = 0; i < ks->nkeys; i++) {
                if (ks->keys[i].kid.len == 0) {
                    found++;
                }
            }

            if (found == 0) {
                return "unknown kid";
            }
        }
    }

    tried = 0;

    for (i = 0; i < ks->nkeys; i++) {
        key = &ks->keys[i];

        if (kid != NULL
            && !ngx_ws_guard_jwt_str_eq(&key->kid, want.data, want.len))
        {
            continue;
        }

        if (key->type != alg->key_type || (key->alg && key->alg != bit)) {
            continue;
        }

        tried++;

        if (ngx_ws_guard_jwt_verify_key(key, alg, input, input_len,
                                        sig, sig_len)
            == NGX_WS_GUARD_OK)
        {
            return NULL;
        }
    }

    return tried ? "bad signature" : "no key for algorithm";
}


static int
ngx_ws_guard_jwt_verify_key(const ngx_ws_guard_jwt_key_t *key,
    const ngx_ws_guard_jwt_alg_t *alg, const u_char *input, size_t input_len,
    const u_char *sig, size_t sig_len)
{
    int            rc;
    u_char         mac[EVP_MAX_MD_SIZE];
    u_char         der[2 * NGX_WS_GUARD_JWT_EC_MAX + 16];
    unsigned int   mac_len;
    const EVP_MD  *md;
    EVP_MD_CTX    *mctx;
    EVP_PKEY_CTX  *pctx;

    md = alg->md ? alg->md() : NULL;

    switch (alg->family) {

    case NGX_WS_GUARD_JWT_HMAC:
        if (key->secret_len > INT_MAX
            || HMAC(md, key->secret, (int) key->secret_len, input, input_len,
                    mac, &mac_len)
               == NULL)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (sig_len != mac_len || CRYPTO_memcmp(mac, sig, mac_len) != 0) {
            return NGX_WS_GUARD_ERROR;
        }

        return NGX_WS_GUARD_OK;

    case NGX_WS_GUARD_JWT_ECDSA:
        if (sig_len != 2 * alg->ec_size) {
            return NGX_WS_GUARD_ERROR;
        }

        sig_len = ngx_ws_guard_jwt_ecdsa_der(sig, alg->ec_size, der);
        sig = der;
        break;

    case NGX_WS_GUARD_JWT_EDDSA_SIG:
        if (sig_len != 64) {
            return NGX_WS_GUARD_ERROR;
        }

        break;

    default:
        break;
    }

    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    rc = NGX_WS_GUARD_ERROR;
    pctx = NULL;

    if (EVP_DigestVerifyInit(mctx, &pctx, md, NULL, key->pkey) != 1) {
        goto done;
    }

    if (alg->family == NGX_WS_GUARD_JWT_PSS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
               <= 0
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)
        {
            goto done;
        }

    } else if (alg->family == NGX_WS_GUARD_JWT_PKCS1) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
            goto done;
        }
    }

    if (EVP_DigestVerify(mctx, sig, sig_len, input, input_len) == 1) {
        rc = NGX_WS_GUARD_OK;
    }

done:

    EVP_MD_CTX_free(mctx);

    return rc;
}


/* JOSE r||s to the DER ECDSA-Sig-Value EVP_DigestVerify() takes */

static size_t
ngx_ws_guard_jwt_ecdsa_der(const u_char *rs, size_t n, u_char *der)
{
    u_char  *p;
    size_t   len;
    u_char   body[2 * (NGX_WS_GUARD_JWT_EC_MAX + 3)];

    len = ngx_ws_guard_jwt_der_int(rs, n, body);
    len += ngx_ws_guard_jwt_der_int(rs + n, n, body + len);

    p = der;
    *p++ = 0x30;

    if (len >= 0x80) {
        *p++ = 0x81;
    }

    *p++ = (u_char) len;

    memcpy(p, body, len);

    return p + len - der;
}


static size_t
ngx_ws_guard_jwt_der_int(const u_char *v, size_t n, u_char *p)
{
    size_t  pad;

    while (n > 1 && *v == 0) {
        v++;
        n--;
    }

    pad = (*v & 0x80) ? 1 : 0;

    p[0] = 0x02;
    p[1] = (u_char) (n + pad);
    p[2] = 0;

    memcpy(p + 2 + pad, v, n);

    return 2 + pad + n;
}


/* policy */

int
ngx_ws_guard_jwt_check(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_policy_t *policy, char *err, size_t err_size)
{
    char                            q[4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 8];
    size_t                          i;
    int64_t                         now, leeway, lifetime;
    const ngx_ws_guard_jwt_str_t   *s;

    /* clamped so that no sum below can overflow */

    now = policy->now;
    now = now < 0 ? 0 : (now > NGX_WS_GUARD_JWT_TIME_MAX
                         ? NGX_WS_GUARD_JWT_TIME_MAX : now);
    leeway = policy->leeway;
    leeway = leeway < 0 ? 0 : (leeway > NGX_WS_GUARD_JWT_TIME_MAX
                               ? NGX_WS_GUARD_JWT_TIME_MAX : leeway);
    lifetime = policy->max_lifetime;
    lifetime = lifetime < 0 ? 0 : (lifetime > NGX_WS_GUARD_JWT_TIME_MAX
                                   ? NGX_WS_GUARD_JWT_TIME_MAX : lifetime);

    if (jwt->has_exp && now >= jwt->exp + leeway) {
        ngx_ws_guard_jwt_error(err, err_size, "token expired");
        return NGX_WS_GUARD_ERROR;
    }

    if (jwt->has_nbf && jwt->nbf > now + leeway) {
        ngx_ws_guard_jwt_error(err, err_size, "token not yet valid");
        return NGX_WS_GUARD_ERROR;
    }

    if (jwt->has_iat && jwt->iat > now + leeway) {
        ngx_ws_guard_jwt_error(err, err_size, "token issued in the future");
        return NGX_WS_GUARD_ERROR;
    }

    if (policy->nissuers) {
        for (i = 0; i < policy->nissuers; i++) {
            if (ngx_ws_guard_jwt_names(jwt->iss, jwt->flat_iss,
                                       &policy->issuers[i], 0))
            {
                break;
            }
        }

        if (i == policy->nissuers) {
            ngx_ws_guard_jwt_error(err, err_size, "wrong issuer");
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (policy->naudiences) {
        for (i = 0; i < policy->naudiences; i++) {
            if (ngx_ws_guard_jwt_names(jwt->aud, jwt->flat_aud,
                                       &policy->audiences[i], 0))
            {
                break;
            }
        }

        if (i == policy->naudiences) {
            ngx_ws_guard_jwt_error(err, err_size, "wrong audience");
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (lifetime) {
        if (!jwt->has_exp) {
            ngx_ws_guard_jwt_error(err, err_size, "token has no exp");
            return NGX_WS_GUARD_ERROR;
        }

        if ((jwt->has_iat && jwt->exp - jwt->iat > lifetime)
            || jwt->exp - now > lifetime + leeway)
        {
            ngx_ws_guard_jwt_error(err, err_size, "token lifetime too long");
            return NGX_WS_GUARD_ERROR;
        }
    }

    for (i = 0; i < policy->nscopes; i++) {
        s = &policy->scopes[i];

        if (!ngx_ws_guard_jwt_has_scope(jwt, s)) {
            ngx_ws_guard_jwt_error(err, err_size, "missing scope \"%s\"",
                                   ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                          s->data, s->len));
            return NGX_WS_GUARD_DECLINED;
        }
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_jwt_has_scope(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_str_t *scope)
{
    return ngx_ws_guard_jwt_names(jwt->scope, jwt->flat_scope, scope, 1)
           || ngx_ws_guard_jwt_names(jwt->scp, jwt->flat_scp, scope, 1);
}


/* whether word is one of the space-separated words of list */

static int
ngx_ws_guard_jwt_has_word(const ngx_ws_guard_jwt_str_t *list,
    const ngx_ws_guard_jwt_str_t *word)
{
    u_char  *p, *end, *start;

    p = list->data;
    end = p + list->len;

    while (p < end) {

        while (p < end && *p == ' ') {
            p++;
        }

        start = p;

        while (p < end && *p != ' ') {
            p++;
        }

        if (p > start && (size_t) (p - start) == word->len
            && memcmp(start, word->data, word->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* accessors */

int
ngx_ws_guard_jwt_exp(const ngx_ws_guard_jwt_t *jwt, time_t *exp)
{
    if (!jwt->has_exp) {
        return NGX_WS_GUARD_DECLINED;
    }

    *exp = (time_t) jwt->exp;

    return NGX_WS_GUARD_OK;
}


unsigned
ngx_ws_guard_jwt_alg(const ngx_ws_guard_jwt_t *jwt)
{
    return jwt->alg;
}


int
ngx_ws_guard_jwt_claim(const ngx_ws_guard_jwt_t *jwt, const u_char *name,
    size_t len, ngx_ws_guard_jwt_str_t *value)
{
    if (jwt->flat != NULL) {
        return ngx_ws_guard_jwt_flat_value(jwt->flat_payload, jwt->flat_end,
                                           name, len, value);
    }

    return ngx_ws_guard_jwt_json_value(jwt->payload, name, len, value);
}


int
ngx_ws_guard_jwt_header(const ngx_ws_guard_jwt_t *jwt, const u_char *name,
    size_t len, ngx_ws_guard_jwt_str_t *value)
{
    if (jwt->flat != NULL) {
        return ngx_ws_guard_jwt_flat_value(jwt->flat, jwt->flat_payload,
                                           name, len, value);
    }

    return ngx_ws_guard_jwt_json_value(jwt->header, name, len, value);
}


static int
ngx_ws_guard_jwt_json_value(const ngx_ws_guard_jwt_json_t *obj,
    const u_char *name, size_t len, ngx_ws_guard_jwt_str_t *value)
{
    const ngx_ws_guard_jwt_json_t  *m;

    m = ngx_ws_guard_jwt_json_get(obj, name, len);
    if (m == NULL || !ngx_ws_guard_jwt_answers(m->type, m->strings)) {
        return NGX_WS_GUARD_DECLINED;
    }

    *value = m->value;

    return NGX_WS_GUARD_OK;
}


/*
 * A JSON number (grammar checked by yajl) as NumericDate seconds, rounded
 * down and up.  Decimal arithmetic on the text: no floating point, no
 * locale, and any exponent is safe.  Refused: negative values and values
 * above NGX_WS_GUARD_JWT_TIME_MAX.
 */

static int
ngx_ws_guard_jwt_numeric_date(const ngx_ws_guard_jwt_str_t *s,
    int64_t *down, int64_t *up)
{
    int            neg, eneg, seen_point;
    long           exp, point;
    size_t         nsig, nz, i;
    int64_t        v;
    u_char         digits[16];
    const u_char  *p, *end;

    p = s->data;
    end = p + s->len;

    neg = 0;

    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }

    /*
     * value = 0.d1 d2 ... dn * 10^point; digits[] keeps the first
     * significant digits, nz the count up to the last non-zero one
     */

    nsig = 0;
    nz = 0;
    point = 0;
    seen_point = 0;

    for ( /* void */ ; p < end; p++) {

        if (*p == '.') {
            seen_point = 1;
            continue;
        }

        if (*p < '0' || *p > '9') {
            break;
        }

        if (nsig == 0 && *p == '0') {
            if (seen_point) {
                point--;
            }

            continue;
        }

        if (nsig < sizeof(digits)) {
            digits[nsig] = *p - '0';
        }

        nsig++;

        if (*p != '0') {
            nz = nsig;
        }

        if (!seen_point) {
            point++;
        }

        /* a number this long is out of range or a very long fraction */
        if (point > 100000 || nsig > 100000) {
            return NGX_WS_GUARD_ERROR;
        }
    }

    exp = 0;
    eneg = 0;

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            eneg = (*p == '-');
            p++;
        }

        for ( /* void */ ; p < end && *p >= '0' && *p <= '9'; p++) {
            if (exp < 1000000) {
                exp = exp * 10 + (*p - '0');
            }
        }
    }

    if (p != end) {
        return NGX_WS_GUARD_ERROR;
    }

    if (nz == 0) {
        *down = 0;
        *up = 0;
        return NGX_WS_GUARD_OK;
    }

    if (neg) {
        return NGX_WS_GUARD_ERROR;
    }

    point += eneg ? -exp : exp;

    if (point > 12) {
        return NGX_WS_GUARD_ERROR;
    }

    if (point <= 0) {
        *down = 0;
        *up = 1;
        return NGX_WS_GUARD_OK;
    }

    v = 0;

    for (i = 0; i < (size_t) point; i++) {
        v = v * 10 + (i < nz ? digits[i] : 0);
    }

    *down = v;
    *up = v + (nz > (size_t) point);

    if (*up > NGX_WS_GUARD_JWT_TIME_MAX) {
        return NGX_WS_GUARD_ERROR;
    }

    return NGX_WS_GUARD_OK;
}


/*
 * Strict base64url: the URL-safe alphabet, no padding (unless padding is
 * set, for key files), no whitespace, zero trailing bits.  dst must hold
 * len / 4 * 3 + 2 bytes.  Returns the decoded length or -1.
 */

static ssize_t
ngx_ws_guard_jwt_b64url_decode(const u_char *src, size_t len, u_char *dst,
    int padding)
{
    u_char  *d;
    size_t   i;
    u_char   c[4];

    if (padding && len % 4 == 0 && len > 0) {
        if (src[len - 1] == '=') {
            len--;

            if (src[len - 1] == '=') {
                len--;
            }
        }
    }

    if (len % 4 == 1) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (ngx_ws_guard_jwt_b64url[src[i]] == 77) {
            return -1;
        }
    }

    d = dst;

    while (len >= 4) {
        c[0] = ngx_ws_guard_jwt_b64url[src[0]];
        c[1] = ngx_ws_guard_jwt_b64url[src[1]];
        c[2] = ngx_ws_guard_jwt_b64url[src[2]];
        c[3] = ngx_ws_guard_jwt_b64url[src[3]];

        *d++ = (u_char) (c[0] << 2 | c[1] >> 4);
        *d++ = (u_char) (c[1] << 4 | c[2] >> 2);
        *d++ = (u_char) (c[2] << 6 | c[3]);

        src += 4;
        len -= 4;
    }

    if (len == 2) {
        c[0] = ngx_ws_guard_jwt_b64url[src[0]];
        c[1] = ngx_ws_guard_jwt_b64url[src[1]];

        if (c[1] & 0x0f) {
            return -1;
        }

        *d++ = (u_char) (c[0] << 2 | c[1] >> 4);

    } else if (len == 3) {
        c[0] = ngx_ws_guard_jwt_b64url[src[0]];
        c[1] = ngx_ws_guard_jwt_b64url[src[1]];
        c[2] = ngx_ws_guard_jwt_b64url[src[2]];

        if (c[2] & 0x03) {
            return -1;
        }

        *d++ = (u_char) (c[0] << 2 | c[1] >> 4);
        *d++ = (u_char) (c[1] << 4 | c[2] >> 2);
    }

    return d - dst;
}


static int
ngx_ws_guard_jwt_str_eq(const ngx_ws_guard_jwt_str_t *a, const u_char *data,
    size_t len)
{
    return a->len == len && (len == 0 || memcmp(a->data, data, len) == 0);
}


/* JSON tree */

static int
ngx_ws_guard_jwt_json_parse(ngx_ws_guard_jwt_arena_t *arena,
    const u_char *data, size_t len, ngx_ws_guard_jwt_json_t **root,
    const char **reason, char *err, size_t err_size)
{
    int                        at_end;
    size_t                     n, consumed;
    yajl_handle                h;
    yajl_status                st;
    unsigned char             *text;
    ngx_ws_guard_jwt_parse_t   p;

    memset(&p, 0, sizeof(ngx_ws_guard_jwt_parse_t));
    p.arena = arena;

    *root = NULL;
    *reason = NULL;

    h = yajl_alloc(&ngx_ws_guard_jwt_json_callbacks, NULL, &p);
    if (h == NULL) {
        *reason = "out of memory";
        ngx_ws_guard_jwt_error(err, err_size, "out of memory");
        return NGX_WS_GUARD_ERROR;
    }

    at_end = 0;
    consumed = 0;

    st = yajl_parse(h, data, len);

    if (st == yajl_status_ok) {
        at_end = 1;
        st = yajl_complete_parse(h);

    } else {
        consumed = yajl_get_bytes_consumed(h);
    }

    if (st == yajl_status_ok && p.root != NULL) {
        yajl_free(h);
        *root = p.root;
        return NGX_WS_GUARD_OK;
    }

    if (p.reason != NULL) {
        *reason = p.reason;
        ngx_ws_guard_jwt_error(err, err_size, "invalid JSON: %s", p.reason);

    } else if (err != NULL && err_size) {
        text = yajl_get_error(h, 0, NULL, 0);

        if (text == NULL) {
            ngx_ws_guard_jwt_error(err, err_size, "invalid JSON");

        } else {
            /* yajl ends its messages with ".\n" or "\n" */
            n = strlen((char *) text);

            while (n && (text[n - 1] == '\n' || text[n - 1] == '.')) {
                n--;
            }

            if (at_end) {
                ngx_ws_guard_jwt_error(err, err_size, "invalid JSON: %.*s",
                                       (int) n, text);
            } else {
                ngx_ws_guard_jwt_error(err, err_size,
                                       "invalid JSON at byte %zu: %.*s",
                                       consumed, (int) n, text);
            }

            yajl_free_error(h, text);
        }
    }

    yajl_free(h);

    return NGX_WS_GUARD_ERROR;
}


static ngx_ws_guard_jwt_json_t *
ngx_ws_guard_jwt_json_add(ngx_ws_guard_jwt_parse_t *p,
    ngx_ws_guard_jwt_json_type_e type, const u_char *data, size_t len)
{
    ngx_ws_guard_jwt_json_t  *n, *parent, *m;

    n = ngx_ws_guard_jwt_calloc(p->arena, sizeof(ngx_ws_guard_jwt_json_t));
    if (n == NULL) {
        p->reason = "out of memory";
        return NULL;
    }

    n->type = type;

    if (data != NULL) {
        n->value.data = ngx_ws_guard_jwt_alloc(p->arena, len ? len : 1);
        if (n->value.data == NULL) {
            p->reason = "out of memory";
            return NULL;
        }

        if (len) {
            memcpy(n->value.data, data, len);
        }

        n->value.len = len;
    }

    if (p->depth == 0) {
        p->root = n;
        return n;
    }

    parent = p->stack[p->depth - 1];

    if (parent->type == NGX_WS_GUARD_JWT_OBJECT) {
        n->name = p->key;

        for (m = parent->child; m; m = m->next) {
            if (ngx_ws_guard_jwt_str_eq(&m->name, n->name.data, n->name.len))
            {
                p->reason = "duplicate member";
                return NULL;
            }
        }
    }

    if (parent->last == NULL) {
        parent->child = n;

    } else {
        parent->last->next = n;
    }

    parent->last = n;

    return n;
}


static int
ngx_ws_guard_jwt_json_open(ngx_ws_guard_jwt_parse_t *p,
    ngx_ws_guard_jwt_json_type_e type)
{
    ngx_ws_guard_jwt_json_t  *n;

    if (p->depth == NGX_WS_GUARD_JWT_MAX_DEPTH) {
        p->reason = "JSON nested too deeply";
        return 0;
    }

    n = ngx_ws_guard_jwt_json_add(p, type, NULL, 0);
    if (n == NULL) {
        return 0;
    }

    p->stack[p->depth++] = n;

    return 1;
}


static int
ngx_ws_guard_jwt_json_null(void *ctx)
{
    return ngx_ws_guard_jwt_json_add(ctx, NGX_WS_GUARD_JWT_NULL, NULL, 0)
           != NULL;
}


static int
ngx_ws_guard_jwt_json_boolean(void *ctx, int value)
{
    ngx_ws_guard_jwt_json_t  *n;

    n = ngx_ws_guard_jwt_json_add(ctx, value ? NGX_WS_GUARD_JWT_TRUE
                                             : NGX_WS_GUARD_JWT_FALSE,
                                  NULL, 0);
    if (n == NULL) {
        return 0;
    }

    n->value.data = (u_char *) (value ? "true" : "false");
    n->value.len = value ? 4 : 5;

    return 1;
}


static int
ngx_ws_guard_jwt_json_number(void *ctx, const char *s, size_t len)
{
    return ngx_ws_guard_jwt_json_add(ctx, NGX_WS_GUARD_JWT_NUMBER,
                                     (const u_char *) s, len)
           != NULL;
}


static int
ngx_ws_guard_jwt_json_string(void *ctx, const unsigned char *s, size_t len)
{
    return ngx_ws_guard_jwt_json_add(ctx, NGX_WS_GUARD_JWT_STRING,
                                     len ? s : (const u_char *) "", len)
           != NULL;
}


static int
ngx_ws_guard_jwt_json_start_map(void *ctx)
{
    return ngx_ws_guard_jwt_json_open(ctx, NGX_WS_GUARD_JWT_OBJECT);
}


static int
ngx_ws_guard_jwt_json_map_key(void *ctx, const unsigned char *s, size_t len)
{
    ngx_ws_guard_jwt_parse_t  *p;

    p = ctx;

    p->key.data = ngx_ws_guard_jwt_alloc(p->arena, len ? len : 1);
    if (p->key.data == NULL) {
        p->reason = "out of memory";
        return 0;
    }

    if (len) {
        memcpy(p->key.data, s, len);
    }

    p->key.len = len;

    return 1;
}


static int
ngx_ws_guard_jwt_json_end(void *ctx)
{
    ngx_ws_guard_jwt_parse_t  *p;

    p = ctx;
    p->depth--;

    return 1;
}


static int
ngx_ws_guard_jwt_json_start_array(void *ctx)
{
    return ngx_ws_guard_jwt_json_open(ctx, NGX_WS_GUARD_JWT_ARRAY);
}


static ngx_ws_guard_jwt_json_t *
ngx_ws_guard_jwt_json_get(const ngx_ws_guard_jwt_json_t *obj,
    const u_char *name, size_t len)
{
    ngx_ws_guard_jwt_json_t  *m;

    if (obj == NULL || obj->type != NGX_WS_GUARD_JWT_OBJECT) {
        return NULL;
    }

    for (m = obj->child; m; m = m->next) {
        if (ngx_ws_guard_jwt_str_eq(&m->name, name, len)) {
            return m;
        }
    }

    return NULL;
}


/* sets value of the object's arrays of strings to them joined with "," */

static int
ngx_ws_guard_jwt_json_join(ngx_ws_guard_jwt_arena_t *arena,
    ngx_ws_guard_jwt_json_t *obj)
{
    u_char                   *p;
    size_t                    len;
    ngx_ws_guard_jwt_json_t  *m, *e;

    for (m = obj->child; m; m = m->next) {

        if (m->type != NGX_WS_GUARD_JWT_ARRAY) {
            continue;
        }

        len = 0;

        for (e = m->child; e; e = e->next) {
            if (e->type != NGX_WS_GUARD_JWT_STRING) {
                break;
            }

            len += e->value.len + 1;
        }

        if (e != NULL) {
            continue;
        }

        p = ngx_ws_guard_jwt_alloc(arena, len ? len : 1);
        if (p == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        m->value.data = p;

        for (e = m->child; e; e = e->next) {
            if (e != m->child) {
                *p++ = ',';
            }

            if (e->value.len) {
                memcpy(p, e->value.data, e->value.len);
                p += e->value.len;
            }
        }

        m->value.len = p - m->value.data;
        m->strings = 1;
    }

    return NGX_WS_GUARD_OK;
}


/* arena: chunks freed together */

static void *
ngx_ws_guard_jwt_alloc(ngx_ws_guard_jwt_arena_t *arena, size_t size)
{
    size_t                     n;
    uintptr_t                  p;
    ngx_ws_guard_jwt_chunk_t  *c;

    if (size > SIZE_MAX / 2) {
        return NULL;
    }

    c = arena->head;

    if (c != NULL) {
        p = ((uintptr_t) (c->data + c->used) + NGX_WS_GUARD_JWT_ALIGN - 1)
            & ~((uintptr_t) NGX_WS_GUARD_JWT_ALIGN - 1);

        if (p + size <= (uintptr_t) (c->data + c->size)) {
            c->used = p + size - (uintptr_t) c->data;
            return (void *) p;
        }
    }

    n = size + NGX_WS_GUARD_JWT_ALIGN;

    if (n < NGX_WS_GUARD_JWT_CHUNK) {
        n = NGX_WS_GUARD_JWT_CHUNK;
    }

    c = malloc(sizeof(ngx_ws_guard_jwt_chunk_t) + n);
    if (c == NULL) {
        return NULL;
    }

    c->size = n;
    c->used = 0;
    c->next = arena->head;
    arena->head = c;

    p = ((uintptr_t) c->data + NGX_WS_GUARD_JWT_ALIGN - 1)
        & ~((uintptr_t) NGX_WS_GUARD_JWT_ALIGN - 1);

    c->used = p + size - (uintptr_t) c->data;

    return (void *) p;
}


static void *
ngx_ws_guard_jwt_calloc(ngx_ws_guard_jwt_arena_t *arena, size_t size)
{
    void  *p;

    p = ngx_ws_guard_jwt_alloc(arena, size);

    if (p != NULL) {
        memset(p, 0, size);
    }

    return p;
}


/*
 * Compaction: what a token answers once verified, in one block of the size
 * it takes.  Each top-level member of the header, then of the payload,
 * becomes an entry, in order (so the first of two members with one name
 * still answers):
 *
 *   type, strings (1 byte each), name length, value length, element count
 *   (2 bytes each, little-endian), the name, the value, then for the
 *   member that is the token's aud or scp and an array, each element as a
 *   length (2 bytes) and its bytes.
 *
 * A value that no accessor returns (null, an object, an array with a
 * non-string element) is kept empty.  Lengths fit in 2 bytes: a token is
 * at most NGX_WS_GUARD_JWT_MAX_TOKEN bytes.  About 8 bytes a member
 * besides its text, where the tree takes 64.
 */

#define NGX_WS_GUARD_JWT_ENTRY  8


static size_t
ngx_ws_guard_jwt_flat_size(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *obj)
{
    size_t                          size;
    const ngx_ws_guard_jwt_json_t  *m, *e;

    if (obj == NULL || obj->type != NGX_WS_GUARD_JWT_OBJECT) {
        return 0;
    }

    size = 0;

    for (m = obj->child; m; m = m->next) {
        size += NGX_WS_GUARD_JWT_ENTRY + m->name.len;

        if (ngx_ws_guard_jwt_answers(m->type, m->strings)) {
            size += m->value.len;
        }

        if (ngx_ws_guard_jwt_elements(jwt, m)) {
            for (e = m->child; e; e = e->next) {
                size += 2 + e->value.len;
            }
        }
    }

    return size;
}


/* whether the accessors return the member's value */

static int
ngx_ws_guard_jwt_answers(unsigned type, unsigned strings)
{
    switch (type) {

    case NGX_WS_GUARD_JWT_STRING:
    case NGX_WS_GUARD_JWT_NUMBER:
    case NGX_WS_GUARD_JWT_TRUE:
    case NGX_WS_GUARD_JWT_FALSE:
        return 1;

    case NGX_WS_GUARD_JWT_ARRAY:
        return strings;

    default:
        return 0;
    }
}


/* whether check() reads the member's elements: an aud or scp array */

static int
ngx_ws_guard_jwt_elements(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *m)
{
    return (m == jwt->aud || m == jwt->scp)
           && m->type == NGX_WS_GUARD_JWT_ARRAY;
}


static u_char *
ngx_ws_guard_jwt_put16(u_char *p, size_t n)
{
    *p++ = (u_char) (n & 0xff);
    *p++ = (u_char) (n >> 8);

    return p;
}


#define ngx_ws_guard_jwt_get16(p)  ((p)[0] | (size_t) (p)[1] << 8)


static u_char *
ngx_ws_guard_jwt_flat_copy(ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_json_t *obj, u_char *p)
{
    size_t                          n, vlen;
    const ngx_ws_guard_jwt_json_t  *m, *e;

    if (obj == NULL || obj->type != NGX_WS_GUARD_JWT_OBJECT) {
        return p;
    }

    for (m = obj->child; m; m = m->next) {

        if (m == jwt->iss) {
            jwt->flat_iss = p;

        } else if (m == jwt->aud) {
            jwt->flat_aud = p;

        } else if (m == jwt->scope) {
            jwt->flat_scope = p;

        } else if (m == jwt->scp) {
            jwt->flat_scp = p;
        }

        n = 0;

        if (ngx_ws_guard_jwt_elements(jwt, m)) {
            for (e = m->child; e; e = e->next) {
                n++;
            }
        }

        vlen = ngx_ws_guard_jwt_answers(m->type, m->strings) ? m->value.len
                                                              : 0;

        *p++ = (u_char) m->type;
        *p++ = (u_char) m->strings;
        p = ngx_ws_guard_jwt_put16(p, m->name.len);
        p = ngx_ws_guard_jwt_put16(p, vlen);
        p = ngx_ws_guard_jwt_put16(p, n);

        if (m->name.len) {
            memcpy(p, m->name.data, m->name.len);
            p += m->name.len;
        }

        if (vlen) {
            memcpy(p, m->value.data, vlen);
            p += vlen;
        }

        if (n == 0) {
            continue;
        }

        for (e = m->child; e; e = e->next) {
            p = ngx_ws_guard_jwt_put16(p, e->value.len);

            if (e->value.len) {
                memcpy(p, e->value.data, e->value.len);
                p += e->value.len;
            }
        }
    }

    return p;
}


/* the entry at p; returns where the next one begins */

static const u_char *
ngx_ws_guard_jwt_entry(const u_char *p, ngx_ws_guard_jwt_entry_t *e)
{
    size_t  i;

    e->type = p[0];
    e->strings = p[1];
    e->name.len = ngx_ws_guard_jwt_get16(p + 2);
    e->value.len = ngx_ws_guard_jwt_get16(p + 4);
    e->nelts = ngx_ws_guard_jwt_get16(p + 6);

    p += NGX_WS_GUARD_JWT_ENTRY;

    e->name.data = (u_char *) p;
    p += e->name.len;

    e->value.data = (u_char *) p;
    p += e->value.len;

    e->elts = p;

    for (i = 0; i < e->nelts; i++) {
        p += 2 + ngx_ws_guard_jwt_get16(p);
    }

    return p;
}


static int
ngx_ws_guard_jwt_flat_value(const u_char *p, const u_char *end,
    const u_char *name, size_t len, ngx_ws_guard_jwt_str_t *value)
{
    ngx_ws_guard_jwt_entry_t  e;

    while (p < end) {
        p = ngx_ws_guard_jwt_entry(p, &e);

        if (!ngx_ws_guard_jwt_str_eq(&e.name, name, len)) {
            continue;
        }

        if (!ngx_ws_guard_jwt_answers(e.type, e.strings)) {
            return NGX_WS_GUARD_DECLINED;
        }

        *value = e.value;

        return NGX_WS_GUARD_OK;
    }

    return NGX_WS_GUARD_DECLINED;
}


/*
 * Whether the claim m (a tree) or entry (compacted) names s: a string
 * claim equal to it, or with words set holding it among its
 * space-separated words; an array with an element equal to it.  Neither
 * given: no.
 */

static int
ngx_ws_guard_jwt_names(const ngx_ws_guard_jwt_json_t *m,
    const u_char *entry, const ngx_ws_guard_jwt_str_t *s, int words)
{
    size_t                          i;
    unsigned                        type;
    const u_char                   *p;
    ngx_ws_guard_jwt_str_t          v;
    ngx_ws_guard_jwt_entry_t        e;
    const ngx_ws_guard_jwt_str_t   *value;
    const ngx_ws_guard_jwt_json_t  *c;

    if (entry != NULL) {
        (void) ngx_ws_guard_jwt_entry(entry, &e);
        type = e.type;
        value = &e.value;

    } else if (m != NULL) {
        type = m->type;
        value = &m->value;

    } else {
        return 0;
    }

    if (type == NGX_WS_GUARD_JWT_STRING) {
        return words ? ngx_ws_guard_jwt_has_word(value, s)
                     : ngx_ws_guard_jwt_str_eq(value, s->data, s->len);
    }

    if (entry != NULL) {
        p = e.elts;

        for (i = 0; i < e.nelts; i++) {
            v.len = ngx_ws_guard_jwt_get16(p);
            v.data = (u_char *) p + 2;
            p += 2 + v.len;

            if (ngx_ws_guard_jwt_str_eq(&v, s->data, s->len)) {
                return 1;
            }
        }

        return 0;
    }

    for (c = m->child; c; c = c->next) {
        if (ngx_ws_guard_jwt_str_eq(&c->value, s->data, s->len)) {
            return 1;
        }
    }

    return 0;
}


size_t
ngx_ws_guard_jwt_size(const ngx_ws_guard_jwt_t *jwt)
{
    size_t                     size;
    ngx_ws_guard_jwt_chunk_t  *c;

    size = sizeof(ngx_ws_guard_jwt_t);

    for (c = jwt->arena.head; c; c = c->next) {
        size += sizeof(ngx_ws_guard_jwt_chunk_t) + c->size;
    }

    return size;
}


int
ngx_ws_guard_jwt_compact(ngx_ws_guard_jwt_t *jwt)
{
    size_t                     size;
    u_char                    *p;
    ngx_ws_guard_jwt_chunk_t  *c;

    if (jwt->flat != NULL) {
        return NGX_WS_GUARD_OK;
    }

    size = ngx_ws_guard_jwt_flat_size(jwt, jwt->header)
           + ngx_ws_guard_jwt_flat_size(jwt, jwt->payload);

    /* one byte at least: flat marks the token compacted */

    c = malloc(sizeof(ngx_ws_guard_jwt_chunk_t) + size + 1);
    if (c == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    c->next = NULL;
    c->size = size + 1;
    c->used = size;

    jwt->flat = c->data;
    p = ngx_ws_guard_jwt_flat_copy(jwt, jwt->header, c->data);
    jwt->flat_payload = p;
    jwt->flat_end = ngx_ws_guard_jwt_flat_copy(jwt, jwt->payload, p);

    ngx_ws_guard_jwt_arena_free(&jwt->arena);
    jwt->arena.head = c;

    jwt->header = NULL;
    jwt->payload = NULL;
    jwt->iss = NULL;
    jwt->aud = NULL;
    jwt->scope = NULL;
    jwt->scp = NULL;

    return NGX_WS_GUARD_OK;
}


/* whether the entry at p is named in names */

static int
ngx_ws_guard_jwt_named(const u_char *p, const ngx_ws_guard_jwt_str_t *names,
    size_t n)
{
    size_t                    i;
    ngx_ws_guard_jwt_entry_t  e;

    (void) ngx_ws_guard_jwt_entry(p, &e);

    for (i = 0; i < n; i++) {
        if (ngx_ws_guard_jwt_str_eq(&e.name, names[i].data, names[i].len)) {
            return 1;
        }
    }

    return 0;
}


/*
 * Copies the entries of [p, end) named in names to out (out NULL: only
 * counts); returns the bytes they take.  A pointer of the token to one of
 * them (flat_iss and the like) moves with it.
 */

static size_t
ngx_ws_guard_jwt_keep_entries(ngx_ws_guard_jwt_t *jwt, const u_char *p,
    const u_char *end, const ngx_ws_guard_jwt_str_t *names, size_t n,
    u_char *out, size_t *kept)
{
    size_t                    size, len;
    const u_char             *next;
    ngx_ws_guard_jwt_entry_t  e;
    u_char                  **pointers[4];
    size_t                    i;

    pointers[0] = &jwt->flat_iss;
    pointers[1] = &jwt->flat_aud;
    pointers[2] = &jwt->flat_scope;
    pointers[3] = &jwt->flat_scp;

    size = 0;

    while (p < end) {
        next = ngx_ws_guard_jwt_entry(p, &e);
        len = (size_t) (next - p);

        if (ngx_ws_guard_jwt_named(p, names, n)) {
            if (out) {
                memcpy(out + size, p, len);

                for (i = 0; i < 4; i++) {
                    if (*pointers[i] == p) {
                        *pointers[i] = out + size;
                    }
                }

                (*kept)++;
            }

            size += len;
        }

        p = next;
    }

    return size;
}


int
ngx_ws_guard_jwt_keep(ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_str_t *headers, size_t nheaders,
    const ngx_ws_guard_jwt_str_t *claims, size_t nclaims, size_t *kept)
{
    size_t                     hsize, csize, i;
    u_char                    *out, **pointers[4], *old[4];
    ngx_ws_guard_jwt_chunk_t  *c;

    if (ngx_ws_guard_jwt_compact(jwt) != NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_ERROR;
    }

    hsize = ngx_ws_guard_jwt_keep_entries(jwt, jwt->flat, jwt->flat_payload,
                                          headers, nheaders, NULL, NULL);
    csize = ngx_ws_guard_jwt_keep_entries(jwt, jwt->flat_payload,
                                          jwt->flat_end, claims, nclaims,
                                          NULL, NULL);

    c = malloc(sizeof(ngx_ws_guard_jwt_chunk_t) + hsize + csize + 1);
    if (c == NULL) {
        return NGX_WS_GUARD_ERROR;
    }

    c->next = NULL;
    c->size = hsize + csize + 1;
    c->used = hsize + csize;

    /* the pointers not moved to a kept entry are of one no longer there */

    pointers[0] = &jwt->flat_iss;
    pointers[1] = &jwt->flat_aud;
    pointers[2] = &jwt->flat_scope;
    pointers[3] = &jwt->flat_scp;

    for (i = 0; i < 4; i++) {
        old[i] = *pointers[i];
    }

    *kept = 0;
    out = c->data;

    (void) ngx_ws_guard_jwt_keep_entries(jwt, jwt->flat, jwt->flat_payload,
                                         headers, nheaders, out, kept);
    (void) ngx_ws_guard_jwt_keep_entries(jwt, jwt->flat_payload,
                                         jwt->flat_end, claims, nclaims,
                                         out + hsize, kept);

    for (i = 0; i < 4; i++) {
        if (*pointers[i] == old[i]) {
            *pointers[i] = NULL;
        }
    }

    ngx_ws_guard_jwt_arena_free(&jwt->arena);
    jwt->arena.head = c;

    jwt->flat = c->data;
    jwt->flat_payload = c->data + hsize;
    jwt->flat_end = c->data + hsize + csize;

    return NGX_WS_GUARD_OK;
}


static void
ngx_ws_guard_jwt_arena_free(ngx_ws_guard_jwt_arena_t *arena)
{
    ngx_ws_guard_jwt_chunk_t  *c, *next;

    for (c = arena->head; c; c = next) {
        next = c->next;
        free(c);
    }

    arena->head = NULL;
}


/* key sets */

ngx_ws_guard_jwt_keyset_t *
ngx_ws_guard_jwt_keyset_create(void)
{
    return calloc(1, sizeof(ngx_ws_guard_jwt_keyset_t));
}


void
ngx_ws_guard_jwt_keyset_free(ngx_ws_guard_jwt_keyset_t *ks)
{
    size_t  i;

    if (ks == NULL) {
        return;
    }

    for (i = 0; i < ks->nkeys; i++) {
        ngx_ws_guard_jwt_key_free(&ks->keys[i]);
    }

    free(ks->keys);
    free(ks);
}


size_t
ngx_ws_guard_jwt_keyset_count(const ngx_ws_guard_jwt_keyset_t *ks)
{
    return ks->nkeys;
}


int
ngx_ws_guard_jwt_keyset_load(ngx_ws_guard_jwt_keyset_t *ks,
    const u_char *data, size_t len, char *err, size_t err_size)
{
    int     rc;
    size_t  start;

    start = ks->nkeys;

    /* a UTF-8 byte order mark, then blanks */

    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
    }

    while (len && (*data == ' ' || *data == '\t' || *data == '\r'
                   || *data == '\n'))
    {
        data++;
        len--;
    }

    if (len && *data == '{') {
        rc = ngx_ws_guard_jwt_load_json(ks, data, len, err, err_size);

    } else {
        rc = ngx_ws_guard_jwt_load_pem(ks, data, len, err, err_size);
    }

    if (rc == NGX_WS_GUARD_OK && ks->nkeys == start) {
        ngx_ws_guard_jwt_error(err, err_size, "no usable key found");
        rc = NGX_WS_GUARD_ERROR;
    }

    if (rc != NGX_WS_GUARD_OK) {
        while (ks->nkeys > start) {
            ngx_ws_guard_jwt_key_free(&ks->keys[--ks->nkeys]);
        }
    }

    ERR_clear_error();

    return rc;
}


static int
ngx_ws_guard_jwt_load_json(ngx_ws_guard_jwt_keyset_t *ks,
    const u_char *data, size_t len, char *err, size_t err_size)
{
    int                       rc;
    char                      what[32];
    size_t                    i;
    const char               *reason;
    ngx_ws_guard_jwt_json_t  *root, *keys, *k;
    ngx_ws_guard_jwt_arena_t  arena;

    arena.head = NULL;

    rc = ngx_ws_guard_jwt_json_parse(&arena, data, len, &root, &reason,
                                     err, err_size);
    if (rc != NGX_WS_GUARD_OK) {
        goto done;
    }

    rc = NGX_WS_GUARD_ERROR;

    keys = ngx_ws_guard_jwt_json_get(root, (u_char *) "keys", 4);

    if (keys != NULL) {
        if (keys->type != NGX_WS_GUARD_JWT_ARRAY) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "JWKS \"keys\" is not an array");
            goto done;
        }

        for (k = keys->child, i = 1; k; k = k->next, i++) {
            snprintf(what, sizeof(what), "JWKS key %zu", i);

            if (k->type != NGX_WS_GUARD_JWT_OBJECT) {
                ngx_ws_guard_jwt_error(err, err_size, "%s: not an object",
                                       what);
                goto done;
            }

            if (ngx_ws_guard_jwt_load_jwk(ks, &arena, k, what, err, err_size)
                != NGX_WS_GUARD_OK)
            {
                goto done;
            }
        }

    } else if (ngx_ws_guard_jwt_json_get(root, (u_char *) "kty", 3) != NULL) {
        if (ngx_ws_guard_jwt_load_jwk(ks, &arena, root, "JWK", err, err_size)
            != NGX_WS_GUARD_OK)
        {
            goto done;
        }

    } else {
        ngx_ws_guard_jwt_error(err, err_size,
                               "JSON key file has neither \"keys\" "
                               "nor \"kty\"");
        goto done;
    }

    rc = NGX_WS_GUARD_OK;

done:

    ngx_ws_guard_jwt_arena_free(&arena);

    return rc;
}


static int
ngx_ws_guard_jwt_load_jwk(ngx_ws_guard_jwt_keyset_t *ks,
    ngx_ws_guard_jwt_arena_t *arena, const ngx_ws_guard_jwt_json_t *jwk,
    const char *what, char *err, size_t err_size)
{
    char                            q[4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 8];
    u_char                         *n, *e, *x, *y;
    size_t                          n_len, e_len, x_len, y_len, size;
    unsigned                        bit;
    EVP_PKEY                       *pkey;
    const char                     *group, *crv_name;
    ngx_ws_guard_jwt_str_t          kid;
    ngx_ws_guard_jwt_key_t         *key;
    const ngx_ws_guard_jwt_json_t  *kty, *use, *alg, *id, *crv;

    if (ngx_ws_guard_jwt_jwk_string(jwk, "kty", &kty, what, err, err_size)
        != NGX_WS_GUARD_OK
        || ngx_ws_guard_jwt_jwk_string(jwk, "use", &use, what, err,
                                       err_size)
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_jwt_jwk_string(jwk, "alg", &alg, what, err,
                                       err_size)
           != NGX_WS_GUARD_OK
        || ngx_ws_guard_jwt_jwk_string(jwk, "kid", &id, what, err, err_size)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    if (kty == NULL) {
        ngx_ws_guard_jwt_error(err, err_size, "%s: no \"kty\"", what);
        return NGX_WS_GUARD_ERROR;
    }

    /* encryption keys and keys for algorithms not verified here */

    if (use != NULL && !ngx_ws_guard_jwt_str_eq(&use->value,
                                                (u_char *) "sig", 3))
    {
        return NGX_WS_GUARD_OK;
    }

    bit = 0;

    if (alg != NULL) {
        bit = ngx_ws_guard_jwt_alg_from_name(alg->value.data, alg->value.len);
        if (bit == 0) {
            return NGX_WS_GUARD_OK;
        }
    }

    kid.len = 0;
    kid.data = NULL;

    if (id != NULL) {
        kid = id->value;
    }

    if (ngx_ws_guard_jwt_str_eq(&kty->value, (u_char *) "oct", 3)) {
        n = ngx_ws_guard_jwt_jwk_bytes(arena, jwk, "k", &n_len, what,
                                       err, err_size);
        if (n == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        if (bit != 0 && bit > NGX_WS_GUARD_JWT_HS512) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: \"alg\" does not fit kty \"oct\"",
                                   what);
            return NGX_WS_GUARD_ERROR;
        }

        key = ngx_ws_guard_jwt_add_key(ks, &kid);
        if (key == NULL) {
            ngx_ws_guard_jwt_error(err, err_size, "out of memory");
            return NGX_WS_GUARD_ERROR;
        }

        key->secret = malloc(n_len);
        if (key->secret == NULL) {
            ngx_ws_guard_jwt_key_free(key);
            ks->nkeys--;
            ngx_ws_guard_jwt_error(err, err_size, "out of memory");
            return NGX_WS_GUARD_ERROR;
        }

        memcpy(key->secret, n, n_len);
        key->secret_len = n_len;
        key->type = NGX_WS_GUARD_JWT_KEY_OCT;
        key->alg = bit;

        OPENSSL_cleanse(n, n_len);

        return NGX_WS_GUARD_OK;
    }

    if (ngx_ws_guard_jwt_str_eq(&kty->value, (u_char *) "RSA", 3)) {
        n = ngx_ws_guard_jwt_jwk_bytes(arena, jwk, "n", &n_len, what,
                                       err, err_size);
        if (n == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        e = ngx_ws_guard_jwt_jwk_bytes(arena, jwk, "e", &e_len, what,
                                       err, err_size);
        if (e == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        pkey = ngx_ws_guard_jwt_rsa_pkey(n, n_len, e, e_len);
        if (pkey == NULL) {
            ngx_ws_guard_jwt_error(err, err_size, "%s: invalid RSA key",
                                   what);
            return NGX_WS_GUARD_ERROR;
        }

        return ngx_ws_guard_jwt_add_pkey(ks, pkey, &kid, bit, what,
                                         err, err_size);
    }

    if (ngx_ws_guard_jwt_str_eq(&kty->value, (u_char *) "EC", 2)
        || ngx_ws_guard_jwt_str_eq(&kty->value, (u_char *) "OKP", 3))
    {
        if (ngx_ws_guard_jwt_jwk_string(jwk, "crv", &crv, what, err,
                                        err_size)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (crv == NULL) {
            ngx_ws_guard_jwt_error(err, err_size, "%s: no \"crv\"", what);
            return NGX_WS_GUARD_ERROR;
        }

        group = NULL;
        crv_name = NULL;
        size = 0;

        if (kty->value.len == 2) {
            if (ngx_ws_guard_jwt_str_eq(&crv->value, (u_char *) "P-256", 5)) {
                group = "P-256";
                size = 32;

            } else if (ngx_ws_guard_jwt_str_eq(&crv->value,
                                               (u_char *) "P-384", 5))
            {
                group = "P-384";
                size = 48;

            } else if (ngx_ws_guard_jwt_str_eq(&crv->value,
                                               (u_char *) "P-521", 5))
            {
                group = "P-521";
                size = 66;
            }

            crv_name = group;

        } else if (ngx_ws_guard_jwt_str_eq(&crv->value,
                                           (u_char *) "Ed25519", 7))
        {
            crv_name = "Ed25519";
            size = 32;
        }

        if (crv_name == NULL) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: unsupported crv \"%s\"", what,
                                   ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                          crv->value.data,
                                                          crv->value.len));
            return NGX_WS_GUARD_ERROR;
        }

        x = ngx_ws_guard_jwt_jwk_bytes(arena, jwk, "x", &x_len, what,
                                       err, err_size);
        if (x == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        /*
         * RFC 7518 wants EC coordinates at full length, some encoders strip
         * leading zero bytes: those are put back
         */

        if (x_len > size || (group == NULL && x_len != size)) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: \"x\" is %zu bytes, %s needs %zu",
                                   what, x_len, crv_name, size);
            return NGX_WS_GUARD_ERROR;
        }

        if (group == NULL) {
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
                                               x, x_len);

        } else {
            y = ngx_ws_guard_jwt_jwk_bytes(arena, jwk, "y", &y_len, what,
                                           err, err_size);
            if (y == NULL) {
                return NGX_WS_GUARD_ERROR;
            }

            if (y_len > size) {
                ngx_ws_guard_jwt_error(err, err_size,
                                       "%s: \"y\" is %zu bytes, %s needs %zu",
                                       what, y_len, crv_name, size);
                return NGX_WS_GUARD_ERROR;
            }

            pkey = ngx_ws_guard_jwt_ec_pkey(group, x, x_len, y, y_len, size);
        }

        if (pkey == NULL) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: invalid %s public key", what,
                                   crv_name);
            return NGX_WS_GUARD_ERROR;
        }

        return ngx_ws_guard_jwt_add_pkey(ks, pkey, &kid, bit, what,
                                         err, err_size);
    }

    ngx_ws_guard_jwt_error(err, err_size, "%s: unsupported kty \"%s\"", what,
                           ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                  kty->value.data,
                                                  kty->value.len));

    return NGX_WS_GUARD_ERROR;
}


static int
ngx_ws_guard_jwt_jwk_string(const ngx_ws_guard_jwt_json_t *jwk,
    const char *name, const ngx_ws_guard_jwt_json_t **value,
    const char *what, char *err, size_t err_size)
{
    const ngx_ws_guard_jwt_json_t  *m;

    m = ngx_ws_guard_jwt_json_get(jwk, (const u_char *) name, strlen(name));

    if (m != NULL && m->type != NGX_WS_GUARD_JWT_STRING) {
        ngx_ws_guard_jwt_error(err, err_size, "%s: \"%s\" is not a string",
                               what, name);
        return NGX_WS_GUARD_ERROR;
    }

    *value = m;

    return NGX_WS_GUARD_OK;
}


static u_char *
ngx_ws_guard_jwt_jwk_bytes(ngx_ws_guard_jwt_arena_t *arena,
    const ngx_ws_guard_jwt_json_t *jwk, const char *name, size_t *len,
    const char *what, char *err, size_t err_size)
{
    u_char                         *p;
    ssize_t                         n;
    const ngx_ws_guard_jwt_json_t  *m;

    if (ngx_ws_guard_jwt_jwk_string(jwk, name, &m, what, err, err_size)
        != NGX_WS_GUARD_OK)
    {
        return NULL;
    }

    if (m == NULL) {
        ngx_ws_guard_jwt_error(err, err_size, "%s: no \"%s\"", what, name);
        return NULL;
    }

    if (m->value.len > NGX_WS_GUARD_JWT_JWK_MAX / 3 * 4 + 4) {
        ngx_ws_guard_jwt_error(err, err_size, "%s: \"%s\" is too long",
                               what, name);
        return NULL;
    }

    p = ngx_ws_guard_jwt_alloc(arena, m->value.len / 4 * 3 + 3);
    if (p == NULL) {
        ngx_ws_guard_jwt_error(err, err_size, "out of memory");
        return NULL;
    }

    n = ngx_ws_guard_jwt_b64url_decode(m->value.data, m->value.len, p, 1);

    if (n < 0) {
        ngx_ws_guard_jwt_error(err, err_size,
                               "%s: \"%s\" is not valid base64url",
                               what, name);
        return NULL;
    }

    if (n == 0) {
        ngx_ws_guard_jwt_error(err, err_size, "%s: \"%s\" is empty",
                               what, name);
        return NULL;
    }

    *len = n;

    return p;
}


static EVP_PKEY *
ngx_ws_guard_jwt_rsa_pkey(const u_char *n, size_t n_len, const u_char *e,
    size_t e_len)
{
    BIGNUM          *bn, *be;
    EVP_PKEY        *pkey;
    OSSL_PARAM      *params;
    EVP_PKEY_CTX    *ctx;
    OSSL_PARAM_BLD  *bld;

    pkey = NULL;
    params = NULL;
    ctx = NULL;

    bn = BN_bin2bn(n, (int) n_len, NULL);
    be = BN_bin2bn(e, (int) e_len, NULL);
    bld = OSSL_PARAM_BLD_new();

    if (bn == NULL || be == NULL || bld == NULL
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
    {
        goto done;
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL) {
        goto done;
    }

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

    if (ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);

    return pkey;
}


static EVP_PKEY *
ngx_ws_guard_jwt_ec_pkey(const char *group, const u_char *x, size_t x_len,
    const u_char *y, size_t y_len, size_t size)
{
    u_char           point[1 + 2 * NGX_WS_GUARD_JWT_EC_MAX];
    EVP_PKEY        *pkey;
    OSSL_PARAM      *params;
    EVP_PKEY_CTX    *ctx, *check;
    OSSL_PARAM_BLD  *bld;

    pkey = NULL;
    params = NULL;
    ctx = NULL;

    /* an uncompressed point: 0x04 x y, coordinates left-padded */

    memset(point, 0, sizeof(point));
    point[0] = 0x04;
    memcpy(point + 1 + size - x_len, x, x_len);
    memcpy(point + 1 + 2 * size - y_len, y, y_len);

    bld = OSSL_PARAM_BLD_new();

    if (bld == NULL
        || OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                           group, 0)
           != 1
        || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                            point, 1 + 2 * size)
           != 1)
    {
        goto done;
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL) {
        goto done;
    }

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

    if (ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    {
        EVP_PKEY_free(pkey);
        pkey = NULL;
        goto done;
    }

    /* the point must be on the curve */

    check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

    if (check == NULL || EVP_PKEY_public_check(check) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }

    EVP_PKEY_CTX_free(check);

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);

    return pkey;
}


static int
ngx_ws_guard_jwt_load_pem(ngx_ws_guard_jwt_keyset_t *ks, const u_char *data,
    size_t len, char *err, size_t err_size)
{
    int                     rc;
    BIO                    *bio;
    char                   *name, *header, what[32];
    char                    q[4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 8];
    long                    der_len;
    X509                   *x509;
    size_t                  i;
    u_char                 *der;
    EVP_PKEY               *pkey;
    unsigned long           e;
    const u_char           *p;
    ngx_ws_guard_jwt_str_t  kid;

    if (len > INT_MAX) {
        ngx_ws_guard_jwt_error(err, err_size, "key file too large");
        return NGX_WS_GUARD_ERROR;
    }

    bio = BIO_new_mem_buf(data, (int) len);
    if (bio == NULL) {
        ngx_ws_guard_jwt_error(err, err_size, "out of memory");
        return NGX_WS_GUARD_ERROR;
    }

    kid.len = 0;
    kid.data = NULL;

    rc = NGX_WS_GUARD_OK;

    for (i = 1; /* void */ ; i++) {
        snprintf(what, sizeof(what), "PEM block %zu", i);

        name = NULL;
        header = NULL;
        der = NULL;

        ERR_clear_error();

        if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
            e = ERR_peek_last_error();

            if (ERR_GET_LIB(e) == ERR_LIB_PEM
                && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
            {
                if (i == 1) {
                    ngx_ws_guard_jwt_error(err, err_size,
                                           "not a JWKS, JWK or PEM file");
                    rc = NGX_WS_GUARD_ERROR;
                }

            } else {
                ngx_ws_guard_jwt_error(err, err_size, "%s: malformed", what);
                rc = NGX_WS_GUARD_ERROR;
            }

            break;
        }

        pkey = NULL;
        p = der;

        if (strcmp(name, "PUBLIC KEY") == 0) {
            pkey = d2i_PUBKEY(NULL, &p, der_len);

        } else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
            pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, der_len);

        } else if (strcmp(name, "CERTIFICATE") == 0) {
            x509 = d2i_X509(NULL, &p, der_len);

            if (x509 != NULL) {
                pkey = X509_get_pubkey(x509);
                X509_free(x509);
            }

        } else if (strcmp(name, "EC PARAMETERS") == 0) {
            /* "openssl ecparam -genkey" writes these before keys */
            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(der);
            continue;

        } else {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: unsupported type \"%s\"", what,
                                   ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                          (u_char *) name,
                                                          strlen(name)));
            rc = NGX_WS_GUARD_ERROR;
        }

        if (rc == NGX_WS_GUARD_OK
            && (pkey == NULL || p != der + der_len))
        {
            ngx_ws_guard_jwt_error(err, err_size, "%s: cannot decode \"%s\"",
                                   what, name);
            EVP_PKEY_free(pkey);
            rc = NGX_WS_GUARD_ERROR;
        }

        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);

        if (rc != NGX_WS_GUARD_OK) {
            break;
        }

        rc = ngx_ws_guard_jwt_add_pkey(ks, pkey, &kid, 0, what,
                                       err, err_size);
        if (rc != NGX_WS_GUARD_OK) {
            break;
        }
    }

    BIO_free(bio);

    return rc;
}


/* classifies pkey and adds it to the set, or frees it */

static int
ngx_ws_guard_jwt_add_pkey(ngx_ws_guard_jwt_keyset_t *ks, EVP_PKEY *pkey,
    const ngx_ws_guard_jwt_str_t *kid, unsigned alg, const char *what,
    char *err, size_t err_size)
{
    int                          bits;
    char                         group[64];
    char                         q[4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 8];
    size_t                       i, group_len;
    const char                  *type_name;
    ngx_ws_guard_jwt_key_t      *key;
    ngx_ws_guard_jwt_key_type_e  type;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        bits = EVP_PKEY_get_bits(pkey);

        if (bits < NGX_WS_GUARD_JWT_RSA_MIN_BITS) {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: RSA key of %d bits, "
                                   "at least %d needed",
                                   what, bits, NGX_WS_GUARD_JWT_RSA_MIN_BITS);
            goto failed;
        }

        type = NGX_WS_GUARD_JWT_KEY_RSA;

    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len)
            != 1)
        {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: EC key without a named curve", what);
            goto failed;
        }

        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
            type = NGX_WS_GUARD_JWT_KEY_P256;

        } else if (strcmp(group, "secp384r1") == 0
                   || strcmp(group, "P-384") == 0)
        {
            type = NGX_WS_GUARD_JWT_KEY_P384;

        } else if (strcmp(group, "secp521r1") == 0
                   || strcmp(group, "P-521") == 0)
        {
            type = NGX_WS_GUARD_JWT_KEY_P521;

        } else {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: unsupported EC curve \"%s\"", what,
                                   ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                          (u_char *) group,
                                                          group_len));
            goto failed;
        }

    } else if (EVP_PKEY_is_a(pkey, "ED25519")) {
        type = NGX_WS_GUARD_JWT_KEY_ED25519;

    } else {
        type_name = EVP_PKEY_get0_type_name(pkey);

        if (type_name == NULL) {
            type_name = "unknown";
        }

        ngx_ws_guard_jwt_error(err, err_size,
                               "%s: unsupported key type \"%s\"", what,
                               ngx_ws_guard_jwt_quote(q, sizeof(q),
                                                      (u_char *) type_name,
                                                      strlen(type_name)));
        goto failed;
    }

    if (alg != 0) {
        for (i = 0; i < NGX_WS_GUARD_JWT_NALGS; i++) {
            if (alg == 1u << i) {
                break;
            }
        }

        if (i == NGX_WS_GUARD_JWT_NALGS
            || ngx_ws_guard_jwt_algs[i].key_type != type)
        {
            ngx_ws_guard_jwt_error(err, err_size,
                                   "%s: \"alg\" does not fit the key", what);
            goto failed;
        }
    }

    key = ngx_ws_guard_jwt_add_key(ks, kid);
    if (key == NULL) {
        ngx_ws_guard_jwt_error(err, err_size, "out of memory");
        goto failed;
    }

    key->type = type;
    key->alg = alg;
    key->pkey = pkey;

    return NGX_WS_GUARD_OK;

failed:

    EVP_PKEY_free(pkey);

    return NGX_WS_GUARD_ERROR;
}


/* appends a zeroed key with a copy of kid */

static ngx_ws_guard_jwt_key_t *
ngx_ws_guard_jwt_add_key(ngx_ws_guard_jwt_keyset_t *ks,
    const ngx_ws_guard_jwt_str_t *kid)
{
    size_t                   n;
    ngx_ws_guard_jwt_key_t  *keys, *key;

    if (ks->nkeys == ks->nalloc) {
        n = ks->nalloc ? 2 * ks->nalloc : 8;

        keys = realloc(ks->keys, n * sizeof(ngx_ws_guard_jwt_key_t));
        if (keys == NULL) {
            return NULL;
        }

        ks->keys = keys;
        ks->nalloc = n;
    }

    key = &ks->keys[ks->nkeys];
    memset(key, 0, sizeof(ngx_ws_guard_jwt_key_t));

    if (kid->len) {
        key->kid.data = malloc(kid->len);
        if (key->kid.data == NULL) {
            return NULL;
        }

        memcpy(key->kid.data, kid->data, kid->len);
        key->kid.len = kid->len;
    }

    ks->nkeys++;

    return key;
}


static void
ngx_ws_guard_jwt_key_free(ngx_ws_guard_jwt_key_t *key)
{
    free(key->kid.data);
    EVP_PKEY_free(key->pkey);

    if (key->secret != NULL) {
        OPENSSL_cleanse(key->secret, key->secret_len);
        free(key->secret);
    }

    memset(key, 0, sizeof(ngx_ws_guard_jwt_key_t));
}


/* messages */

static void
ngx_ws_guard_jwt_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list  args;

    if (err == NULL || err_size == 0) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(err, err_size, fmt, args);
    va_end(args);
}


/*
 * A value from a file or the configuration, printable and cut short, for
 * a message: '"', '\\' and bytes outside printable ASCII as \xNN.  buf
 * must hold 4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 4 bytes.
 */

static const char *
ngx_ws_guard_jwt_quote(char *buf, size_t size, const u_char *s, size_t len)
{
    char    *p;
    size_t   i;

    if (size < 4 * NGX_WS_GUARD_JWT_QUOTE_MAX + 4) {
        return "";
    }

    p = buf;

    for (i = 0; i < len && i < NGX_WS_GUARD_JWT_QUOTE_MAX; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\') {
            p += snprintf(p, 5, "\\x%02x", s[i]);

        } else {
            *p++ = (char) s[i];
        }
    }

    if (i < len) {
        memcpy(p, "...", 3);
        p += 3;
    }

    *p = '\0';

    return buf;
}
