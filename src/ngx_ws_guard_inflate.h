
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * permessage-deflate (RFC 7692), the inspecting side: parsing of the
 * negotiation in Sec-WebSocket-Extensions, and an inflater per direction
 * that turns each compressed message back into its payload for the checks.
 *
 * Negotiation:
 *
 *     rc = ngx_ws_guard_inflate_parse_response(value, len, &params,
 *                                              &others, &err);
 *
 *     OK: the 101 accepted permessage-deflate with these parameters;
 *     ngx_ws_guard_inflate_response_allowed(offer, offer_len, &params)
 *     must then say OK, and ngx_ws_guard_inflate_negotiated() gives the
 *     window and context rules of each direction.
 *
 * Several header lines of one field are one list: join them with ", "
 * first, or pass each and treat two accepting lines as an error.
 *
 * Inflation of one direction:
 *
 *     ngx_ws_guard_inflate_init(inf, &conf);     once, allocates all memory
 *
 *     ngx_ws_guard_inflate_begin(inf);           first frame of a message
 *                                                with RSV1 (f->msg_compressed)
 *     for each span of its payload (any chunking, frames added up):
 *         pos = 0;
 *         while ((rc = ngx_ws_guard_inflate_feed(inf, p, n, &pos, &out,
 *                                                &out_len))
 *                == NGX_WS_GUARD_OK)
 *         {
 *             out[0] .. out[out_len - 1]: inflated bytes, in conf.out,
 *             valid until the next call
 *         }
 *         NGX_WS_GUARD_AGAIN: the span is consumed, all its output given
 *
 *     at the end of the final frame:
 *         while ((rc = ngx_ws_guard_inflate_end(inf, &out, &out_len))
 *                == NGX_WS_GUARD_OK)
 *         {
 *             ...
 *         }
 *         NGX_WS_GUARD_INFLATE_DONE: the message is complete and valid
 *
 *     NGX_WS_GUARD_ERROR from any call: inf->err_code (1007, 1009, 1011)
 *     and inf->err_reason say why, inf->err_detail says more for the log.
 *
 *     ngx_ws_guard_inflate_free(inf);
 *
 * Output goes through the caller's window conf.out, so memory does not
 * depend on message size.  The inflated size of a message is counted: once
 * it would pass conf.max_output the bytes up to the limit are given and the
 * next call fails with 1009, so a compression bomb costs at most
 * max_output + out_size bytes of inflation work per message.
 *
 * A message is valid when it inflates without error once 00 00 ff ff is
 * appended (RFC 7692, 7.2.2) and then ends on a block boundary, so that
 * the next message starts where the sender's does; an empty payload never
 * does (an empty message is sent as the single byte 00).  A message may end
 * in a final block (BFINAL set); after it only the one header byte of
 * the empty stored block that 7.2.1 appends may follow, anything else is
 * invalid: endpoints differ on what they do with such bytes.  The sender's
 * deflate stream then ends, so the LZ77 window starts empty for the next
 * message, as zlib's does after Z_FINISH.
 *
 * With no_context_takeover the stream is reset for every message, and an
 * error or a message given up half way only ends that message.  With
 * context takeover every message must be inflated whole, in order, for the
 * next to inflate as the receiver will: an error is final, and begin()
 * before the previous message reached DONE fails (1011).  The same holds
 * for the receiver, so a message of such a direction cannot be dropped
 * without breaking the connection.
 *
 * Memory: inflateInit2() allocates about 7 KiB of state and the window,
 * 1 << window_bits bytes; both are taken at init through conf.alloc and
 * inf->memory counts them, header included.  Nothing is allocated later.
 * Window bits 8 are inflated with 9: zlib's deflate does not make raw
 * streams with a 256-byte window (older versions quietly use 512 bytes,
 * newer ones refuse 8), so a peer that negotiated 8 bits may well run a
 * 512-byte window, and some zlib versions refuse to inflate raw streams
 * with 8; a larger window accepts everything a smaller one does.
 *
 * A sender that refers further back than its window is refused with 1007
 * when the bytes lie outside the inflater's window.  zlib lets a distance
 * reach into the output of the same inflate() call too, so with fewer than
 * 15 window bits such a message may be refused or accepted depending on
 * how its bytes and the output window are cut; when accepted, its output is
 * still the sender's own bytes.  Valid messages and every other verdict do
 * not depend on the cuts.
 */


