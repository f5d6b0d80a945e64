
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Internals of the schema validator, shared by its compiler
 * (ngx_ws_guard_schema_compile.c), its values (numbers, hashes, the JSON
 * tree of a schema: ngx_ws_guard_schema_value.c) and the streaming
 * validator (ngx_ws_guard_schema.c).
 */


#ifndef _NGX_WS_GUARD_SCHEMA_INT_H_INCLUDED_
#define _NGX_WS_GUARD_SCHEMA_INT_H_INCLUDED_


#define PCRE2_CODE_UNIT_WIDTH  8

#include <string.h>
#include <pcre2.h>

#include "ngx_ws_guard_schema.h"


/* value types; also the bits of a type mask */
#define NGX_WS_GUARD_SCHEMA_NULL         0x01
#define NGX_WS_GUARD_SCHEMA_BOOLEAN      0x02
#define NGX_WS_GUARD_SCHEMA_OBJECT       0x04
#define NGX_WS_GUARD_SCHEMA_ARRAY        0x08
#define NGX_WS_GUARD_SCHEMA_NUMBER       0x10
#define NGX_WS_GUARD_SCHEMA_STRING       0x20
#define NGX_WS_GUARD_SCHEMA_INTEGER      0x40     /* type masks only */

#define NGX_WS_GUARD_SCHEMA_CONTAINER                                         \
    (NGX_WS_GUARD_SCHEMA_OBJECT|NGX_WS_GUARD_SCHEMA_ARRAY)


/* node flags */
#define NGX_WS_GUARD_SCHEMA_N_FALSE      0x0001   /* the false schema */
#define NGX_WS_GUARD_SCHEMA_N_TRUE       0x0002   /* can never fail */
#define NGX_WS_GUARD_SCHEMA_N_CONST      0x0004
#define NGX_WS_GUARD_SCHEMA_N_ENUM       0x0008
#define NGX_WS_GUARD_SCHEMA_N_MINIMUM    0x0010
#define NGX_WS_GUARD_SCHEMA_N_MAXIMUM    0x0020
#define NGX_WS_GUARD_SCHEMA_N_XMINIMUM   0x0040
#define NGX_WS_GUARD_SCHEMA_N_XMAXIMUM   0x0080
#define NGX_WS_GUARD_SCHEMA_N_MULTIPLE   0x0100
#define NGX_WS_GUARD_SCHEMA_N_UNIQUE     0x0200
#define NGX_WS_GUARD_SCHEMA_N_MINCONT    0x0400   /* minContains given */
#define NGX_WS_GUARD_SCHEMA_N_HASH       0x0800   /* const/enum container */
#define NGX_WS_GUARD_SCHEMA_N_STRING     0x1000   /* string assertions */
#define NGX_WS_GUARD_SCHEMA_N_NUMBER     0x2000   /* number assertions */
#define NGX_WS_GUARD_SCHEMA_N_INPLACE    0x4000   /* allOf .. if: frames */

/* what ngx_ws_guard_schema_check_start() asserts, with a node's types */
#define NGX_WS_GUARD_SCHEMA_N_STARTS                                        \
    (NGX_WS_GUARD_SCHEMA_N_FALSE|NGX_WS_GUARD_SCHEMA_N_CONST                 \
     |NGX_WS_GUARD_SCHEMA_N_ENUM|NGX_WS_GUARD_SCHEMA_N_NUMBER                \
     |NGX_WS_GUARD_SCHEMA_N_STRING)

#define NGX_WS_GUARD_SCHEMA_NUMERIC                                           \
    (NGX_WS_GUARD_SCHEMA_N_MINIMUM|NGX_WS_GUARD_SCHEMA_N_MAXIMUM              \
     |NGX_WS_GUARD_SCHEMA_N_XMINIMUM|NGX_WS_GUARD_SCHEMA_N_XMAXIMUM           \
     |NGX_WS_GUARD_SCHEMA_N_MULTIPLE)

/* "none" for size_t maxima */
#define NGX_WS_GUARD_SCHEMA_UNSET        ((size_t) -1)


