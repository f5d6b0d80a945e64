
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Values of the schema validator: exact decimal numbers, the keyed hash of
 * canonical JSON values, constants, the JSON tree of a schema document and
 * the compile-time pool.
 */


#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "ngx_ws_guard_schema_int.h"


/* exponents are saturated here, far beyond any number a message holds */
#define NGX_WS_GUARD_SCHEMA_EXP_MAX   1000000000000000LL

#define NGX_WS_GUARD_SCHEMA_BLOCK     8192
#define NGX_WS_GUARD_SCHEMA_ALIGN(n)  (((n) + 15) & ~((size_t) 15))

#define ngx_ws_guard_schema_num_digit(n, j)                                   \
    ngx_ws_guard_schema_num_raw(n, (n)->lead + (j))

#define ngx_ws_guard_schema_rotl(x, b)                                        \
    (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))

#define ngx_ws_guard_schema_sipround(s)                                       \
    do {                                                                      \
        (s)->v0 += (s)->v1;                                                   \
        (s)->v1 = ngx_ws_guard_schema_rotl((s)->v1, 13);                      \
        (s)->v1 ^= (s)->v0;                                                   \
        (s)->v0 = ngx_ws_guard_schema_rotl((s)->v0, 32);                      \
        (s)->v2 += (s)->v3;                                                   \
        (s)->v3 = ngx_ws_guard_schema_rotl((s)->v3, 16);                      \
        (s)->v3 ^= (s)->v2;                                                   \
        (s)->v0 += (s)->v3;                                                   \
        (s)->v3 = ngx_ws_guard_schema_rotl((s)->v3, 21);                      \
        (s)->v3 ^= (s)->v0;                                                   \
        (s)->v2 += (s)->v1;                                                   \
        (s)->v1 = ngx_ws_guard_schema_rotl((s)->v1, 17);                      \
        (s)->v1 ^= (s)->v2;                                                   \
        (s)->v2 = ngx_ws_guard_schema_rotl((s)->v2, 32);                      \
    } while (0)


typedef struct {
    ngx_ws_guard_schema_json_t   *root;
    ngx_ws_guard_schema_json_t  **stack;
    size_t                        depth;
    size_t                        max_depth;
    unsigned char                *key;
    size_t                        klen;
    const char                   *error;
} ngx_ws_guard_schema_json_ctx_t;


static unsigned ngx_ws_guard_schema_num_raw(const ngx_ws_guard_schema_num_t *n,
    size_t k);
static uint64_t ngx_ws_guard_schema_mulmod(uint64_t a, uint64_t b,
    uint64_t m);
static long double ngx_ws_guard_schema_num_ld(
    const ngx_ws_guard_schema_num_t *n);
static void ngx_ws_guard_schema_sip_block(ngx_ws_guard_schema_sip_t *s,
    uint64_t m);
static void ngx_ws_guard_schema_json_hash(const ngx_ws_guard_schema_json_t *v,
    ngx_ws_guard_schema_hash_t *h);
static ngx_ws_guard_schema_json_t *ngx_ws_guard_schema_json_new(
    ngx_ws_guard_schema_json_ctx_t *ctx, unsigned type);
static int ngx_ws_guard_schema_json_add(ngx_ws_guard_schema_json_ctx_t *ctx,
    ngx_ws_guard_schema_json_t *v);
static int ngx_ws_guard_schema_json_text(void *data, unsigned type,
    const unsigned char *p, size_t len);
static int ngx_ws_guard_schema_json_null(void *data);
static int ngx_ws_guard_schema_json_boolean(void *data, int b);
static int ngx_ws_guard_schema_json_number(void *data, const char *p,
    size_t len);
static int ngx_ws_guard_schema_json_string(void *data, const unsigned char *p,
    size_t len);
static int ngx_ws_guard_schema_json_start_map(void *data);
static int ngx_ws_guard_schema_json_map_key(void *data,
    const unsigned char *p, size_t len);
static int ngx_ws_guard_schema_json_start_array(void *data);
static int ngx_ws_guard_schema_json_end(void *data);


static uint64_t  ngx_ws_guard_schema_k0;
static uint64_t  ngx_ws_guard_schema_k1;
static unsigned  ngx_ws_guard_schema_key_set;


