
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Rates, connection counts and the counters behind the status handler.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


ngx_int_t
ngx_http_ws_guard_rate_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx)
{
    return NGX_OK;
}


ngx_int_t
ngx_http_ws_guard_rate_init(ngx_http_ws_guard_conn_t *wc)
{
    return NGX_OK;
}


void
ngx_http_ws_guard_rate_frame(ngx_http_ws_guard_side_t *s,
    ngx_ws_guard_frame_header_t *h, ngx_uint_t message_start,
    ngx_http_ws_guard_verdict_t *v)
{
    v->action = NGX_HTTP_WS_GUARD_PASS;
}


void
ngx_http_ws_guard_stats_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_result_e result, ngx_uint_t dry_run)
{
}


void
ngx_http_ws_guard_stats_open(ngx_http_ws_guard_conn_t *wc)
{
}


void
ngx_http_ws_guard_stats_traffic(ngx_http_ws_guard_side_t *s)
{
}


void
ngx_http_ws_guard_stats_violation(ngx_http_ws_guard_conn_t *wc,
    const char *kind, ngx_uint_t dry_run)
{
}


void
ngx_http_ws_guard_stats_close(ngx_http_ws_guard_conn_t *wc)
{
}