/* keywords named in reasons */
enum {
    NGX_WS_GUARD_SCHEMA_KW_FALSE = 0,
    NGX_WS_GUARD_SCHEMA_KW_TYPE,
    NGX_WS_GUARD_SCHEMA_KW_ENUM,
    NGX_WS_GUARD_SCHEMA_KW_CONST,
    NGX_WS_GUARD_SCHEMA_KW_MINIMUM,
    NGX_WS_GUARD_SCHEMA_KW_MAXIMUM,
    NGX_WS_GUARD_SCHEMA_KW_XMINIMUM,
    NGX_WS_GUARD_SCHEMA_KW_XMAXIMUM,
    NGX_WS_GUARD_SCHEMA_KW_MULTIPLE,
    NGX_WS_GUARD_SCHEMA_KW_MINLENGTH,
    NGX_WS_GUARD_SCHEMA_KW_MAXLENGTH,
    NGX_WS_GUARD_SCHEMA_KW_PATTERN,
    NGX_WS_GUARD_SCHEMA_KW_MINITEMS,
    NGX_WS_GUARD_SCHEMA_KW_MAXITEMS,
    NGX_WS_GUARD_SCHEMA_KW_UNIQUE,
    NGX_WS_GUARD_SCHEMA_KW_CONTAINS,
    NGX_WS_GUARD_SCHEMA_KW_MINCONTAINS,
    NGX_WS_GUARD_SCHEMA_KW_MAXCONTAINS,
    NGX_WS_GUARD_SCHEMA_KW_MINPROPS,
    NGX_WS_GUARD_SCHEMA_KW_MAXPROPS,
    NGX_WS_GUARD_SCHEMA_KW_REQUIRED,
    NGX_WS_GUARD_SCHEMA_KW_DEPREQ,
    NGX_WS_GUARD_SCHEMA_KW_PROPNAMES,
    NGX_WS_GUARD_SCHEMA_KW_PROPERTIES,
    NGX_WS_GUARD_SCHEMA_KW_PATTERNPROPS,
    NGX_WS_GUARD_SCHEMA_KW_ADDITIONAL,
    NGX_WS_GUARD_SCHEMA_KW_ITEMS,
    NGX_WS_GUARD_SCHEMA_KW_PREFIXITEMS,
    NGX_WS_GUARD_SCHEMA_KW_ANYOF,
    NGX_WS_GUARD_SCHEMA_KW_ONEOF,
    NGX_WS_GUARD_SCHEMA_KW_NOT,
    NGX_WS_GUARD_SCHEMA_KW_THEN,
    NGX_WS_GUARD_SCHEMA_KW_ELSE,
    NGX_WS_GUARD_SCHEMA_KW_PASS         /* no keyword failed */
};


/*
 * An exact decimal: the digits of a JSON number's text as they are, seen
 * through its significant digits d1..dn (no leading or trailing zeros):
 * value = (neg ? -1 : 1) * 0.d1d2...dn * 10^exp.  Digit j (0-based) is the
 * (lead + j)th digit of the integer digits followed by the fraction digits.
 */
typedef struct {
    const unsigned char      *ip;           /* integer digits */
    const unsigned char      *fp;           /* fraction digits */
    size_t                    ilen;
    size_t                    flen;
    size_t                    lead;
    size_t                    n;
    int64_t                   exp;
    unsigned                  neg:1;
    unsigned                  zero:1;
} ngx_ws_guard_schema_num_t;


typedef struct {
    uint64_t                  lo;
    uint64_t                  hi;
} ngx_ws_guard_schema_hash_t;


/* SipHash-2-4 with 128-bit output, fed incrementally */
typedef struct {
    uint64_t                  v0;
    uint64_t                  v1;
    uint64_t                  v2;
    uint64_t                  v3;
    uint64_t                  m;            /* total % 8 pending bytes */
    uint64_t                  total;
} ngx_ws_guard_schema_sip_t;


/* the JSON tree of a schema document or of a constant */
typedef struct ngx_ws_guard_schema_json_s  ngx_ws_guard_schema_json_t;

struct ngx_ws_guard_schema_json_s {
    unsigned                      type;
    unsigned                      boolean;
    unsigned char                *str;      /* string, number text; NUL */
    size_t                        len;
    ngx_ws_guard_schema_json_t  **items;    /* elements, member values */
    unsigned char               **keys;     /* member names; NUL */
    size_t                       *klens;
    size_t                        n;
    size_t                        cap;
};


/* a constant of the schema: const, an enum member, a rule's value */
typedef struct {
    unsigned                      type;
    unsigned                      boolean;
    const unsigned char          *str;
    size_t                        len;
    ngx_ws_guard_schema_num_t     num;
    ngx_ws_guard_schema_hash_t    hash;     /* objects and arrays */
} ngx_ws_guard_schema_const_t;


typedef struct ngx_ws_guard_schema_node_s  ngx_ws_guard_schema_node_t;


/*
 * A member name the node knows: a property, a required or dependent name.
 * head holds its first 8 bytes (fewer, zero-padded, when it is shorter) as
 * a big-endian number, so that among names of one length comparing heads
 * orders them as comparing their first bytes would
 * (ngx_ws_guard_schema_name_head()).
 */
typedef struct {
    const unsigned char          *name;
    size_t                        len;
    uint64_t                      head;
    ngx_ws_guard_schema_node_t   *schema;   /* properties[name] or NULL */
    uint32_t                      bit;      /* presence bit or NONE */
} ngx_ws_guard_schema_name_t;