static const yajl_callbacks  ngx_ws_guard_schema_json_callbacks = {
    ngx_ws_guard_schema_json_null,
    ngx_ws_guard_schema_json_boolean,
    NULL,
    NULL,
    ngx_ws_guard_schema_json_number,
    ngx_ws_guard_schema_json_string,
    ngx_ws_guard_schema_json_start_map,
    ngx_ws_guard_schema_json_map_key,
    ngx_ws_guard_schema_json_end,
    ngx_ws_guard_schema_json_start_array,
    ngx_ws_guard_schema_json_end
};


/* numbers */

/*
 * The text is a JSON number (checked by yajl); the struct points into it.
 */

void
ngx_ws_guard_schema_num_parse(ngx_ws_guard_schema_num_t *n,
    const unsigned char *p, size_t len)
{
    int                   eneg;
    size_t                k, total, last;
    int64_t               e;
    const unsigned char  *end;

    memset(n, 0, sizeof(ngx_ws_guard_schema_num_t));

    end = p + len;
    e = 0;
    eneg = 0;

    if (p < end && *p == '-') {
        n->neg = 1;
        p++;
    }

    n->ip = p;

    while (p < end && *p >= '0' && *p <= '9') {
        p++;
    }

    n->ilen = p - n->ip;
    n->fp = p;

    if (p < end && *p == '.') {
        p++;
        n->fp = p;

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }

        n->flen = p - n->fp;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            eneg = (*p == '-');
            p++;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            if (e < NGX_WS_GUARD_SCHEMA_EXP_MAX) {
                e = e * 10 + (*p - '0');
            }

            p++;
        }

        if (e > NGX_WS_GUARD_SCHEMA_EXP_MAX) {
            e = NGX_WS_GUARD_SCHEMA_EXP_MAX;
        }

        if (eneg) {
            e = -e;
        }
    }

    total = n->ilen + n->flen;

    for (k = 0; k < total; k++) {
        if (ngx_ws_guard_schema_num_raw(n, k) != 0) {
            break;
        }
    }

    if (k == total) {
        n->zero = 1;
        n->neg = 0;
        return;
    }

    for (last = total; ngx_ws_guard_schema_num_raw(n, last - 1) == 0; last--) {
        /* void */
    }

    n->lead = k;
    n->n = last - k;
    n->exp = (int64_t) n->ilen - (int64_t) k + e;
}


static unsigned
ngx_ws_guard_schema_num_raw(const ngx_ws_guard_schema_num_t *n, size_t k)
{
    return (k < n->ilen ? n->ip[k] : n->fp[k - n->ilen]) - '0';
}


int
ngx_ws_guard_schema_num_cmp(const ngx_ws_guard_schema_num_t *a,
    const ngx_ws_guard_schema_num_t *b)
{
    int       sa, sb, r;
    size_t    j, m;
    unsigned  da, db;

    sa = a->zero ? 0 : (a->neg ? -1 : 1);
    sb = b->zero ? 0 : (b->neg ? -1 : 1);

    if (sa != sb) {
        return sa < sb ? -1 : 1;
    }

    if (sa == 0) {
        return 0;
    }

    r = 0;

    if (a->exp != b->exp) {
        r = a->exp < b->exp ? -1 : 1;

    } else {
        m = a->n < b->n ? a->n : b->n;

        for (j = 0; j < m; j++) {
            da = ngx_ws_guard_schema_num_digit(a, j);
            db = ngx_ws_guard_schema_num_digit(b, j);

            if (da != db) {
                r = da < db ? -1 : 1;
                break;
            }
        }

        if (r == 0 && a->n != b->n) {
            r = a->n < b->n ? -1 : 1;
        }
    }

    return sa * r;
}


int
ngx_ws_guard_schema_num_integer(const ngx_ws_guard_schema_num_t *n)
{
    return n->zero || n->exp >= (int64_t) n->n;
}


static uint64_t
ngx_ws_guard_schema_mulmod(uint64_t a, uint64_t b, uint64_t m)
{
#if defined(__SIZEOF_INT128__)

    return (uint64_t) ((unsigned __int128) a * b % m);

#else

    uint64_t  r;

    /* a, b < m < 2^60: the sums do not overflow */

    r = 0;

    while (b) {
        if (b & 1) {
            r = (r + a) % m;
        }

        a = (a << 1) % m;
        b >>= 1;
    }

    return r;

#endif
}


