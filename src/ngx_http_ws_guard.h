
/*
 * Copyright (C) ngx_ws_guard authors
 */


#ifndef _NGX_HTTP_WS_GUARD_H_INCLUDED_
#define _NGX_HTTP_WS_GUARD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_ws_guard_core.h"
#include "ngx_ws_guard_origin.h"
#include "ngx_ws_guard_utf8.h"
#include "ngx_ws_guard_frame.h"
#include "ngx_ws_guard_jwt.h"
#include "ngx_ws_guard_inflate.h"


/* handshake outcomes, as $ws_guard_result names them */

typedef enum {
    NGX_HTTP_WS_GUARD_RESULT_NONE = 0,
    NGX_HTTP_WS_GUARD_RESULT_OK,
    NGX_HTTP_WS_GUARD_RESULT_HANDSHAKE,
    NGX_HTTP_WS_GUARD_RESULT_VERSION,
    NGX_HTTP_WS_GUARD_RESULT_TLS,
    NGX_HTTP_WS_GUARD_RESULT_ORIGIN,
    NGX_HTTP_WS_GUARD_RESULT_SUBPROTOCOL,
    NGX_HTTP_WS_GUARD_RESULT_TOKEN,
    NGX_HTTP_WS_GUARD_RESULT_SCOPE,
    NGX_HTTP_WS_GUARD_RESULT_LIMIT,
    NGX_HTTP_WS_GUARD_RESULT_UPSTREAM
} ngx_http_ws_guard_result_e;


#define NGX_HTTP_WS_GUARD_ORIGIN_EXACT     1
#define NGX_HTTP_WS_GUARD_ORIGIN_WILDCARD  2
#define NGX_HTTP_WS_GUARD_ORIGIN_REGEX     3
#define NGX_HTTP_WS_GUARD_ORIGIN_SAME      4
#define NGX_HTTP_WS_GUARD_ORIGIN_NULL      5
#define NGX_HTTP_WS_GUARD_ORIGIN_ANY       6


#define NGX_HTTP_WS_GUARD_DEFLATE_STRIP    1
#define NGX_HTTP_WS_GUARD_DEFLATE_INSPECT  2

#define NGX_HTTP_WS_GUARD_EXPIRY_CLOSE     1
#define NGX_HTTP_WS_GUARD_EXPIRY_IGNORE    2

#define NGX_HTTP_WS_GUARD_INSPECT_STREAM   1
#define NGX_HTTP_WS_GUARD_INSPECT_BUFFER   2

#define NGX_HTTP_WS_GUARD_VIOLATION_CLOSE  1
#define NGX_HTTP_WS_GUARD_VIOLATION_DROP   2

/*
 * ws_guard_read_ahead: once a read fills what nginx asked for, the guard
 * reads up to this much at a time into its own staging buffer
 */
#define NGX_HTTP_WS_GUARD_READ_AHEAD       (16 * 1024)
#define NGX_HTTP_WS_GUARD_READ_AHEAD_MAX   (1024 * 1024)


typedef struct ngx_http_ws_guard_conn_s  ngx_http_ws_guard_conn_t;
typedef struct ngx_http_ws_guard_deadline_s  ngx_http_ws_guard_deadline_t;


/*
 * What ngx_palloc() takes of the guard's pool for n bytes: each
 * allocation starts aligned.  The pool is sized to the sum of these
 * (ngx_http_ws_guard_pool_size()), so it holds what a connection keeps in
 * one block.
 */

#define ngx_http_ws_guard_psize(n)  ngx_align((n), NGX_ALIGNMENT)
typedef struct ngx_http_ws_guard_msg_s   ngx_http_ws_guard_msg_t;


/*
 * One direction of an upgraded connection: the bytes read from one peer,
 * handed over to nginx (which sends them to the other peer) by the recv
 * wrapper once the frame parser has passed them.
 */

