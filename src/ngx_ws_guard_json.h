
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * A streaming JSON parser (RFC 8259) for the message validator: it takes a
 * message in chunks cut anywhere and reports its values as events, in one
 * pass over the bytes.  A string or number that lies whole in one chunk is
 * reported in place (a pointer into the chunk); only a token cut by a
 * chunk's end is copied, as sent, into the parser's token buffer, which
 * never holds more than one token.  Escapes are checked as they come; a
 * member name is decoded before it is reported, a string value only when
 * the caller asks (ngx_ws_guard_json_decode()), since many checks need its
 * length alone.
 *
 * Limits: a string (its raw bytes between the quotes) or a number longer
 * than max_token bytes is refused at its (max_token + 1)th byte, before any
 * of it is copied; containers nest at most max_depth deep.
 *
 * Grammar: one value, then only white space; a second value is reported as
 * one (its event comes), so that the caller decides what to say about it.
 * Strings must be valid UTF-8 unless the caller checked the whole message
 * already (utf8 = 0).  An escaped surrogate that is not half of a pair is
 * decoded as the three bytes of its code point (as yajl does for most).
 */


#ifndef _NGX_WS_GUARD_JSON_H_INCLUDED_
#define _NGX_WS_GUARD_JSON_H_INCLUDED_


#include "ngx_ws_guard_core.h"
#include "ngx_ws_guard_utf8.h"


/*
 * The events.  A callback returns nonzero to go on, 0 to stop the parse
 * (ngx_ws_guard_json_feed() then returns NGX_WS_GUARD_DECLINED).  The
 * bytes of a string, member name or number are valid only during the call.
 * A string value comes as sent, with escaped set if it has any escape; its
 * code points (cps) are counted on the way: those of its decoded bytes (a
 * surrogate pair of escapes is one, an escaped lone surrogate one).
 */
typedef struct {
    int   (*null)(void *ctx);
    int   (*boolean)(void *ctx, int value);
    int   (*number)(void *ctx, const unsigned char *p, size_t len);
    int   (*string)(void *ctx, const unsigned char *p, size_t len,
                    size_t cps, unsigned escaped);
    int   (*start_object)(void *ctx);
    int   (*key)(void *ctx, const unsigned char *p, size_t len);
    int   (*end_object)(void *ctx);
    int   (*start_array)(void *ctx);
    int   (*end_array)(void *ctx);
} ngx_ws_guard_json_callbacks_t;


/* the memory of the token buffer and the nesting stack */
typedef struct {
    void *(*alloc)(void *data, size_t size);
    void  (*free)(void *data, void *p);
    void   *data;
} ngx_ws_guard_json_allocator_t;


/* what an error was */
#define NGX_WS_GUARD_JSON_SYNTAX     1     /* not JSON */
#define NGX_WS_GUARD_JSON_STRING     2     /* string over max_token */
#define NGX_WS_GUARD_JSON_NUMBER     3     /* number over max_token */
#define NGX_WS_GUARD_JSON_DEPTH      4     /* nesting over max_depth */
#define NGX_WS_GUARD_JSON_MEMORY     5     /* the allocator failed */


typedef struct {
    const ngx_ws_guard_json_callbacks_t  *cb;
    void                                 *ctx;
    ngx_ws_guard_json_allocator_t         allocator;

    size_t                                max_token;
    size_t                                max_depth;
    unsigned                              utf8;

    /*
     * where in the grammar and in the current token (whole words, not bit
     * fields: the hot loop writes and reads them byte after byte)
     */
    unsigned                              state;
    unsigned                              lex;
    unsigned                              key;        /* the token is a name */
    unsigned                              copied;     /* in buf */
    unsigned                              done;       /* a top value ended */
    unsigned                              stopped;    /* by a callback */
    unsigned                              error;
    unsigned                              escaped;    /* the string has */
    unsigned                              hex;        /* \u digits seen */
    uint32_t                              code;       /* \u value so far */
    uint32_t                              high;       /* \u after a high */
    size_t                                tok_len;    /* raw bytes so far */
    size_t                                cps;        /* code points */
    ngx_ws_guard_utf8_t                   u;

    size_t                                depth;
    unsigned char                        *stack;      /* 1 bit per level */

    unsigned char                        *buf;
    size_t                                buf_len;
    size_t                                buf_cap;

    const char                           *detail;     /* of a syntax error */
    size_t                                offset;     /* of the error */
} ngx_ws_guard_json_t;


/*
 * Sets up a parser; returns NGX_WS_GUARD_ERROR if the nesting stack
 * (max_depth / 8 + 1 bytes) cannot be allocated.  allocator may be NULL
 * (malloc).
 */
int ngx_ws_guard_json_init(ngx_ws_guard_json_t *j,
    const ngx_ws_guard_json_callbacks_t *cb, void *ctx,
    const ngx_ws_guard_json_allocator_t *allocator, size_t max_token,
    size_t max_depth, unsigned utf8);

/* for the next message; the token buffer is kept */
void ngx_ws_guard_json_reset(ngx_ws_guard_json_t *j);

void ngx_ws_guard_json_free(ngx_ws_guard_json_t *j);

/*
 * Feeds len bytes.  NGX_WS_GUARD_OK: go on; NGX_WS_GUARD_ERROR: the message
 * is invalid (j->error, j->detail, j->offset: the byte of this chunk);
 * NGX_WS_GUARD_DECLINED: a callback stopped it.  Both are sticky until a
 * reset.
 */
int ngx_ws_guard_json_feed(ngx_ws_guard_json_t *j, const unsigned char *p,
    size_t len);

/*
 * The message ends: NGX_WS_GUARD_OK if it was one complete value (a number
 * at its end is reported now), otherwise as ngx_ws_guard_json_feed(); an
 * empty message or one that ends inside a value is a syntax error whose
 * detail says which.
 */
int ngx_ws_guard_json_finish(ngx_ws_guard_json_t *j);

/*
 * The decoded bytes of the string value p, len that the string event
 * brings (during that event): *out bytes in the token buffer, NULL if it
 * cannot grow (the allocator failed); then the parse has failed with
 * NGX_WS_GUARD_JSON_MEMORY, and feed() returns NGX_WS_GUARD_ERROR whatever
 * the callback returns.
 */
const unsigned char *ngx_ws_guard_json_decode(ngx_ws_guard_json_t *j,
    const unsigned char *p, size_t len, size_t *out);

/* the bytes of the token buffer (for accounting) */
#define ngx_ws_guard_json_memory(j)                                          \
    ((j)->buf_cap + ((j)->max_depth / 8 + 1))


#endif /* _NGX_WS_GUARD_JSON_H_INCLUDED_ */