/*
 * v is a multiple of m (m > 0).  With v = Dv * 10^xv and m = Dm * 10^xm
 * (Dv, Dm integers without trailing zeros): if xv < xm, v / m would need
 * Dv to be a multiple of 10; otherwise it is Dv * 10^(xv - xm) mod Dm.
 */

int
ngx_ws_guard_schema_num_multiple(const ngx_ws_guard_schema_num_t *v,
    const ngx_ws_guard_schema_num_t *m)
{
    size_t       j;
    int64_t      xv, xm;
    uint64_t     dm, r, k, p;
    long double  q, aq, rq, d;

    if (v->zero) {
        return 1;
    }

    xv = v->exp - (int64_t) v->n;
    xm = m->exp - (int64_t) m->n;

    if (m->n <= 18) {

        if (xv < xm) {
            return 0;
        }

        dm = 0;

        for (j = 0; j < m->n; j++) {
            dm = dm * 10 + ngx_ws_guard_schema_num_digit(m, j);
        }

        if (dm == 0) {
            /* m is not 0: never here */
            return 0;
        }

        r = 0;

        for (j = 0; j < v->n; j++) {
            r = (r * 10 + ngx_ws_guard_schema_num_digit(v, j)) % dm;
        }

        k = (uint64_t) (xv - xm);
        p = 10 % dm;

        while (k && r) {
            if (k & 1) {
                r = ngx_ws_guard_schema_mulmod(r, p, dm);
            }

            p = ngx_ws_guard_schema_mulmod(p, p, dm);
            k >>= 1;
        }

        return r == 0;
    }

    q = ngx_ws_guard_schema_num_ld(v) / ngx_ws_guard_schema_num_ld(m);

    if (q != q) {
        return 0;
    }

    aq = q < 0 ? -q : q;

    /* beyond 2^64 a long double holds whole numbers only */

    if (aq >= 18446744073709551616.0L) {
        return 1;
    }

    rq = (long double) (uint64_t) (aq + 0.5L);
    d = aq - rq;
    d = d < 0 ? -d : d;

    return d <= aq * (1.0L / 1125899906842624.0L);
}


static long double
ngx_ws_guard_schema_num_ld(const ngx_ws_guard_schema_num_t *n)
{
    size_t       j, k;
    int64_t      e;
    long double  v, p;

    v = 0;
    k = n->n < 21 ? n->n : 21;

    for (j = 0; j < k; j++) {
        v = v * 10 + ngx_ws_guard_schema_num_digit(n, j);
    }

    e = n->exp - (int64_t) k;

    if (e > 6000) {
        e = 6000;

    } else if (e < -6000) {
        e = -6000;
    }

    p = 10;

    if (e > 0) {
        for ( /* void */ ; e; e >>= 1) {
            if (e & 1) {
                v *= p;
            }

            p *= p;
        }

    } else {
        for (e = -e; e; e >>= 1) {
            if (e & 1) {
                v /= p;
            }

            p *= p;
        }
    }

    return n->neg ? -v : v;
}


/* a non-negative integer (checked by the caller), saturated */

size_t
ngx_ws_guard_schema_num_size(const ngx_ws_guard_schema_num_t *n)
{
    size_t   r;
    int64_t  j;

    if (n->zero) {
        return 0;
    }

    if (n->exp > 20) {
        return NGX_WS_GUARD_SCHEMA_UNSET;
    }

    r = 0;

    for (j = 0; j < n->exp; j++) {

        if (r > (NGX_WS_GUARD_SCHEMA_UNSET - 9) / 10) {
            return NGX_WS_GUARD_SCHEMA_UNSET;
        }

        r = r * 10 + ((size_t) j < n->n ? ngx_ws_guard_schema_num_digit(n, j)
                                         : 0);
    }

    return r;
}


/* hashes */

/*
 * The hash key: random, once per process (the master's is inherited by
 * the workers, so that every process hashes alike).
 */

