
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The $ws_guard_* variables.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


static ngx_int_t ngx_http_ws_guard_result_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ws_guard_conn_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#define NGX_HTTP_WS_GUARD_VAR_CLOSE_CODE    0
#define NGX_HTTP_WS_GUARD_VAR_CLOSE_REASON  1
#define NGX_HTTP_WS_GUARD_VAR_VIOLATION     2
#define NGX_HTTP_WS_GUARD_VAR_MESSAGES_IN   3
#define NGX_HTTP_WS_GUARD_VAR_MESSAGES_OUT  4
#define NGX_HTTP_WS_GUARD_VAR_BYTES_IN      5
#define NGX_HTTP_WS_GUARD_VAR_BYTES_OUT     6


static ngx_str_t  ngx_http_ws_guard_results[] = {
    ngx_null_string,
    ngx_string("ok"),
    ngx_string("handshake"),
    ngx_string("version"),
    ngx_string("tls"),
    ngx_string("origin"),
    ngx_string("subprotocol"),
    ngx_string("token"),
    ngx_string("scope"),
    ngx_string("limit"),
    ngx_string("upstream")
};


static ngx_http_variable_t  ngx_http_ws_guard_vars[] = {

    { ngx_string("ws_guard_result"), NULL,
      ngx_http_ws_guard_result_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_close_code"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_CLOSE_CODE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_close_reason"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_CLOSE_REASON,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_violation"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_VIOLATION,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_messages_in"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_MESSAGES_IN,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_messages_out"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_MESSAGES_OUT,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_bytes_in"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_BYTES_IN,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ws_guard_bytes_out"), NULL,
      ngx_http_ws_guard_conn_variable, NGX_HTTP_WS_GUARD_VAR_BYTES_OUT,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_ws_guard_result_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_ws_guard_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx == NULL || ctx->result == NGX_HTTP_WS_GUARD_RESULT_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ngx_http_ws_guard_results[ctx->result].len;
    v->data = ngx_http_ws_guard_results[ctx->result].data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * Per-connection figures, for the access log line written when the
 * connection ends; empty for requests the guard did not hook.
 */

static ngx_int_t
ngx_http_ws_guard_conn_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                    *p;
    uint64_t                   n;
    const char                *s;
    ngx_http_ws_guard_ctx_t   *ctx;
    ngx_http_ws_guard_conn_t  *wc;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ws_guard_module);

    if (ctx == NULL || ctx->conn == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    wc = ctx->conn;
    s = NULL;
    n = 0;

    switch (data) {

    case NGX_HTTP_WS_GUARD_VAR_CLOSE_CODE:
        if (wc->close_code == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        n = wc->close_code;
        break;

    case NGX_HTTP_WS_GUARD_VAR_CLOSE_REASON:
        s = wc->close_reason;
        break;

    case NGX_HTTP_WS_GUARD_VAR_VIOLATION:
        s = wc->violation;
        break;

    case NGX_HTTP_WS_GUARD_VAR_MESSAGES_IN:
        n = wc->client.parser.messages;
        break;

    case NGX_HTTP_WS_GUARD_VAR_MESSAGES_OUT:
        n = wc->upstream.parser.messages;
        break;

    case NGX_HTTP_WS_GUARD_VAR_BYTES_IN:
        n = wc->client.bytes;
        break;

    default: /* NGX_HTTP_WS_GUARD_VAR_BYTES_OUT */
        n = wc->upstream.bytes;
        break;
    }

    if (data == NGX_HTTP_WS_GUARD_VAR_CLOSE_REASON
        || data == NGX_HTTP_WS_GUARD_VAR_VIOLATION)
    {
        if (s == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->data = (u_char *) s;
        v->len = ngx_strlen(s);

    } else {
        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%uL", n) - p;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


ngx_int_t
ngx_http_ws_guard_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ws_guard_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}