typedef struct {
    ngx_http_ws_guard_conn_t   *wc;
    ngx_connection_t           *c;
    ngx_recv_pt                 recv;        /* the connection's own */
    ngx_ws_guard_frame_t        parser;

    /*
     * the staging buffer: start <= pos <= approved <= parsed <= last.
     * While recv runs with nothing staged, it is nginx's own buffer; the
     * guard's (malloc) holds only bytes that must wait, and is freed once
     * they went (NULL then).
     */
    u_char                     *start;
    u_char                     *pos;         /* next byte to hand over */
    u_char                     *approved;    /* end of what may go */
    u_char                     *parsed;      /* end of what was parsed */
    u_char                     *last;        /* end of what was read */

    /* where the frame in progress (or the next one) starts, while held */
    u_char                     *frame;
    u_char                     *drop_from;

    /* buffer mode: where the message in progress starts, held whole */
    u_char                     *hold;

    /* the guard's staging buffer while in use */
    u_char                     *own;

    ngx_event_t                *delay;       /* backpressure, when used */

    ngx_http_ws_guard_msg_t    *msg;         /* message policy, or NULL */

    /*
     * permessage-deflate inspection, when negotiated: the inflater, and
     * after it the state of the inflated text's UTF-8
     */
    ngx_ws_guard_inflate_t     *inflate;

    size_t                      own_size;
    uint64_t                    bytes;       /* read from the peer */

    u_char                      inject_len;
    u_char                      inject_pos;

    unsigned                    client:1;    /* read from the client */
    unsigned                    inspect:1;   /* 0 after a dry-run hit */
    unsigned                    in_payload:1;
    unsigned                    frame_sent:1; /* part of it handed over */
    unsigned                    dropping:1;  /* the message in progress */
    unsigned                    drop_frame:1;
    unsigned                    delayed:1;
    unsigned                    text:1;      /* the message is text */
    unsigned                    compressed:1; /* ... and compressed */
    unsigned                    buffer:1;    /* ws_guard_inspect buffer */
    unsigned                    holding:1;
    unsigned                    msg_here:1;  /* it began in this frame */
    unsigned                    closing:1;
    unsigned                    stop_at_end:1; /* let the frame end first */
    unsigned                    discard:1;   /* drop what is read */
    unsigned                    broken:1;    /* no close frame possible */
    unsigned                    done:1;      /* all handed over */
    unsigned                    eof:1;
    unsigned                    ahead:1;     /* the last read filled up */
} ngx_http_ws_guard_side_t;


/* what a policy check says of a data frame */

#define NGX_HTTP_WS_GUARD_PASS   0
#define NGX_HTTP_WS_GUARD_DROP   1
#define NGX_HTTP_WS_GUARD_CLOSE  2
#define NGX_HTTP_WS_GUARD_DELAY  3


typedef struct {
    ngx_uint_t                  action;
    ngx_msec_t                  delay;       /* DELAY */
    ngx_uint_t                  code;        /* CLOSE, DROP */
    const char                 *reason;
    const char                 *kind;        /* for $ws_guard_violation */
} ngx_http_ws_guard_verdict_t;


struct ngx_http_ws_guard_conn_s {
    ngx_http_request_t         *request;

    /*
     * the connection's own small pool, made at the 101 and destroyed with
     * the request: what the guard keeps per connection lives in it, so it
     * adds no block to the request's pool
     */
    ngx_pool_t                 *pool;
    ngx_pool_cleanup_t         *peer_cleanup; /* on the peer's pool */

    ngx_http_ws_guard_side_t    client;      /* from the client */
    ngx_http_ws_guard_side_t    upstream;    /* from the upstream */

    /*
     * closing: the close frames (from the pool), for the client (handed
     * over by the upstream side's wrapper), then for the upstream
     */
    u_char                     *inject;

    /* permessage-deflate negotiated (ws_guard_deflate inspect) */
    ngx_ws_guard_inflate_dir_t  deflate_dir[2];   /* client, server */

    /* in the worker's tree of deadlines: from the pool, when needed */
    ngx_http_ws_guard_deadline_t  *deadline;
    ngx_event_handler_pt        peer_read_handler;
    ngx_msec_t                  started;
    ngx_msec_t                  active;      /* last data message */

    const char                 *close_reason;
    const char                 *violation;

    /* per-connection state of the rate limits, or NULL */
    void                       *rate;

    unsigned                    deflate:1;
    unsigned                    closing:1;
    unsigned                    finished:1;
    unsigned                    hooked:1;    /* recv wrappers in place */
    unsigned                    restored:1;
    unsigned                    counted:1;   /* open, for ws_guard_status */
    unsigned                    deadline_set:1;
    unsigned                    close_code:16;
};


/* the close frame a direction's wrapper hands over */
#define ngx_http_ws_guard_inject(s)                                           \
    ((s)->wc->inject + ((s)->client ? NGX_WS_GUARD_FRAME_CLOSE_MAX : 0))

#define ngx_http_ws_guard_inflated_utf8(s)                                    \
    ((ngx_ws_guard_utf8_t *) ((s)->inflate + 1))



/* section 5: messages (ngx_http_ws_guard_message.c) */

typedef struct {
    void                       *schema[2];   /* client, server */
    ngx_str_t                   schema_file[2];
    ngx_uint_t                  json_max_depth;
    ngx_uint_t                  inspect;
    ngx_uint_t                  violation;
    ngx_array_t                *scopes;      /* message scope rules */
    ngx_uint_t                  scope_default; /* 1: allow */
    ngx_array_t                *deny[2];     /* of ngx_regex_t * */

    /* the worker's validator states not in use (made by the worker) */
    void                       *spare[2];
} ngx_http_ws_guard_message_conf_t;


