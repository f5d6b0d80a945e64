
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * JSON Web Tokens (RFC 7519) signed with JWS compact serialization
 * (RFC 7515), verified with OpenSSL 3's EVP interface against a key set
 * loaded from JWKS, JWK or PEM files.  No nginx headers: the glue maps the
 * results to HTTP statuses and log lines.
 *
 * Typical use:
 *
 *   configuration time:
 *     ks = ngx_ws_guard_jwt_keyset_create();
 *     for each key file: ngx_ws_guard_jwt_keyset_load(ks, data, len, err, n)
 *     register ngx_ws_guard_jwt_keyset_free(ks) as a cycle pool cleanup
 *
 *   per handshake:
 *     rc = ngx_ws_guard_jwt_verify(token, len, ks, algs, &jwt, &reason);
 *         NGX_WS_GUARD_ERROR: 401, log reason (never the token)
 *     register ngx_ws_guard_jwt_free(jwt) as a request pool cleanup
 *     rc = ngx_ws_guard_jwt_check(jwt, &policy, err, n);
 *         NGX_WS_GUARD_ERROR: 401, NGX_WS_GUARD_DECLINED: 403
 *     ngx_ws_guard_jwt_exp(jwt, &exp) for the expiry close
 *     ngx_ws_guard_jwt_claim() / ngx_ws_guard_jwt_header() for variables
 *
 * Messages written for the caller are lowercase without a final period and
 * never contain token contents or key material.
 */


#ifndef _NGX_WS_GUARD_JWT_H_INCLUDED_
#define _NGX_WS_GUARD_JWT_H_INCLUDED_


#include <sys/types.h>
#include <time.h>

#include "ngx_ws_guard_core.h"


/* one bit per JWS algorithm, for the allowed set and the JWK "alg" */

#define NGX_WS_GUARD_JWT_HS256      0x0001
#define NGX_WS_GUARD_JWT_HS384      0x0002
#define NGX_WS_GUARD_JWT_HS512      0x0004
#define NGX_WS_GUARD_JWT_RS256      0x0008
#define NGX_WS_GUARD_JWT_RS384      0x0010
#define NGX_WS_GUARD_JWT_RS512      0x0020
#define NGX_WS_GUARD_JWT_PS256      0x0040
#define NGX_WS_GUARD_JWT_PS384      0x0080
#define NGX_WS_GUARD_JWT_PS512      0x0100
#define NGX_WS_GUARD_JWT_ES256      0x0200
#define NGX_WS_GUARD_JWT_ES384      0x0400
#define NGX_WS_GUARD_JWT_ES512      0x0800
#define NGX_WS_GUARD_JWT_EDDSA      0x1000

#define NGX_WS_GUARD_JWT_ALG_ALL    0x1fff
#define NGX_WS_GUARD_JWT_NALGS      13


/* tokens longer than this are refused with "token too long" */
#define NGX_WS_GUARD_JWT_MAX_TOKEN  8192

/* JSON nesting limit in token header and payload and in key files */
#define NGX_WS_GUARD_JWT_MAX_DEPTH  32

/* RSA keys shorter than this are refused when loaded */
#define NGX_WS_GUARD_JWT_RSA_MIN_BITS  2048

/* a size that holds every message of keyset_load() and check() */
#define NGX_WS_GUARD_JWT_ERRLEN     256


/*
 * Same layout as ngx_str_t, so that the elts of an ngx_array_t of ngx_str_t
 * may be passed where an array of these is expected.
 */
typedef struct {
    size_t                 len;
    u_char                *data;
} ngx_ws_guard_jwt_str_t;


/* opaque: keys from any number of files */
typedef struct ngx_ws_guard_jwt_keyset_s  ngx_ws_guard_jwt_keyset_t;

/* opaque: one verified token, header and claims */
typedef struct ngx_ws_guard_jwt_s  ngx_ws_guard_jwt_t;


typedef struct {
    time_t                          now;
    time_t                          leeway;        /* for exp, nbf, iat */

    /* iss must equal one of these; nissuers == 0: any or none */
    const ngx_ws_guard_jwt_str_t   *issuers;
    size_t                          nissuers;

    /* one aud value must equal one of these; naudiences == 0: any */
    const ngx_ws_guard_jwt_str_t   *audiences;
    size_t                          naudiences;

    /*
     * 0: off; else refuse a token without exp, or with exp - iat above
     * it, or with exp - now above it plus leeway
     */
    time_t                          max_lifetime;

    /* all must appear in "scope" or "scp" */
    const ngx_ws_guard_jwt_str_t   *scopes;
    size_t                          nscopes;
} ngx_ws_guard_jwt_policy_t;


