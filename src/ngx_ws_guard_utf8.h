
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Incremental UTF-8 validation (RFC 3629): overlong forms, surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF, stray continuation bytes
 * and truncated sequences are invalid.  The state is one small integer, so
 * a code point may be split across any number of calls (frames, reads).
 */


#ifndef _NGX_WS_GUARD_UTF8_H_INCLUDED_
#define _NGX_WS_GUARD_UTF8_H_INCLUDED_


#include "ngx_ws_guard_core.h"


/* the state between code points; a zeroed ngx_ws_guard_utf8_t is in it */
#define NGX_WS_GUARD_UTF8_ACCEPT  0


typedef struct {
    unsigned                  state;
} ngx_ws_guard_utf8_t;


#define ngx_ws_guard_utf8_init(u)  (u)->state = NGX_WS_GUARD_UTF8_ACCEPT

/* nonzero when the bytes fed so far end between two code points */
#define ngx_ws_guard_utf8_boundary(u)                                        \
    ((u)->state == NGX_WS_GUARD_UTF8_ACCEPT)


/*
 * Feeds len bytes.  Returns NGX_WS_GUARD_OK if they are valid so far (a
 * sequence may still be open at the end), NGX_WS_GUARD_ERROR as soon as no
 * continuation could make them valid; the error is sticky until the state is
 * initialized again.
 */
int ngx_ws_guard_utf8_validate(ngx_ws_guard_utf8_t *u, const unsigned char *p,
    size_t len);

/*
 * Ends a message: NGX_WS_GUARD_ERROR if it is invalid or ends inside a code
 * point, NGX_WS_GUARD_OK otherwise.  Either way the state is initialized
 * for the next message.
 */
int ngx_ws_guard_utf8_finish(ngx_ws_guard_utf8_t *u);

/* validate + finish of one complete string */
int ngx_ws_guard_utf8_check(const unsigned char *p, size_t len);

/*
 * For a WebSocket client's masked payload, from a boundary between code
 * points (the caller's state): checks the bytes of p[0 .. len) unmasked
 * with key (its byte for p[0] first), 32 or 64 at a time where the CPU
 * has AVX2 or AVX-512, and with dst writes them there unmasked.  Returns
 * how many bytes from p[0] it took, all whole code points and valid: the
 * caller unmasks the rest and feeds it to ngx_ws_guard_utf8_validate(); 0
 * if it took none (no AVX2, or fewer than 64 bytes), (size_t) -1 if they
 * are invalid.  Whatever it took, dst holds at least those bytes.
 */
size_t ngx_ws_guard_utf8_blocks_masked(unsigned char *dst,
    const unsigned char *p, size_t len, const unsigned char key[4]);

/*
 * The block code in use for long spans: 0 portable, 1 SSSE3, 2 AVX2,
 * 3 AVX-512 (BW, where the CPU also has VBMI2: not the first AVX-512 CPUs,
 * whose clock drops while 512-bit code runs), the best the CPU has unless
 * a lower level was asked for (level >= 0; the unit tests check each);
 * level -1 only asks.
 */
int ngx_ws_guard_utf8_simd_level(int level);

/* that level as a variable for hot paths; -1 until first asked */
extern int  ngx_ws_guard_utf8_simd;


#endif /* _NGX_WS_GUARD_UTF8_H_INCLUDED_ */