#ifndef _NGX_WS_GUARD_INFLATE_H_INCLUDED_
#define _NGX_WS_GUARD_INFLATE_H_INCLUDED_


#include <zlib.h>

#include "ngx_ws_guard_core.h"


/* ngx_ws_guard_inflate_end(): the message is complete (as NGX_DONE) */
#define NGX_WS_GUARD_INFLATE_DONE          -4

/* internal error (RFC 6455, 7.4.1): an inflater used out of order */
#define NGX_WS_GUARD_INFLATE_CLOSE_INTERNAL  1011

/* client_max_window_bits given without a value, offers only */
#define NGX_WS_GUARD_INFLATE_NO_VALUE      1


/* one element of a Sec-WebSocket-Extensions list */

typedef struct {
    const unsigned char          *name;
    size_t                        name_len;

    /* the parameters, from the first ";" to the end of the element */
    const unsigned char          *params;
    size_t                        params_len;
} ngx_ws_guard_inflate_ext_t;


/* the parameters of one permessage-deflate element, as written */

typedef struct {
    unsigned                      server_no_context_takeover;
    unsigned                      client_no_context_takeover;

    /* 0: absent, else 8 .. 15 */
    unsigned                      server_max_window_bits;

    /* 0: absent, NGX_WS_GUARD_INFLATE_NO_VALUE (offers only), 8 .. 15 */
    unsigned                      client_max_window_bits;
} ngx_ws_guard_inflate_params_t;


/* what one direction's sender agreed to */

typedef struct {
    unsigned                      window_bits;          /* 8 .. 15 */
    unsigned                      no_context_takeover;
} ngx_ws_guard_inflate_dir_t;


typedef void *(*ngx_ws_guard_inflate_alloc_pt)(void *opaque, size_t size);
typedef void (*ngx_ws_guard_inflate_free_pt)(void *opaque, void *p);


typedef struct {
    ngx_ws_guard_inflate_dir_t    dir;

    /* largest inflated message, 0: no limit (1009) */
    uint64_t                      max_output;

    /* the output window; may be shared, spans are valid until next call */
    unsigned char                *out;
    size_t                        out_size;

    /* zlib's memory; both NULL: malloc() and free() */
    ngx_ws_guard_inflate_alloc_pt alloc;
    ngx_ws_guard_inflate_free_pt  free;
    void                         *opaque;
} ngx_ws_guard_inflate_conf_t;


/* the state of one direction; must not be moved or copied after init */

typedef struct {
    ngx_ws_guard_inflate_conf_t   conf;

    z_stream                      zs;
    unsigned                      zinit;        /* zs needs inflateEnd() */

    unsigned                      state;

    /* the message in progress */
    uint64_t                      size;         /* inflated so far */
    unsigned                      pending;      /* zlib may hold output */
    unsigned                      ended;        /* final block seen */
    unsigned                      extra;        /* bytes after it */
    size_t                        tail_pos;     /* of 00 00 ff ff */
    uint64_t                      tail_size;    /* size when it began */

    /* bytes held through conf.alloc, and the most ever held */
    size_t                        memory;
    size_t                        memory_peak;

    /* the error, set when NGX_WS_GUARD_ERROR is returned */
    unsigned                      err_code;     /* NGX_WS_GUARD_CLOSE_* */
    const char                   *err_reason;   /* static, lowercase */
    const char                   *err_detail;   /* static, for the log */

    /* counters: complete messages, compressed and inflated bytes */
    uint64_t                      messages;
    uint64_t                      bytes_in;
    uint64_t                      bytes_out;
} ngx_ws_guard_inflate_t;


/*
 * Walks an extension list: *pos from value to end.  Returns NGX_WS_GUARD_OK
 * with the next element in *ext, NGX_WS_GUARD_DECLINED at the end of the
 * list, NGX_WS_GUARD_ERROR if it does not follow RFC 6455, 9.1 (tokens,
 * quoted strings, optional white space; empty elements are skipped).
 */