#define NGX_WS_GUARD_SCHEMA_NONE  ((uint32_t) -1)


/* dependentRequired: if the trigger is present, so must all bits be */
typedef struct {
    uint32_t                      trigger;
    uint32_t                     *bits;
    size_t                        n;
} ngx_ws_guard_schema_dep_t;


/*
 * A pattern.  One that is a sequence of ASCII classes, each repeated,
 * anchored at both ends and matched greedily without going back (such as
 * ^[a-z][a-z0-9_-]{0,31}$, see ngx_ws_guard_schema_simple()) is also kept
 * as its items and matched by them; PCRE2 decides the rest, and the strings
 * with bytes beyond ASCII.
 */

#define NGX_WS_GUARD_SCHEMA_SIMPLE_MAX   16
#define NGX_WS_GUARD_SCHEMA_SIMPLE_INF   0xffffffff

typedef struct {
    uint64_t                      set[2];   /* the ASCII bytes it takes */
    uint32_t                      min;
    uint32_t                      max;
} ngx_ws_guard_schema_item_t;


typedef struct {
    pcre2_code                   *re;
    ngx_ws_guard_schema_item_t   *items;    /* NULL: PCRE2 only */
    size_t                        nitems;
} ngx_ws_guard_schema_re_t;


typedef struct {
    ngx_ws_guard_schema_re_t     *re;
    ngx_ws_guard_schema_node_t   *schema;
} ngx_ws_guard_schema_pattern_t;


struct ngx_ws_guard_schema_node_s {
    unsigned                      flags;    /* NGX_WS_GUARD_SCHEMA_N_* */
    unsigned                      types;    /* type mask, 0: any */

    ngx_ws_guard_schema_const_t  *konst;
    ngx_ws_guard_schema_const_t  *enums;
    size_t                        nenums;

    ngx_ws_guard_schema_num_t     minimum;
    ngx_ws_guard_schema_num_t     maximum;
    ngx_ws_guard_schema_num_t     xminimum;
    ngx_ws_guard_schema_num_t     xmaximum;
    ngx_ws_guard_schema_num_t     multiple;

    size_t                        min_length;
    size_t                        max_length;
    ngx_ws_guard_schema_re_t     *pattern;

    size_t                        min_items;
    size_t                        max_items;
    size_t                        min_contains;
    size_t                        max_contains;
    size_t                        min_props;
    size_t                        max_props;

    /* sorted by name; required names have the bits 0 .. nrequired - 1 */
    ngx_ws_guard_schema_name_t   *names;
    size_t                        nnames;
    size_t                        nrequired;
    size_t                        nbits;
    ngx_ws_guard_schema_dep_t    *deps;
    size_t                        ndeps;

    ngx_ws_guard_schema_pattern_t  *patterns;
    size_t                        npatterns;
    ngx_ws_guard_schema_node_t   *additional;
    ngx_ws_guard_schema_node_t   *propnames;

    ngx_ws_guard_schema_node_t  **prefix;
    size_t                        nprefix;
    ngx_ws_guard_schema_node_t   *items;
    ngx_ws_guard_schema_node_t   *contains;

    /* applied to the same value */
    ngx_ws_guard_schema_node_t  **allof;
    size_t                        nallof;
    ngx_ws_guard_schema_node_t  **anyof;
    size_t                        nanyof;
    ngx_ws_guard_schema_node_t  **oneof;
    size_t                        noneof;
    ngx_ws_guard_schema_node_t   *not;
    ngx_ws_guard_schema_node_t   *if_;
    ngx_ws_guard_schema_node_t   *then_;
    ngx_ws_guard_schema_node_t   *else_;
    ngx_ws_guard_schema_node_t   *ref;

    /* compilation only */
    const char                   *location;
    unsigned                      mark;
    size_t                        expansion;
};


/* the compile-time arena: blocks freed together */
typedef struct ngx_ws_guard_schema_block_s  ngx_ws_guard_schema_block_t;

struct ngx_ws_guard_schema_block_s {
    ngx_ws_guard_schema_block_t  *next;
    size_t                        size;
    size_t                        used;
};

typedef struct ngx_ws_guard_schema_code_s  ngx_ws_guard_schema_code_t;

struct ngx_ws_guard_schema_code_s {
    ngx_ws_guard_schema_code_t   *next;
    pcre2_code                   *re;
};


typedef struct {
    ngx_ws_guard_schema_block_t  *blocks;
    ngx_ws_guard_schema_code_t   *codes;
} ngx_ws_guard_schema_pool_t;


struct ngx_ws_guard_schema_s {
    ngx_ws_guard_schema_pool_t    pool;
    ngx_ws_guard_schema_node_t   *root;
    uint32_t                      match_limit;
};


