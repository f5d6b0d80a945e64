
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
} ngx_http_ws_guard_loc_conf_t;


typedef struct {
    ngx_http_ws_guard_result_e  result;

    /* the client's Sec-WebSocket-Key, for the 101 check */
    ngx_str_t                   key;

    /* what the client offered, after the guard's edits */
    ngx_table_elt_t            *protocol;
    ngx_table_elt_t            *extensions;

    unsigned                    websocket:1;   /* passed the access phase */
    unsigned                    checked:1;
    unsigned                    upgraded:1;
} ngx_http_ws_guard_ctx_t;


extern ngx_module_t  ngx_http_ws_guard_module;


ngx_int_t ngx_http_ws_guard_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_ws_guard_check_upgrade_response(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx);
ngx_http_ws_guard_ctx_t *ngx_http_ws_guard_get_ctx(ngx_http_request_t *r);

char *ngx_http_ws_guard_origin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ws_guard_merge_origins(ngx_conf_t *cf,
    ngx_http_ws_guard_loc_conf_t *prev, ngx_http_ws_guard_loc_conf_t *conf);

ngx_int_t ngx_http_ws_guard_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_WS_GUARD_H_INCLUDED_ */
