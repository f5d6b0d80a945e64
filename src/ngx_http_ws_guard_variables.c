
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
