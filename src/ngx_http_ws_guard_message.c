
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Message policy: JSON Schema per direction, per-message authorization by
 * token scope, deny patterns.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


void
ngx_http_ws_guard_message_create_conf(ngx_http_ws_guard_message_conf_t *conf)
{
    conf->schema[0] = NGX_CONF_UNSET_PTR;
    conf->schema[1] = NGX_CONF_UNSET_PTR;
    conf->json_max_depth = NGX_CONF_UNSET_UINT;
    conf->inspect = NGX_CONF_UNSET_UINT;
    conf->violation = NGX_CONF_UNSET_UINT;
    conf->scopes = NGX_CONF_UNSET_PTR;
    conf->scope_default = NGX_CONF_UNSET_UINT;
    conf->deny[0] = NGX_CONF_UNSET_PTR;
    conf->deny[1] = NGX_CONF_UNSET_PTR;
}


char *
ngx_http_ws_guard_message_merge_conf(ngx_conf_t *cf,
    ngx_http_ws_guard_message_conf_t *prev,
    ngx_http_ws_guard_message_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->schema[0], prev->schema[0], NULL);
    ngx_conf_merge_ptr_value(conf->schema[1], prev->schema[1], NULL);
    ngx_conf_merge_str_value(conf->schema_file[0], prev->schema_file[0], "");
    ngx_conf_merge_str_value(conf->schema_file[1], prev->schema_file[1], "");
    ngx_conf_merge_uint_value(conf->json_max_depth, prev->json_max_depth, 32);
    ngx_conf_merge_uint_value(conf->inspect, prev->inspect,
                              NGX_HTTP_WS_GUARD_INSPECT_STREAM);
    ngx_conf_merge_uint_value(conf->violation, prev->violation,
                              NGX_HTTP_WS_GUARD_VIOLATION_CLOSE);
    ngx_conf_merge_ptr_value(conf->scopes, prev->scopes, NULL);
    ngx_conf_merge_uint_value(conf->scope_default, prev->scope_default, 1);
    ngx_conf_merge_ptr_value(conf->deny[0], prev->deny[0], NULL);
    ngx_conf_merge_ptr_value(conf->deny[1], prev->deny[1], NULL);

    return NGX_CONF_OK;
}


char *
ngx_http_ws_guard_schema_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "is not supported yet";
}


char *
ngx_http_ws_guard_message_scope(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "is not supported yet";
}


char *
ngx_http_ws_guard_deny_pattern(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return "is not supported yet";
}


ngx_int_t
ngx_http_ws_guard_message_init(ngx_http_ws_guard_side_t *s)
{
    return NGX_OK;
}


ngx_int_t
ngx_http_ws_guard_message_data(ngx_http_ws_guard_side_t *s, u_char *p,
    size_t len, ngx_http_ws_guard_verdict_t *v)
{
    return NGX_OK;
}


ngx_int_t
ngx_http_ws_guard_message_end(ngx_http_ws_guard_side_t *s,
    ngx_http_ws_guard_verdict_t *v)
{
    return NGX_OK;
}


void
ngx_http_ws_guard_message_abort(ngx_http_ws_guard_side_t *s)
{
}
