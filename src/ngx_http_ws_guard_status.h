
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Counters behind ws_guard_status (section 8).
 */


#ifndef _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_
#define _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ws_guard.h"


/*
 * What a connection has added to the counters so far; the first member of
 * the connection's rate state (wc->rate), so that both files reach it.
 */

typedef struct {
    uint64_t                    frames[2];   /* from the client, upstream */
    uint64_t                    messages[2];
    uint64_t                    bytes[2];
    unsigned                    open:1;
} ngx_http_ws_guard_stats_conn_t;


#endif /* _NGX_HTTP_WS_GUARD_STATUS_H_INCLUDED_ */
