
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * A minimal unit test harness for the core code.  Each test program ends
 * with "unit-NAME: N passed, N failed" and exits non-zero on any failure.
 */


#ifndef _NGX_WS_GUARD_UNIT_H_INCLUDED_
#define _NGX_WS_GUARD_UNIT_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static unsigned  unit_passed;
static unsigned  unit_failed;


#define CHECK(cond)                                                           \
    do {                                                                      \
        if (cond) {                                                           \
            unit_passed++;                                                    \
        } else {                                                              \
            unit_failed++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n",                      \
                    __FILE__, __LINE__, #cond);                               \
        }                                                                     \
    } while (0)


#define CHECK_EQ_INT(a, b)                                                    \
    do {                                                                      \
        long long  unit_a = (long long) (a), unit_b = (long long) (b);        \
        if (unit_a == unit_b) {                                               \
            unit_passed++;                                                    \
        } else {                                                              \
            unit_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",       \
                    __FILE__, __LINE__, #a, unit_a, #b, unit_b);              \
        }                                                                     \
    } while (0)


static int
unit_done(const char *name)
{
    printf("unit-%s: %u passed, %u failed\n", name, unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}


#endif /* _NGX_WS_GUARD_UNIT_H_INCLUDED_ */
