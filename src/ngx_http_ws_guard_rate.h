
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Configuration of rates and connection counts (section 6).
 */


#ifndef _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_
#define _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_


typedef struct {
    ngx_array_t                *limits;      /* ws_guard_limit entries */
    ngx_uint_t                  action;      /* ws_guard_limit_action */
    ngx_uint_t                  status;      /* ws_guard_limit_status */
} ngx_http_ws_guard_rate_conf_t;


#endif /* _NGX_HTTP_WS_GUARD_RATE_H_INCLUDED_ */
