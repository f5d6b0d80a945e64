
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * RFC 6455 frame parser for one direction of a WebSocket connection.
 *
 * The caller owns an ngx_ws_guard_frame_t per direction and feeds it the
 * bytes as they arrive, in any chunking.  The parser never allocates and
 * never modifies the caller's bytes: masked payload is unmasked into the
 * caller's scratch window (text, close reasons) so that the masked bytes can
 * be forwarded unchanged.
 *
 * Usage:
 *
 *     pos = 0;
 *
 *     for ( ;; ) {
 *         rc = ngx_ws_guard_frame_parse(f, buf, len, &pos, &ev);
 *
 *         if (rc == NGX_WS_GUARD_AGAIN) {
 *             break;                  all of buf consumed, pos == len
 *         }
 *
 *         if (rc == NGX_WS_GUARD_ERROR) {
 *             f->err_code, f->err_reason; the violating frame starts at
 *             buf + ev.frame_pos if ev.frame_in_buf
 *         }
 *
 *         switch (ev.type) ...
 *     }
 *
 * Events, in stream order, for every frame:
 *
 *   NGX_WS_GUARD_FRAME_EV_HEADER  the header is complete, f->frame holds it;
 *                                 flag MESSAGE_START on the first frame of
 *                                 a data message
 *   NGX_WS_GUARD_FRAME_EV_DATA    a span of payload (zero or more events,
 *                                 none for an empty payload)
 *   NGX_WS_GUARD_FRAME_EV_END     the frame is complete and valid; pos is
 *                                 a frame boundary; flag MESSAGE_END on the
 *                                 final frame of a data message, flag CLOSE
 *                                 on a close frame (f->close_* are set)
 *
 * Every check of the payload (UTF-8 of text, close code and reason) is done
 * before the event that would pass the checked bytes on: a DATA event is
 * returned only for bytes that are valid so far, and END with MESSAGE_END
 * only if the whole message is valid, so a caller that holds back the last
 * DATA of a message until its END never forwards an invalid message whole.
 *
 * Limits: max_frame_size applies to data frames; control frames are held
 * to 125 bytes by the protocol.  Frames after a close frame are not refused
 * here: f->close_received tells the caller, which tracks the handshake.
 * The payload of a control frame is not kept: it comes in DATA events like
 * any other (unmasked into the scratch window for masked frames).  A close
 * frame's code and the UTF-8 of its reason are checked as the bytes come
 * and judged at its END event, which sets f->close_code and
 * f->close_reason_len (the reason is the last bytes of the DATA events).
 *
 * Extensions: for a message whose first frame has RSV1 (permessage-deflate,
 * allowed by conf.rsv1_allowed) the payload is compressed, so the parser
 * neither checks its UTF-8 nor counts its inflated size; f->msg_compressed
 * is set and a caller that inflates validates the output with
 * ngx_ws_guard_utf8_validate()/finish() and bounds it itself.  A JSON
 * validator can be fed ev.data of the text DATA events.
 */


#ifndef _NGX_WS_GUARD_FRAME_H_INCLUDED_
#define _NGX_WS_GUARD_FRAME_H_INCLUDED_


#include "ngx_ws_guard_core.h"
#include "ngx_ws_guard_utf8.h"


#define NGX_WS_GUARD_FRAME_OP_CONT     0x0
#define NGX_WS_GUARD_FRAME_OP_TEXT     0x1
#define NGX_WS_GUARD_FRAME_OP_BINARY   0x2
#define NGX_WS_GUARD_FRAME_OP_CLOSE    0x8
#define NGX_WS_GUARD_FRAME_OP_PING     0x9
#define NGX_WS_GUARD_FRAME_OP_PONG     0xa

/* data message types, for conf.types and conf.inspect */
#define NGX_WS_GUARD_FRAME_TEXT        0x1
#define NGX_WS_GUARD_FRAME_BINARY      0x2

/* frame.rsv bits */
#define NGX_WS_GUARD_FRAME_RSV1        0x4
#define NGX_WS_GUARD_FRAME_RSV2        0x2
#define NGX_WS_GUARD_FRAME_RSV3        0x1

#define NGX_WS_GUARD_FRAME_CONTROL_MAX 125
#define NGX_WS_GUARD_FRAME_HEADER_MAX  14