void
ngx_ws_guard_schema_key_init(void)
{
    int              fd;
    ssize_t          n;
    uint64_t         k[2];
    struct timespec  ts;

    if (ngx_ws_guard_schema_key_set) {
        return;
    }

    n = -1;
    fd = open("/dev/urandom", O_RDONLY);

    if (fd != -1) {
        n = read(fd, k, sizeof(k));
        close(fd);
    }

    if (n != (ssize_t) sizeof(k)) {

        /* no entropy: the clock, the pid and an address */

        clock_gettime(CLOCK_REALTIME, &ts);

        k[0] = (uint64_t) ts.tv_sec * 1000000007ULL
               ^ (uint64_t) ts.tv_nsec ^ ((uint64_t) getpid() << 32);
        k[1] = (uint64_t) (uintptr_t) &ts
               ^ (uint64_t) ts.tv_nsec * 0x9e3779b97f4a7c15ULL;
    }

    ngx_ws_guard_schema_k0 = k[0];
    ngx_ws_guard_schema_k1 = k[1];
    ngx_ws_guard_schema_key_set = 1;
}


void
ngx_ws_guard_schema_sip_init(ngx_ws_guard_schema_sip_t *s)
{
    s->v0 = ngx_ws_guard_schema_k0 ^ 0x736f6d6570736575ULL;
    s->v1 = ngx_ws_guard_schema_k1 ^ 0x646f72616e646f6dULL ^ 0xee;
    s->v2 = ngx_ws_guard_schema_k0 ^ 0x6c7967656e657261ULL;
    s->v3 = ngx_ws_guard_schema_k1 ^ 0x7465646279746573ULL;
    s->m = 0;
    s->total = 0;
}


static void
ngx_ws_guard_schema_sip_block(ngx_ws_guard_schema_sip_t *s, uint64_t m)
{
    s->v3 ^= m;
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    s->v0 ^= m;
}


void
ngx_ws_guard_schema_sip_update(ngx_ws_guard_schema_sip_t *s,
    const unsigned char *p, size_t len)
{
    size_t    fill, i;
    uint64_t  w;

    fill = (size_t) (s->total & 7);
    s->total += len;

    if (fill) {
        while (len && fill < 8) {
            s->m |= (uint64_t) *p++ << (8 * fill);
            fill++;
            len--;
        }

        if (fill < 8) {
            return;
        }

        ngx_ws_guard_schema_sip_block(s, s->m);
        s->m = 0;
    }

    while (len >= 8) {
        w = 0;

        for (i = 0; i < 8; i++) {
            w |= (uint64_t) p[i] << (8 * i);
        }

        ngx_ws_guard_schema_sip_block(s, w);
        p += 8;
        len -= 8;
    }

    for (i = 0; i < len; i++) {
        s->m |= (uint64_t) p[i] << (8 * i);
    }
}


void
ngx_ws_guard_schema_sip_u64(ngx_ws_guard_schema_sip_t *s, uint64_t w)
{
    size_t         i;
    unsigned char  b[8];

    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char) (w >> (8 * i));
    }

    ngx_ws_guard_schema_sip_update(s, b, 8);
}


void
ngx_ws_guard_schema_sip_final(ngx_ws_guard_schema_sip_t *s,
    ngx_ws_guard_schema_hash_t *h)
{
    uint64_t  b;

    b = (s->total << 56) | s->m;

    ngx_ws_guard_schema_sip_block(s, b);

    s->v2 ^= 0xee;
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    h->lo = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;

    s->v1 ^= 0xdd;
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    ngx_ws_guard_schema_sipround(s);
    h->hi = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}


/*
 * Canonical forms: a tag byte, then the string's bytes, or a number's sign,
 * significant digits and exponent (so 1, 1.0 and 10e-1 hash alike).
 */

