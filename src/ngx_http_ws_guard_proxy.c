
/*
 * Copyright (C) ngx_ws_guard authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


ngx_int_t
ngx_http_ws_guard_proxy_init(ngx_http_request_t *r,
    ngx_http_ws_guard_ctx_t *ctx)
{
    return NGX_OK;
}