int ngx_ws_guard_inflate_next_ext(const unsigned char **pos,
    const unsigned char *end, ngx_ws_guard_inflate_ext_t *ext);

/* nonzero if the element is permessage-deflate (names are caseless) */
int ngx_ws_guard_inflate_ext_is_deflate(const ngx_ws_guard_inflate_ext_t *ext);

/*
 * Parses the parameters of a permessage-deflate element of an offer
 * (response 0) or a response (response 1).  Unknown or repeated parameters,
 * values where none belong, missing values (client_max_window_bits has none
 * only in offers) and window bits other than 8 .. 15 written without leading
 * zeroes are errors: NGX_WS_GUARD_ERROR with *err set.
 */
int ngx_ws_guard_inflate_parse_params(const ngx_ws_guard_inflate_ext_t *ext,
    int response, ngx_ws_guard_inflate_params_t *params, const char **err);

/*
 * Parses the value of a response's Sec-WebSocket-Extensions.  Returns
 * NGX_WS_GUARD_OK if it accepts permessage-deflate once with valid
 * parameters, NGX_WS_GUARD_DECLINED if it does not name it, and
 * NGX_WS_GUARD_ERROR with *err set otherwise (bad list, bad parameters,
 * accepted twice).  *others, if not NULL, counts the other extensions.
 */
int ngx_ws_guard_inflate_parse_response(const unsigned char *value,
    size_t len, ngx_ws_guard_inflate_params_t *params, unsigned *others,
    const char **err);

/*
 * NGX_WS_GUARD_OK if one of the permessage-deflate offers in the request's
 * Sec-WebSocket-Extensions value allows the response's parameters (RFC
 * 7692, 7.1), NGX_WS_GUARD_DECLINED if none does (or none is valid), and
 * NGX_WS_GUARD_ERROR if the offer list itself is malformed.
 */
int ngx_ws_guard_inflate_response_allowed(const unsigned char *offer,
    size_t len, const ngx_ws_guard_inflate_params_t *response);

/* the window and context rules of each direction, from the response */
void ngx_ws_guard_inflate_negotiated(
    const ngx_ws_guard_inflate_params_t *response,
    ngx_ws_guard_inflate_dir_t *client, ngx_ws_guard_inflate_dir_t *server);

/*
 * Initializes inf with a copy of conf and allocates zlib's state and
 * window.  On NGX_WS_GUARD_ERROR (bad conf, out of memory) inf->err_* say
 * why and nothing is held; ngx_ws_guard_inflate_free() is still safe.
 */
int ngx_ws_guard_inflate_init(ngx_ws_guard_inflate_t *inf,
    const ngx_ws_guard_inflate_conf_t *conf);

/* releases zlib's memory; inf may be initialized again */
void ngx_ws_guard_inflate_free(ngx_ws_guard_inflate_t *inf);

/* starts a compressed message; NGX_WS_GUARD_OK or NGX_WS_GUARD_ERROR */
int ngx_ws_guard_inflate_begin(ngx_ws_guard_inflate_t *inf);

/*
 * Inflates buf from *pos up to len.  Returns NGX_WS_GUARD_OK with a span in
 * *out, *out_len (never empty; call again with the same buf, len, pos),
 * NGX_WS_GUARD_AGAIN when *pos == len and all output is given, or
 * NGX_WS_GUARD_ERROR.  buf must stay unchanged until AGAIN.
 */
int ngx_ws_guard_inflate_feed(ngx_ws_guard_inflate_t *inf,
    const unsigned char *buf, size_t len, size_t *pos,
    const unsigned char **out, size_t *out_len);

/*
 * Ends the message: appends 00 00 ff ff and checks the end.  Returns
 * NGX_WS_GUARD_OK with a span as feed() does, NGX_WS_GUARD_INFLATE_DONE
 * when the message is complete and valid (inf->size is its inflated size),
 * or NGX_WS_GUARD_ERROR.
 */
int ngx_ws_guard_inflate_end(ngx_ws_guard_inflate_t *inf,
    const unsigned char **out, size_t *out_len);


#endif /* _NGX_WS_GUARD_INFLATE_H_INCLUDED_ */
