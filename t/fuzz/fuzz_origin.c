
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * libFuzzer target: origin parsing.  A parsed origin must parse again to
 * the same serialization, and fit the documented output size.
 */


#include <stdlib.h>

#include "ngx_ws_guard_origin.h"


int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    unsigned char          *out, *again;
    const char             *reason;
    ngx_ws_guard_origin_t   o, o2;

    out = malloc(size + 8);
    again = malloc(size + 8);

    if (out == NULL || again == NULL) {
        abort();
    }

    if (ngx_ws_guard_origin_parse(data, size, out, &o, &reason)
        == NGX_WS_GUARD_OK)
    {
        if (o.text_len > size + 7) {
            abort();
        }

        if (ngx_ws_guard_origin_parse(o.text, o.text_len, again, &o2,
                                      &reason)
            != NGX_WS_GUARD_OK
            || o2.text_len != o.text_len
            || memcmp(o2.text, o.text, o.text_len) != 0
            || !ngx_ws_guard_origin_equal(&o, &o2))
        {
            abort();
        }
    }

    free(out);
    free(again);

    return 0;
}