/* largest close frame: 2 header bytes, a mask key, 125 bytes of payload */
#define NGX_WS_GUARD_FRAME_CLOSE_MAX   (2 + 4 + NGX_WS_GUARD_FRAME_CONTROL_MAX)

/* event types */
#define NGX_WS_GUARD_FRAME_EV_HEADER   1
#define NGX_WS_GUARD_FRAME_EV_DATA     2
#define NGX_WS_GUARD_FRAME_EV_END      3
#define NGX_WS_GUARD_FRAME_EV_ERROR    4

/* event flags */
#define NGX_WS_GUARD_FRAME_MESSAGE_START  0x1
#define NGX_WS_GUARD_FRAME_MESSAGE_END    0x2
#define NGX_WS_GUARD_FRAME_CLOSE          0x4

/* nonzero when the bytes consumed so far end at a frame boundary */
#define ngx_ws_guard_frame_boundary(f)  ((f)->state == 0)


typedef struct {
    /* 1: client to server, frames must be masked; 0: must not be */
    unsigned                  client:1;

    /* permessage-deflate negotiated: RSV1 on the first frame of a message */
    unsigned                  rsv1_allowed:1;

    /* check that text messages are UTF-8 (1007) */
    unsigned                  utf8:1;

    /* data message types allowed (1003): NGX_WS_GUARD_FRAME_TEXT|BINARY */
    unsigned                  types:2;

    /*
     * data message types whose masked payload the caller wants unmasked in
     * ev.data; text is unmasked anyway while conf.utf8 is set
     */
    unsigned                  inspect:2;

    /* largest data frame payload, 0: no limit (1009) */
    uint64_t                  max_frame_size;

    /* largest message, fragments added up, 0: no limit (1009) */
    uint64_t                  max_message_size;

    /*
     * where masked payload is unmasked; required when client is set.  A
     * DATA event covers at most scratch_size bytes; the contents are valid
     * until the next call, so one window may serve both directions.
     */
    unsigned char            *scratch;
    size_t                    scratch_size;
} ngx_ws_guard_frame_conf_t;


typedef struct {
    uint64_t                  length;        /* payload length */
    uint64_t                  start;         /* stream offset of the frame */
    unsigned char             key[4];
    unsigned                  fin:1;
    unsigned                  rsv:3;         /* NGX_WS_GUARD_FRAME_RSV* */
    unsigned                  opcode:4;
    unsigned                  masked:1;
    unsigned                  header_len:5;
} ngx_ws_guard_frame_header_t;


typedef struct {
    int                       type;          /* NGX_WS_GUARD_FRAME_EV_* */
    unsigned                  flags;

    /*
     * the current frame: buf + frame_pos is its first byte if frame_in_buf,
     * otherwise it began in an earlier buffer (f->frame.start is always set)
     */
    size_t                    frame_pos;
    int                       frame_in_buf;

    /* DATA: the span as received, in the caller's buf */
    const unsigned char      *raw;
    size_t                    len;

    /*
     * DATA: the same bytes unmasked: raw itself for unmasked frames, the
     * scratch window for masked ones (control frames too), NULL for
     * masked data frames that nothing asked to see
     */
    const unsigned char      *data;

    /* DATA: offset of raw[0] in the frame payload */
    uint64_t                  offset;
} ngx_ws_guard_frame_event_t;


typedef struct {
    /* not a copy: a parser kept per connection direction stays small */
    const ngx_ws_guard_frame_conf_t  *conf;

    /* the frame being parsed */
    ngx_ws_guard_frame_header_t  frame;
    uint64_t                     left;       /* payload bytes to come */

    /* the data message in progress: payload so far, and its text */
    uint64_t                     msg_size;
    ngx_ws_guard_utf8_t          msg_utf8;

    /* a close frame's reason so far, checked as it comes */
    ngx_ws_guard_utf8_t          ctrl_utf8;

    unsigned                     state:8;
    unsigned                     unmask:1;   /* payload goes to scratch */
    unsigned                     check_utf8:1; /* payload is text to check */
    unsigned                     msg_active:1;
    unsigned                     msg_opcode:4; /* TEXT or BINARY */
    unsigned                     msg_compressed:1;
    unsigned                     ctrl_bad:1; /* the reason is not UTF-8 */
    unsigned                     close_received:1;

    /* a header split across buffers */
    unsigned char                hdr_len;
    unsigned char                hdr_need;
    unsigned char                hdr[NGX_WS_GUARD_FRAME_HEADER_MAX];

    /* control frame payload bytes so far, and a close frame's code */
    unsigned char                ctrl_len;
    unsigned short               ctrl_code;

    /*
     * the last close frame, set at its END event; code 0: none given.  Its
     * reason is not kept: it comes in the DATA events (unmasked), and it
     * is valid UTF-8 when the END event comes.
     */
    unsigned short               close_code;
    unsigned short               close_reason_len;

    /* the violation, set when NGX_WS_GUARD_ERROR is returned */
    unsigned short               err_code;    /* NGX_WS_GUARD_CLOSE_* */
    const char                  *err_reason;  /* static, lowercase */

    /* stream offset of the next byte to consume */
    uint64_t                     offset;

    /*
     * counters: complete valid frames (control frames too), complete valid
     * data messages
     */
    uint64_t                     frames;
    uint64_t                     messages;
} ngx_ws_guard_frame_t;