/*
 * Algorithms.
 *
 * alg_from_name: the bit of a JWS "alg" name, compared case-sensitively as
 * RFC 7515 requires ("HS256", ..., "EdDSA"); 0 for any other name, "none"
 * included.
 *
 * alg_name: the name of a single bit, NULL if bit is not exactly one known
 * bit.  ngx_ws_guard_jwt_alg_names[i] is the name of bit (1 << i), for
 * i < NGX_WS_GUARD_JWT_NALGS.
 */
unsigned ngx_ws_guard_jwt_alg_from_name(const u_char *name, size_t len);
const char *ngx_ws_guard_jwt_alg_name(unsigned bit);

extern const char  *ngx_ws_guard_jwt_alg_names[NGX_WS_GUARD_JWT_NALGS];


/*
 * Key sets.
 *
 * keyset_create: an empty set, NULL if out of memory.
 *
 * keyset_free: frees the set and its keys (secrets are cleansed); NULL is
 * fine.
 *
 * keyset_load: adds the keys of one file, whose contents are data/len (need
 * not be NUL-terminated).  Accepted, decided by the first non-blank byte:
 *   - '{': a JWKS ({"keys": [...]}) or a single JWK (an object with "kty").
 *     kty "RSA" (n, e), "EC" (crv P-256, P-384 or P-521; x, y), "OKP" (crv
 *     Ed25519; x), "oct" (k).  "kid" and "alg" are optional strings; a key
 *     with an "alg" verifies only that algorithm.  Keys whose "use" is not
 *     "sig", or whose "alg" is not a JWS algorithm this module verifies
 *     (e.g. "RSA-OAEP"), are skipped.  Private members ("d" ...) are
 *     ignored.  Duplicate member names are refused.
 *   - anything else: PEM blocks "PUBLIC KEY", "RSA PUBLIC KEY" and
 *     "CERTIFICATE" (its subject public key; the certificate itself is not
 *     checked), any number of them, text between blocks ignored; "EC
 *     PARAMETERS" blocks are skipped, any other block is an error.  PEM keys
 *     have no kid.
 * Key types: RSA of at least NGX_WS_GUARD_JWT_RSA_MIN_BITS, EC on P-256,
 * P-384, P-521 (points are checked), Ed25519, and non-empty HMAC secrets.
 * A file that yields no usable key is an error.
 * Returns NGX_WS_GUARD_OK, or NGX_WS_GUARD_ERROR with a message in err (at
 * most err_size bytes with the NUL, truncated if need be), e.g.
 * "JWKS key 2: unsupported kty \"foo\"".  On error the set is unchanged.
 *
 * keyset_count: number of usable keys in the set.
 */
ngx_ws_guard_jwt_keyset_t *ngx_ws_guard_jwt_keyset_create(void);
void ngx_ws_guard_jwt_keyset_free(ngx_ws_guard_jwt_keyset_t *ks);
int ngx_ws_guard_jwt_keyset_load(ngx_ws_guard_jwt_keyset_t *ks,
    const u_char *data, size_t len, char *err, size_t err_size);
size_t ngx_ws_guard_jwt_keyset_count(const ngx_ws_guard_jwt_keyset_t *ks);


/*
 * Verification.
 *
 * verify: parses token/len (compact JWS, base64url without padding) and
 * checks its signature with a key of ks, then parses the claims and checks
 * the types of the registered ones (exp, nbf, iat: numbers within 0 ..
 * year 9999; iss: string; aud: string or array of strings; scope: string;
 * scp: string or array of strings).  The token bytes need not stay valid
 * afterwards.
 *
 * Rules: alg must be in algs (a mask of NGX_WS_GUARD_JWT_* bits); "none" is
 * never accepted; a header with "crit" is refused (no extension is
 * understood).  An algorithm is only verified with a key of its type: HS*
 * oct, RS* and PS* RSA, ES256 P-256, ES384 P-384, ES512 P-521, EdDSA
 * Ed25519; and a key's own "alg", if any, must equal the token's.
 * Candidates: with a "kid" in the header, the keys with that kid, or, if no
 * key has it, the keys without a kid (PEM keys); without a "kid", every key.
 * Each candidate that fits the algorithm is tried until one verifies.
 * Duplicate member names anywhere in header or payload are refused.  The
 * payload is parsed only once the signature has been verified.
 *
 * Returns NGX_WS_GUARD_OK and *jwt, to be released with
 * ngx_ws_guard_jwt_free(); or NGX_WS_GUARD_ERROR, *jwt NULL and *reason a
 * static string: "token too long", "malformed token", "bad base64url",
 * "header is not a JSON object", "missing alg", "alg none", "algorithm not
 * allowed", "kid is not a string", "unsupported crit header", "unknown kid",
 * "no key for algorithm", "bad signature", "payload is not a JSON object",
 * "duplicate member", "JSON nested too deeply", "wrongly typed claim
 * \"exp\"" (and so on for each claim), or "out of memory" (the one reason
 * that is not the client's fault).
 */
