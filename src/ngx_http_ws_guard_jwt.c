
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Bearer tokens at the handshake: where the token comes from, its checks,
 * the RFC 6750 responses, and the $ws_guard_jwt_* variables.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


void
ngx_http_ws_guard_jwt_create_conf(ngx_http_ws_guard_jwt_conf_t *conf)
{
    conf->enable = NGX_CONF_UNSET;
    conf->key_files = NGX_CONF_UNSET_PTR;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->token = NGX_CONF_UNSET_PTR;
    conf->algorithms = NGX_CONF_UNSET_UINT;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->leeway = NGX_CONF_UNSET;
    conf->max_lifetime = NGX_CONF_UNSET;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->require = NGX_CONF_UNSET_PTR;
    conf->expiry = NGX_CONF_UNSET_UINT;
}


char *
ngx_http_ws_guard_jwt_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_jwt_conf_t *prev, ngx_http_ws_guard_jwt_conf_t *conf)
{
    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_ptr_value(conf->key_files, prev->key_files, NULL);
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->token, prev->token, NULL);
    ngx_conf_merge_str_value(conf->subprotocol, prev->subprotocol, "");
    ngx_conf_merge_uint_value(conf->algorithms, prev->algorithms,
                              NGX_WS_GUARD_JWT_ALG_ALL);
    ngx_conf_merge_ptr_value(conf->issuers, prev->issuers, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_sec_value(conf->max_lifetime, prev->max_lifetime, 0);
    ngx_conf_merge_ptr_value(conf->scopes, prev->scopes, NULL);
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_uint_value(conf->expiry, prev->expiry,
                              NGX_HTTP_WS_GUARD_EXPIRY_CLOSE);

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_ws_guard_jwt_handshake(ngx_http_request_t *r,
    ngx_http_ws_guard_loc_conf_t *wlcf, ngx_http_ws_guard_ctx_t *ctx)
{
    /* being written: refuse rather than let a handshake through unchecked */
    return ngx_http_ws_guard_reject(r, wlcf, ctx,
                                    NGX_HTTP_WS_GUARD_RESULT_TOKEN,
                                    NGX_HTTP_UNAUTHORIZED,
                                    "token not checked");
}


ngx_int_t
ngx_http_ws_guard_jwt_add_variables(ngx_conf_t *cf)
{
    return NGX_OK;
}


char *
ngx_http_ws_guard_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return "is not supported yet";
}


char *
ngx_http_ws_guard_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "is not supported yet";
}


char *
ngx_http_ws_guard_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return "is not supported yet";
}