#include "ngx_http_ws_guard_rate.h"


/* section 3 of the contract: bearer tokens */

typedef struct {
    ngx_flag_t                  enable;
    ngx_array_t                *key_files;   /* of ngx_str_t, for logs */
    ngx_ws_guard_jwt_keyset_t  *keys;
    ngx_http_complex_value_t   *token;       /* NULL: Authorization */
    ngx_str_t                   subprotocol; /* prefix; empty: off */
    ngx_uint_t                  algorithms;  /* NGX_WS_GUARD_JWT_* bits */
    ngx_array_t                *issuers;     /* of ngx_str_t, NULL: any */
    ngx_array_t                *audiences;   /* of ngx_str_t, NULL: any */
    time_t                      leeway;
    time_t                      max_lifetime; /* 0: off */
    ngx_array_t                *scopes;      /* of ngx_str_t */
    ngx_array_t                *require;     /* of complex values */
    ngx_uint_t                  expiry;
} ngx_http_ws_guard_jwt_conf_t;


typedef struct {
    ngx_uint_t                  type;
    ngx_str_t                   text;      /* as configured, for logs */
    ngx_str_t                   scheme;
    ngx_str_t                   host;      /* wildcard: ".suffix" */
    ngx_uint_t                  port;
    ngx_regex_t                *regex;
} ngx_http_ws_guard_origin_rule_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_flag_t                  dry_run;
    ngx_uint_t                  log_level;

    ngx_array_t                *origins;    /* of origin_rule_t */
    ngx_uint_t                  origin_missing;
    ngx_flag_t                  require_tls;
    ngx_array_t                *subprotocols; /* of ngx_str_t, NULL: any */
    ngx_uint_t                  deflate;

    ngx_http_ws_guard_jwt_conf_t  jwt;

    /* section 4: frames */
    ngx_flag_t                  utf8;
    off_t                       max_frame_size;    /* 0: none */
    off_t                       max_message_size;  /* 0: none */
    ngx_uint_t                  message_types;     /* FRAME_TEXT|BINARY */
    ngx_msec_t                  max_lifetime;      /* 0: off */
    ngx_msec_t                  idle_timeout;      /* 0: off */
    size_t                      read_ahead;        /* 0: off */

    ngx_http_ws_guard_message_conf_t  message;

    /*
     * what the frame parsers of the location's connections read: from the
     * client, from the upstream; without and with deflate (made by
     * ngx_http_ws_guard_side_init() in each worker)
     */
    ngx_ws_guard_frame_conf_t   frame_conf[2][2];

    /* section 6 (ngx_http_ws_guard_rate.h) */
    ngx_http_ws_guard_rate_conf_t     rate;
} ngx_http_ws_guard_loc_conf_t;


typedef struct {
    /*
     * the guard's own pool for this request, made with the context at the
     * handshake and sized to what the location's policy keeps: the
     * context, the rate holds and, once upgraded, the connection's state;
     * destroyed with the request's pool (after the log phase), so it adds
     * no block to the request's pool
     */
    ngx_pool_t                 *pool;

    ngx_http_ws_guard_result_e  result;

    unsigned                    websocket:1;   /* passed the access phase */
    unsigned                    checked:1;
    unsigned                    token_exp_set:1;
    unsigned                    nholds:16;     /* taken, of holds */

    /* the verified handshake token (malloc'ed), freed with the context */
    ngx_ws_guard_jwt_t         *token;
    time_t                      token_exp;

    /* the upgraded connection, once the guard hooked it */
    ngx_http_ws_guard_conn_t   *conn;

    /*
     * the zone nodes the handshake took (ws_guard_limit), given back
     * with the context; NULL: not counted in this context
     */
    struct ngx_http_ws_guard_hold_s  *holds;
} ngx_http_ws_guard_ctx_t;


extern ngx_module_t  ngx_http_ws_guard_module;


/* walks the headers of a list that have one name: start with part NULL */

typedef struct {
    ngx_list_part_t            *part;
    ngx_uint_t                  i;
} ngx_http_ws_guard_header_iter_t;


/* handshake */

ngx_int_t ngx_http_ws_guard_access_handler(ngx_http_request_t *r);
ngx_table_elt_t *ngx_http_ws_guard_next_header(ngx_list_t *headers,
    ngx_http_ws_guard_header_iter_t *it, const char *name);
ngx_int_t ngx_http_ws_guard_reject(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx,
    ngx_http_ws_guard_result_e result, ngx_int_t status, const char *fmt,
    ...);
ngx_uint_t ngx_http_ws_guard_find_headers(ngx_list_t *headers, char *name,
    ngx_table_elt_t **last);
ngx_int_t ngx_http_ws_guard_next_token(u_char **pos, u_char *end,
    ngx_str_t *token);