void
ngx_ws_guard_schema_hash_scalar(unsigned type, unsigned boolean,
    const unsigned char *p, size_t len, const ngx_ws_guard_schema_num_t *num,
    ngx_ws_guard_schema_hash_t *h)
{
    size_t                     from, to;
    unsigned char              c;
    ngx_ws_guard_schema_sip_t  s;

    ngx_ws_guard_schema_sip_init(&s);

    switch (type) {

    case NGX_WS_GUARD_SCHEMA_NULL:
        c = 'z';
        ngx_ws_guard_schema_sip_update(&s, &c, 1);
        break;

    case NGX_WS_GUARD_SCHEMA_BOOLEAN:
        c = boolean ? 't' : 'f';
        ngx_ws_guard_schema_sip_update(&s, &c, 1);
        break;

    case NGX_WS_GUARD_SCHEMA_STRING:
        c = 's';
        ngx_ws_guard_schema_sip_update(&s, &c, 1);
        ngx_ws_guard_schema_sip_update(&s, p, len);
        break;

    default: /* NGX_WS_GUARD_SCHEMA_NUMBER */

        if (num->zero) {
            ngx_ws_guard_schema_sip_update(&s, (const unsigned char *) "d0",
                                           2);
            break;
        }

        ngx_ws_guard_schema_sip_update(&s, (const unsigned char *)
                                       (num->neg ? "d-" : "d+"), 2);

        from = num->lead;
        to = num->lead + num->n;

        if (from < num->ilen) {
            ngx_ws_guard_schema_sip_update(&s, num->ip + from,
                                           (to < num->ilen ? to : num->ilen)
                                           - from);
            from = num->ilen;
        }

        if (to > from) {
            ngx_ws_guard_schema_sip_update(&s, num->fp + (from - num->ilen),
                                           to - from);
        }

        ngx_ws_guard_schema_sip_u64(&s, (uint64_t) num->exp);
        break;
    }

    ngx_ws_guard_schema_sip_final(&s, h);
}


/* object members add up, so that their order does not matter */

void
ngx_ws_guard_schema_hash_member(const ngx_ws_guard_schema_hash_t *key,
    const ngx_ws_guard_schema_hash_t *value, ngx_ws_guard_schema_hash_t *sum)
{
    ngx_ws_guard_schema_sip_t   s;
    ngx_ws_guard_schema_hash_t  h;

    ngx_ws_guard_schema_sip_init(&s);
    ngx_ws_guard_schema_sip_update(&s, (const unsigned char *) "m", 1);
    ngx_ws_guard_schema_sip_u64(&s, key->lo);
    ngx_ws_guard_schema_sip_u64(&s, key->hi);
    ngx_ws_guard_schema_sip_u64(&s, value->lo);
    ngx_ws_guard_schema_sip_u64(&s, value->hi);
    ngx_ws_guard_schema_sip_final(&s, &h);

    sum->lo += h.lo;
    sum->hi += h.hi;
}


void
ngx_ws_guard_schema_hash_object(const ngx_ws_guard_schema_hash_t *sum,
    size_t n, ngx_ws_guard_schema_hash_t *h)
{
    ngx_ws_guard_schema_sip_t  s;

    ngx_ws_guard_schema_sip_init(&s);
    ngx_ws_guard_schema_sip_update(&s, (const unsigned char *) "o", 1);
    ngx_ws_guard_schema_sip_u64(&s, sum->lo);
    ngx_ws_guard_schema_sip_u64(&s, sum->hi);
    ngx_ws_guard_schema_sip_u64(&s, (uint64_t) n);
    ngx_ws_guard_schema_sip_final(&s, h);
}


void
ngx_ws_guard_schema_hash_array_init(ngx_ws_guard_schema_sip_t *s)
{
    ngx_ws_guard_schema_sip_init(s);
    ngx_ws_guard_schema_sip_update(s, (const unsigned char *) "a", 1);
}


void
ngx_ws_guard_schema_hash_array_add(ngx_ws_guard_schema_sip_t *s,
    const ngx_ws_guard_schema_hash_t *h)
{
    ngx_ws_guard_schema_sip_u64(s, h->lo);
    ngx_ws_guard_schema_sip_u64(s, h->hi);
}


/* constants */

int
ngx_ws_guard_schema_const_eq(const ngx_ws_guard_schema_const_t *c,
    unsigned type, unsigned boolean, const unsigned char *p, size_t len,
    const ngx_ws_guard_schema_num_t *num)
{
    if (c->type != type) {
        return 0;
    }

    switch (type) {

    case NGX_WS_GUARD_SCHEMA_NULL:
        return 1;

    case NGX_WS_GUARD_SCHEMA_BOOLEAN:
        return c->boolean == boolean;

    case NGX_WS_GUARD_SCHEMA_STRING:
        return c->len == len && (len == 0 || memcmp(c->str, p, len) == 0);

    case NGX_WS_GUARD_SCHEMA_NUMBER:
        return ngx_ws_guard_schema_num_cmp(&c->num, num) == 0;
    }

    /* objects and arrays are compared by hash */

    return 0;
}