int ngx_ws_guard_jwt_verify(const u_char *token, size_t len,
    const ngx_ws_guard_jwt_keyset_t *ks, unsigned algs,
    ngx_ws_guard_jwt_t **jwt, const char **reason);

/* frees everything verify allocated for the token; NULL is fine */
void ngx_ws_guard_jwt_free(ngx_ws_guard_jwt_t *jwt);

/*
 * Keeps only what a verified token is asked for afterwards (what check()
 * reads and the accessors below return) in one flat block of the size it
 * needs, about 8 bytes a top-level member besides the member's text, and
 * frees the rest of what verify allocated (the JSON trees, the decoded
 * parts, the slack of the 1 KiB chunks): for a token kept while a
 * connection is open.  Every answer stays the same.  A second call does
 * nothing.  NGX_WS_GUARD_ERROR if the block cannot be allocated; the token
 * is unchanged then, and still valid.
 */
int ngx_ws_guard_jwt_compact(ngx_ws_guard_jwt_t *jwt);

/* the bytes the token holds: its structure and every block it allocated */
size_t ngx_ws_guard_jwt_size(const ngx_ws_guard_jwt_t *jwt);

/*
 * Keeps of a verified token only the header fields and claims named (as
 * ngx_ws_guard_jwt_header() and ngx_ws_guard_jwt_claim() match names),
 * compacting it first if it is not: for a token kept while a connection is
 * open, where only a few names are ever asked for again.  Those answer as
 * before, every other name as absent; ngx_ws_guard_jwt_check() must not be
 * called after, ngx_ws_guard_jwt_exp() and the like still answer.  Sets
 * (*kept) to the number of members kept (0: the caller may free the
 * token).  NGX_WS_GUARD_ERROR if a block cannot be allocated; the token is
 * unchanged then, and still valid.
 */
int ngx_ws_guard_jwt_keep(ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_str_t *headers, size_t nheaders,
    const ngx_ws_guard_jwt_str_t *claims, size_t nclaims, size_t *kept);


/*
 * Policy.
 *
 * check: applies policy to a verified token.  Token failures are checked
 * first: "token expired" (now >= exp + leeway), "token not yet valid" (nbf >
 * now + leeway), "token issued in the future" (iat > now + leeway), "wrong
 * issuer", "wrong audience", "token has no exp", "token lifetime too long";
 * then scopes: "missing scope \"x\"" (x from the policy, never from the
 * token).  Fractional times are rounded in the strict direction (exp down,
 * nbf and iat up).
 *
 * Returns NGX_WS_GUARD_OK; NGX_WS_GUARD_ERROR for a token failure (HTTP
 * 401); NGX_WS_GUARD_DECLINED for a missing scope (HTTP 403).  The message
 * is written to err as for keyset_load().
 */
int ngx_ws_guard_jwt_check(const ngx_ws_guard_jwt_t *jwt,
    const ngx_ws_guard_jwt_policy_t *policy, char *err, size_t err_size);


/*
 * Accessors.
 *
 * exp: NGX_WS_GUARD_OK and *exp (seconds, rounded down) if the token has an
 * exp claim, NGX_WS_GUARD_DECLINED if not.
 *
 * alg: the token's algorithm bit.
 *
 * claim, header: the top-level member name/len of the payload or header as
 * a string: a string unescaped (it may hold any UTF-8, NUL included), a
 * number as its JSON text, true or false as such, an array whose elements
 * are all strings as those strings joined with "," (empty for []).  Returns
 * NGX_WS_GUARD_OK and *value, or NGX_WS_GUARD_DECLINED for null, an object,
 * an array with a non-string element, or no such member.  value->data points
 * into memory owned by jwt: valid until ngx_ws_guard_jwt_free(jwt), not
 * NUL-terminated, not to be modified.
 */
int ngx_ws_guard_jwt_exp(const ngx_ws_guard_jwt_t *jwt, time_t *exp);
unsigned ngx_ws_guard_jwt_alg(const ngx_ws_guard_jwt_t *jwt);
int ngx_ws_guard_jwt_claim(const ngx_ws_guard_jwt_t *jwt, const u_char *name,
    size_t len, ngx_ws_guard_jwt_str_t *value);
int ngx_ws_guard_jwt_header(const ngx_ws_guard_jwt_t *jwt,
    const u_char *name, size_t len, ngx_ws_guard_jwt_str_t *value);


#endif /* _NGX_WS_GUARD_JWT_H_INCLUDED_ */