/* a rule: pointer tokens, the array index each would select, the value */
typedef struct {
    const unsigned char         **tokens;
    size_t                       *lens;
    size_t                       *indexes;  /* NGX_WS_GUARD_SCHEMA_UNSET */
    size_t                        ntokens;
    ngx_ws_guard_schema_const_t   value;
} ngx_ws_guard_schema_prule_t;


struct ngx_ws_guard_schema_rules_s {
    ngx_ws_guard_schema_pool_t    pool;
    ngx_ws_guard_schema_prule_t  *rules;
    size_t                        n;
    size_t                        max_tokens;
};


/* values */

void ngx_ws_guard_schema_num_parse(ngx_ws_guard_schema_num_t *n,
    const unsigned char *p, size_t len);
int ngx_ws_guard_schema_num_cmp(const ngx_ws_guard_schema_num_t *a,
    const ngx_ws_guard_schema_num_t *b);
int ngx_ws_guard_schema_num_integer(const ngx_ws_guard_schema_num_t *n);
int ngx_ws_guard_schema_num_multiple(const ngx_ws_guard_schema_num_t *v,
    const ngx_ws_guard_schema_num_t *m);
size_t ngx_ws_guard_schema_num_size(const ngx_ws_guard_schema_num_t *n);

void ngx_ws_guard_schema_key_init(void);
void ngx_ws_guard_schema_sip_init(ngx_ws_guard_schema_sip_t *s);
void ngx_ws_guard_schema_sip_update(ngx_ws_guard_schema_sip_t *s,
    const unsigned char *p, size_t len);
void ngx_ws_guard_schema_sip_u64(ngx_ws_guard_schema_sip_t *s, uint64_t w);
void ngx_ws_guard_schema_sip_final(ngx_ws_guard_schema_sip_t *s,
    ngx_ws_guard_schema_hash_t *h);

void ngx_ws_guard_schema_hash_scalar(unsigned type, unsigned boolean,
    const unsigned char *p, size_t len, const ngx_ws_guard_schema_num_t *num,
    ngx_ws_guard_schema_hash_t *h);
void ngx_ws_guard_schema_hash_member(const ngx_ws_guard_schema_hash_t *key,
    const ngx_ws_guard_schema_hash_t *value, ngx_ws_guard_schema_hash_t *sum);
void ngx_ws_guard_schema_hash_object(const ngx_ws_guard_schema_hash_t *sum,
    size_t n, ngx_ws_guard_schema_hash_t *h);
void ngx_ws_guard_schema_hash_array_init(ngx_ws_guard_schema_sip_t *s);
void ngx_ws_guard_schema_hash_array_add(ngx_ws_guard_schema_sip_t *s,
    const ngx_ws_guard_schema_hash_t *h);

int ngx_ws_guard_schema_const_eq(const ngx_ws_guard_schema_const_t *c,
    unsigned type, unsigned boolean, const unsigned char *p, size_t len,
    const ngx_ws_guard_schema_num_t *num);

/* the JSON tree: NULL with a message in err */
ngx_ws_guard_schema_json_t *ngx_ws_guard_schema_json_parse(
    const unsigned char *text, size_t len, size_t max_depth, char *err,
    size_t errlen);
void ngx_ws_guard_schema_json_free(ngx_ws_guard_schema_json_t *v);

/* pool */

void *ngx_ws_guard_schema_palloc(ngx_ws_guard_schema_pool_t *pool,
    size_t size);
void ngx_ws_guard_schema_pool_free(ngx_ws_guard_schema_pool_t *pool);
int ngx_ws_guard_schema_const_set(ngx_ws_guard_schema_pool_t *pool,
    ngx_ws_guard_schema_const_t *c, const ngx_ws_guard_schema_json_t *v);


/*
 * the head of a name of len bytes at p (ngx_ws_guard_schema_name_t): from 4
 * bytes on, two loads of 4 bytes or one of 8
 */

static inline uint64_t
ngx_ws_guard_schema_name_head(const unsigned char *p, size_t len)
{
    size_t    i;
    uint32_t  a, b;
    uint64_t  h;

    if (len >= 8) {
        memcpy(&h, p, 8);
        return __builtin_bswap64(h);
    }

    if (len >= 4) {
        memcpy(&a, p, 4);
        memcpy(&b, p + len - 4, 4);

        return ((uint64_t) __builtin_bswap32(a) << 32)
               | ((uint64_t) __builtin_bswap32(b) << (8 * (8 - len)));
    }

    h = 0;

    for (i = 0; i < len; i++) {
        h |= (uint64_t) p[i] << (56 - 8 * i);
    }

    return h;
}


#endif /* _NGX_WS_GUARD_SCHEMA_INT_H_INCLUDED_ */