int
ngx_ws_guard_schema_const_set(ngx_ws_guard_schema_pool_t *pool,
    ngx_ws_guard_schema_const_t *c, const ngx_ws_guard_schema_json_t *v)
{
    unsigned char  *p;

    memset(c, 0, sizeof(ngx_ws_guard_schema_const_t));

    c->type = v->type;
    c->boolean = v->boolean;

    switch (v->type) {

    case NGX_WS_GUARD_SCHEMA_STRING:
    case NGX_WS_GUARD_SCHEMA_NUMBER:
        p = ngx_ws_guard_schema_palloc(pool, v->len + 1);
        if (p == NULL) {
            return NGX_WS_GUARD_ERROR;
        }

        memcpy(p, v->str, v->len);
        c->str = p;
        c->len = v->len;

        if (v->type == NGX_WS_GUARD_SCHEMA_NUMBER) {
            ngx_ws_guard_schema_num_parse(&c->num, p, v->len);
        }

        break;

    case NGX_WS_GUARD_SCHEMA_OBJECT:
    case NGX_WS_GUARD_SCHEMA_ARRAY:
        ngx_ws_guard_schema_json_hash(v, &c->hash);
        break;
    }

    return NGX_WS_GUARD_OK;
}


static void
ngx_ws_guard_schema_json_hash(const ngx_ws_guard_schema_json_t *v,
    ngx_ws_guard_schema_hash_t *h)
{
    size_t                      i;
    ngx_ws_guard_schema_sip_t   s;
    ngx_ws_guard_schema_num_t   num;
    ngx_ws_guard_schema_hash_t  kh, vh, sum;

    switch (v->type) {

    case NGX_WS_GUARD_SCHEMA_ARRAY:
        ngx_ws_guard_schema_hash_array_init(&s);

        for (i = 0; i < v->n; i++) {
            ngx_ws_guard_schema_json_hash(v->items[i], &vh);
            ngx_ws_guard_schema_hash_array_add(&s, &vh);
        }

        ngx_ws_guard_schema_sip_final(&s, h);
        return;

    case NGX_WS_GUARD_SCHEMA_OBJECT:
        sum.lo = 0;
        sum.hi = 0;

        for (i = 0; i < v->n; i++) {
            ngx_ws_guard_schema_hash_scalar(NGX_WS_GUARD_SCHEMA_STRING, 0,
                                            v->keys[i], v->klens[i], NULL,
                                            &kh);
            ngx_ws_guard_schema_json_hash(v->items[i], &vh);
            ngx_ws_guard_schema_hash_member(&kh, &vh, &sum);
        }

        ngx_ws_guard_schema_hash_object(&sum, v->n, h);
        return;

    case NGX_WS_GUARD_SCHEMA_NUMBER:
        ngx_ws_guard_schema_num_parse(&num, v->str, v->len);
        ngx_ws_guard_schema_hash_scalar(v->type, 0, NULL, 0, &num, h);
        return;

    default:
        ngx_ws_guard_schema_hash_scalar(v->type, v->boolean, v->str, v->len,
                                        NULL, h);
        return;
    }
}


/* the JSON tree, built on yajl's events; strings keep their length */