/*
 * Initializes f to use conf, which must stay valid and unchanged as long
 * as f is used (many parsers may share one).  Returns NGX_WS_GUARD_ERROR
 * if conf is unusable (client direction without a scratch window).
 */
int ngx_ws_guard_frame_init(ngx_ws_guard_frame_t *f,
    const ngx_ws_guard_frame_conf_t *conf);

/*
 * Consumes bytes of buf from *pos up to len and returns at the next event:
 *
 *   NGX_WS_GUARD_OK     *ev describes an event, *pos is just past it;
 *   NGX_WS_GUARD_AGAIN  no event is pending and *pos == len;
 *   NGX_WS_GUARD_ERROR  a violation: f->err_code and f->err_reason say
 *                       which, ev->type is EV_ERROR and ev->frame_pos,
 *                       ev->frame_in_buf locate the frame (f->frame.start
 *                       in stream offsets); *pos is somewhere inside that
 *                       frame; every later call returns the same.
 *
 * *pos must not exceed len, and buf[0] .. buf[*pos - 1] must be the stream
 * bytes consumed just before (pos is 0 for a new buffer), so that frame
 * positions can be given in buf.  ev.raw and ev.data stay valid until the
 * next call or until buf is reused, whichever comes first.
 */
int ngx_ws_guard_frame_parse(ngx_ws_guard_frame_t *f, const unsigned char *buf,
    size_t len, size_t *pos, ngx_ws_guard_frame_event_t *ev);

/*
 * The fast path for a caller that needs no event of data frames (nothing
 * in conf.inspect, no per-frame policy): consumes from buf + *pos the data
 * frames there, whole or in part (a header with the payload that follows
 * it, the rest of a payload begun before), as far as they pass their
 * checks, leaving f as the events of ngx_ws_guard_frame_parse() would, and
 * stops before the first bytes it cannot take so: a control frame, a
 * header not whole in buf, a compressed message, any violation.
 * ngx_ws_guard_frame_parse() then goes on from *pos, so a violation is
 * always reported by it, with its events.  Returns the number of messages
 * that ended; does nothing with conf.inspect set.  After it, f is at a
 * frame boundary or inside a data frame's payload, whose start is
 * f->frame.start.
 */
size_t ngx_ws_guard_frame_run(ngx_ws_guard_frame_t *f,
    const unsigned char *buf, size_t len, size_t *pos);

/*
 * Unmasks len bytes from src into dst (which may be src itself); offset is
 * the position of src[0] in the frame payload.
 */
void ngx_ws_guard_frame_unmask(unsigned char *dst, const unsigned char *src,
    size_t len, const unsigned char key[4], uint64_t offset);

/* nonzero if a close frame may carry this code (RFC 6455, 7.4) */
int ngx_ws_guard_frame_close_code_valid(unsigned code);

/*
 * Writes a close frame into buf: code (0: no payload at all) and a reason
 * cut at a code point boundary to fit 123 bytes; masked with key, or
 * unmasked if key is NULL.  Returns its length, at most
 * NGX_WS_GUARD_FRAME_CLOSE_MAX, or 0 if size is too small.
 */
size_t ngx_ws_guard_frame_close(unsigned char *buf, size_t size,
    unsigned code, const unsigned char *reason, size_t reason_len,
    const unsigned char *key);


#endif /* _NGX_WS_GUARD_FRAME_H_INCLUDED_ */
