
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Origin parsing, RFC 6454 serialization and matching: core code, no nginx
 * headers.
 */


#ifndef _NGX_WS_GUARD_ORIGIN_H_INCLUDED_
#define _NGX_WS_GUARD_ORIGIN_H_INCLUDED_


#include "ngx_ws_guard_core.h"


/* the longest origin, in bytes, that is parsed at all */
#define NGX_WS_GUARD_ORIGIN_MAX  1024


typedef struct {
    /* all three point into the caller's output buffer, lowercased */
    const unsigned char  *scheme;
    size_t                scheme_len;
    const unsigned char  *host;        /* IPv6 literals keep their brackets */
    size_t                host_len;
    unsigned              port;        /* effective port, 0 if the scheme
                                          has no default and none is given */
    unsigned              ip_literal:1;

    /* the serialization: scheme "://" host [ ":" port ] */
    const unsigned char  *text;
    size_t                text_len;
} ngx_ws_guard_origin_t;


/*
 * Parses an origin ("scheme://host[:port]", no path, no user info) and
 * writes its RFC 6454 serialization into out (at least len + 1 bytes):
 * scheme and host lowercased, the scheme's default port elided.  Returns
 * NGX_WS_GUARD_OK or NGX_WS_GUARD_ERROR with *reason set to a static string.
 */
int ngx_ws_guard_origin_parse(const unsigned char *s, size_t len,
    unsigned char *out, ngx_ws_guard_origin_t *o, const char **reason);

/* the default port of a scheme, 0 if it has none */
unsigned ngx_ws_guard_origin_default_port(const unsigned char *scheme,
    size_t len);

/*
 * Whether host (lowercased) ends in suffix (lowercased, starting with ".")
 * with at least one character before it.
 */
int ngx_ws_guard_origin_wildcard_match(const unsigned char *host,
    size_t host_len, const unsigned char *suffix, size_t suffix_len);

/* Whether two parsed origins are the same origin. */
int ngx_ws_guard_origin_equal(const ngx_ws_guard_origin_t *a,
    const ngx_ws_guard_origin_t *b);


#endif /* _NGX_WS_GUARD_ORIGIN_H_INCLUDED_ */