ngx_ws_guard_schema_json_t *
ngx_ws_guard_schema_json_parse(const unsigned char *text, size_t len,
    size_t max_depth, char *err, size_t errlen)
{
    size_t                           n;
    yajl_handle                      h;
    yajl_status                      st;
    unsigned char                   *msg;
    ngx_ws_guard_schema_json_ctx_t   ctx;

    memset(&ctx, 0, sizeof(ngx_ws_guard_schema_json_ctx_t));

    ctx.max_depth = max_depth;
    ctx.stack = malloc((max_depth + 1) * sizeof(ngx_ws_guard_schema_json_t *));
    if (ctx.stack == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    h = yajl_alloc(&ngx_ws_guard_schema_json_callbacks, NULL, &ctx);
    if (h == NULL) {
        free(ctx.stack);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    st = yajl_parse(h, text, len);

    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    if (st != yajl_status_ok) {

        if (ctx.error) {
            snprintf(err, errlen, "%s", ctx.error);

        } else {
            msg = yajl_get_error(h, 0, text, len);
            n = msg ? strlen((char *) msg) : 0;

            while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.')) {
                n--;
            }

            snprintf(err, errlen, "invalid JSON: %.*s", (int) n,
                     msg ? (char *) msg : "");

            if (msg) {
                yajl_free_error(h, msg);
            }
        }

        yajl_free(h);
        free(ctx.key);
        free(ctx.stack);
        ngx_ws_guard_schema_json_free(ctx.root);
        return NULL;
    }

    yajl_free(h);
    free(ctx.key);
    free(ctx.stack);

    return ctx.root;
}


void
ngx_ws_guard_schema_json_free(ngx_ws_guard_schema_json_t *v)
{
    size_t  i;

    if (v == NULL) {
        return;
    }

    for (i = 0; i < v->n; i++) {
        ngx_ws_guard_schema_json_free(v->items[i]);

        if (v->keys) {
            free(v->keys[i]);
        }
    }

    free(v->items);
    free(v->keys);
    free(v->klens);
    free(v->str);
    free(v);
}


static ngx_ws_guard_schema_json_t *
ngx_ws_guard_schema_json_new(ngx_ws_guard_schema_json_ctx_t *ctx,
    unsigned type)
{
    ngx_ws_guard_schema_json_t  *v;

    v = calloc(1, sizeof(ngx_ws_guard_schema_json_t));
    if (v == NULL) {
        ctx->error = "out of memory";
        return NULL;
    }

    v->type = type;

    return v;
}


/* links v into its parent, or makes it the root; frees it on failure */

static int
ngx_ws_guard_schema_json_add(ngx_ws_guard_schema_json_ctx_t *ctx,
    ngx_ws_guard_schema_json_t *v)
{
    size_t                        cap;
    size_t                       *klens;
    unsigned char               **keys;
    ngx_ws_guard_schema_json_t   *parent, **items;

    if (ctx->depth == 0) {
        ctx->root = v;
        return 1;
    }

    parent = ctx->stack[ctx->depth - 1];

    if (parent->n == parent->cap) {
        cap = parent->cap ? parent->cap * 2 : 4;

        items = realloc(parent->items, cap * sizeof(void *));
        if (items == NULL) {
            goto failed;
        }

        parent->items = items;

        if (parent->type == NGX_WS_GUARD_SCHEMA_OBJECT) {
            keys = realloc(parent->keys, cap * sizeof(void *));
            if (keys == NULL) {
                goto failed;
            }

            parent->keys = keys;

            klens = realloc(parent->klens, cap * sizeof(size_t));
            if (klens == NULL) {
                goto failed;
            }

            parent->klens = klens;
        }

        parent->cap = cap;
    }

    if (parent->type == NGX_WS_GUARD_SCHEMA_OBJECT) {
        parent->keys[parent->n] = ctx->key;
        parent->klens[parent->n] = ctx->klen;
        ctx->key = NULL;
    }

    parent->items[parent->n++] = v;

    return 1;

failed:

    ctx->error = "out of memory";
    ngx_ws_guard_schema_json_free(v);

    return 0;
}


static int
ngx_ws_guard_schema_json_text(void *data, unsigned type,
    const unsigned char *p, size_t len)
{
    ngx_ws_guard_schema_json_ctx_t  *ctx = data;

    ngx_ws_guard_schema_json_t  *v;

    v = ngx_ws_guard_schema_json_new(ctx, type);
    if (v == NULL) {
        return 0;
    }

    v->str = malloc(len + 1);
    if (v->str == NULL) {
        free(v);
        ctx->error = "out of memory";
        return 0;
    }

    memcpy(v->str, p, len);
    v->str[len] = '\0';
    v->len = len;

    return ngx_ws_guard_schema_json_add(ctx, v);
}


static int
ngx_ws_guard_schema_json_null(void *data)
{
    ngx_ws_guard_schema_json_t  *v;

    v = ngx_ws_guard_schema_json_new(data, NGX_WS_GUARD_SCHEMA_NULL);
    if (v == NULL) {
        return 0;
    }

    return ngx_ws_guard_schema_json_add(data, v);
}


static int
ngx_ws_guard_schema_json_boolean(void *data, int b)
{
    ngx_ws_guard_schema_json_t  *v;

    v = ngx_ws_guard_schema_json_new(data, NGX_WS_GUARD_SCHEMA_BOOLEAN);
    if (v == NULL) {
        return 0;
    }

    v->boolean = b ? 1 : 0;

    return ngx_ws_guard_schema_json_add(data, v);
}


static int
ngx_ws_guard_schema_json_number(void *data, const char *p, size_t len)
{
    return ngx_ws_guard_schema_json_text(data, NGX_WS_GUARD_SCHEMA_NUMBER,
                                         (const unsigned char *) p, len);
}


static int
ngx_ws_guard_schema_json_string(void *data, const unsigned char *p,
    size_t len)
{
    return ngx_ws_guard_schema_json_text(data, NGX_WS_GUARD_SCHEMA_STRING,
                                         p, len);
}


static int
ngx_ws_guard_schema_json_start_map(void *data)
{
    ngx_ws_guard_schema_json_ctx_t  *ctx = data;

    ngx_ws_guard_schema_json_t  *v;

    if (ctx->depth >= ctx->max_depth) {
        ctx->error = "JSON nested too deeply";
        return 0;
    }

    v = ngx_ws_guard_schema_json_new(ctx, NGX_WS_GUARD_SCHEMA_OBJECT);
    if (v == NULL || !ngx_ws_guard_schema_json_add(ctx, v)) {
        return 0;
    }

    ctx->stack[ctx->depth++] = v;

    return 1;
}


static int
ngx_ws_guard_schema_json_map_key(void *data, const unsigned char *p,
    size_t len)
{
    ngx_ws_guard_schema_json_ctx_t  *ctx = data;

    free(ctx->key);

    ctx->key = malloc(len + 1);
    if (ctx->key == NULL) {
        ctx->error = "out of memory";
        return 0;
    }

    memcpy(ctx->key, p, len);
    ctx->key[len] = '\0';
    ctx->klen = len;

    return 1;
}


static int
ngx_ws_guard_schema_json_start_array(void *data)
{
    ngx_ws_guard_schema_json_ctx_t  *ctx = data;

    ngx_ws_guard_schema_json_t  *v;

    if (ctx->depth >= ctx->max_depth) {
        ctx->error = "JSON nested too deeply";
        return 0;
    }

    v = ngx_ws_guard_schema_json_new(ctx, NGX_WS_GUARD_SCHEMA_ARRAY);
    if (v == NULL || !ngx_ws_guard_schema_json_add(ctx, v)) {
        return 0;
    }

    ctx->stack[ctx->depth++] = v;

    return 1;
}


static int
ngx_ws_guard_schema_json_end(void *data)
{
    ngx_ws_guard_schema_json_ctx_t  *ctx = data;

    ctx->depth--;

    return 1;
}


/* pool */

void *
ngx_ws_guard_schema_palloc(ngx_ws_guard_schema_pool_t *pool, size_t size)
{
    size_t                        hdr, bsize;
    unsigned char                *p;
    ngx_ws_guard_schema_block_t  *b;

    hdr = NGX_WS_GUARD_SCHEMA_ALIGN(sizeof(ngx_ws_guard_schema_block_t));

    if (size > ((size_t) -1) / 2) {
        return NULL;
    }

    size = NGX_WS_GUARD_SCHEMA_ALIGN(size ? size : 1);

    b = pool->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = size + hdr > NGX_WS_GUARD_SCHEMA_BLOCK
                ? size + hdr : NGX_WS_GUARD_SCHEMA_BLOCK;

        b = calloc(1, bsize);
        if (b == NULL) {
            return NULL;
        }

        b->size = bsize;
        b->used = hdr;
        b->next = pool->blocks;
        pool->blocks = b;
    }

    p = (unsigned char *) b + b->used;
    b->used += size;

    return p;
}


void
ngx_ws_guard_schema_pool_free(ngx_ws_guard_schema_pool_t *pool)
{
    ngx_ws_guard_schema_code_t   *c;
    ngx_ws_guard_schema_block_t  *b, *next;

    for (c = pool->codes; c; c = c->next) {
        pcre2_code_free(c->re);
    }

    for (b = pool->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    pool->codes = NULL;
    pool->blocks = NULL;
}