void ngx_http_ws_guard_hide_header(ngx_table_elt_t *h);
ngx_int_t ngx_http_ws_guard_check_upgrade_response(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx);
ngx_http_ws_guard_ctx_t *ngx_http_ws_guard_get_ctx(ngx_http_request_t *r);
size_t ngx_http_ws_guard_pool_size(ngx_http_request_t *r);
void ngx_http_ws_guard_proxy_cleanup(ngx_http_ws_guard_conn_t *wc);
ngx_http_ws_guard_ctx_t *ngx_http_ws_guard_holding_ctx(
    ngx_http_request_t *r);

char *ngx_http_ws_guard_origin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_merge_origins(ngx_conf_t *cf,
    ngx_http_ws_guard_loc_conf_t *prev, ngx_http_ws_guard_loc_conf_t *conf);

ngx_int_t ngx_http_ws_guard_add_variables(ngx_conf_t *cf);

/* bearer tokens (ngx_http_ws_guard_jwt.c) */

ngx_int_t ngx_http_ws_guard_jwt_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx);
void ngx_http_ws_guard_jwt_create_conf(ngx_http_ws_guard_jwt_conf_t *conf);
char *ngx_http_ws_guard_jwt_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_jwt_conf_t *prev, ngx_http_ws_guard_jwt_conf_t *conf);
ngx_int_t ngx_http_ws_guard_jwt_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_ws_guard_jwt_init_module(ngx_cycle_t *cycle);
void ngx_http_ws_guard_jwt_trim(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx);
char *ngx_http_ws_guard_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* messages (ngx_http_ws_guard_message.c) */

void ngx_http_ws_guard_message_create_conf(
    ngx_http_ws_guard_message_conf_t *conf);
char *ngx_http_ws_guard_message_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_message_conf_t *prev,
    ngx_http_ws_guard_message_conf_t *conf);
size_t ngx_http_ws_guard_message_size(ngx_http_request_t *r);
ngx_int_t ngx_http_ws_guard_message_init(ngx_http_ws_guard_side_t *s);
ngx_int_t ngx_http_ws_guard_message_data(ngx_http_ws_guard_side_t *s,
    u_char *p, size_t len, ngx_http_ws_guard_verdict_t *v);
ngx_int_t ngx_http_ws_guard_message_end(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v);
void ngx_http_ws_guard_message_abort(ngx_http_ws_guard_side_t *s);
void ngx_http_ws_guard_message_close(ngx_http_ws_guard_side_t *s);
char *ngx_http_ws_guard_schema_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_message_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_deny_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the upgraded connection (ngx_http_ws_guard_proxy.c) */

ngx_int_t ngx_http_ws_guard_proxy_init(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx);

/*
 * rates, connection counts and counters (ngx_http_ws_guard_rate.c):
 *
 *   rate_handshake  at the handshake, after the token: NGX_OK or a status
 *                   (the conn= limit); the nodes it takes (ctx->holds)
 *                   are given back by rate_release with the context
 *   rate_init       when the connection is hooked
 *   rate_frame      at the header of every data frame: a verdict;
 *                   message_start on the first frame of a message (DROP
 *                   is only honoured there: later it becomes CLOSE)
 *   stats_*         counters for the status handler
 */

ngx_int_t ngx_http_ws_guard_rate_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx);
size_t ngx_http_ws_guard_rate_size(ngx_http_request_t *r);
size_t ngx_http_ws_guard_holds_size(ngx_http_request_t *r);
void ngx_http_ws_guard_rate_release(ngx_http_ws_guard_ctx_t *ctx);
ngx_int_t ngx_http_ws_guard_rate_init(ngx_http_ws_guard_conn_t *wc);
void ngx_http_ws_guard_rate_frame(ngx_http_ws_guard_side_t *s,
    ngx_ws_guard_frame_header_t *h, ngx_uint_t message_start,
    ngx_http_ws_guard_verdict_t *v);

void ngx_http_ws_guard_stats_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_result_e result, ngx_uint_t dry_run);
void ngx_http_ws_guard_stats_open(ngx_http_ws_guard_conn_t *wc);
void ngx_http_ws_guard_stats_traffic(ngx_http_ws_guard_side_t *s,
    uint64_t bytes, uint64_t frames, uint64_t messages);
void ngx_http_ws_guard_stats_violation(ngx_http_ws_guard_conn_t *wc,
    const char *kind, ngx_uint_t dry_run);
void ngx_http_ws_guard_stats_close(ngx_http_ws_guard_conn_t *wc);

/* configuration helpers (ngx_ws_guard_module.c) */

char *ngx_http_ws_guard_conf_set_str_list(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_conf_set_msec_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_conf_set_sec_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_WS_GUARD_H_INCLUDED_ */
