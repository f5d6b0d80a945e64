
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The streaming validator.
 *
 * Bytes go through the streaming JSON parser (ngx_ws_guard_json.c) in one
 * pass: a token longer than max_string is refused at its (max_string + 1)th
 * byte, before any of it is copied, and a token split across chunks goes on
 * from where it stopped, never lexed twice.
 *
 * The parser's events drive a stack of evaluation frames.  A frame is one
 * schema node applied to one value; the frames of the value at nesting level
 * L are contiguous on the stack, pushed when the value begins and popped
 * when it ends, so memory follows the nesting depth, never the message
 * size.  The frames of a value are its applicator subschemas' (properties,
 * items, contains, ...: made from the frames of the parent value when a key
 * or an element begins) and, recursively, their in-place subschemas' (allOf,
 * anyOf, oneOf, not, if/then/else, $ref), which run side by side on the same
 * events.  A frame reports its result to its parent frame: a failure as soon
 * as it is known (so most violations are found at the byte that makes them
 * certain), a success when its value ends.  The message fails when the root
 * frame fails; frames whose result no longer matters are marked dead and
 * start no children.
 *
 * Values that must be compared whole (enum and const of objects and
 * arrays, uniqueItems, rule values) are hashed as they stream (see
 * ngx_ws_guard_schema.h).  uniqueItems keeps one 16-byte hash per element
 * of the array being checked: the only memory that grows with a message,
 * bounded by the budget.
 *
 * The pointer rules (ngx_ws_guard_schema_rules_t) follow the same events:
 * each level keeps the set of rules whose pointer matches the path so far,
 * and a rule matches when a value at the end of its pointer equals its
 * value.
 */


#include <stdio.h>
#include <stdlib.h>

#if defined __SSE2__
#include <emmintrin.h>
#endif

#include "ngx_ws_guard_json.h"
#include "ngx_ws_guard_schema_int.h"


/* bytes of a member name kept for reasons */
#define NGX_WS_GUARD_SCHEMA_KEYSEG      32

/* the accounting header of every allocation of a state */
#define NGX_WS_GUARD_SCHEMA_HDR         16

#define NGX_WS_GUARD_SCHEMA_MAX_FRAMES  ((uint32_t) 1 << 30)

/* member names of the root object remembered with what they did, by place */
#define NGX_WS_GUARD_SCHEMA_KCACHE      16
#define NGX_WS_GUARD_SCHEMA_KACTIONS    6

/* the most frames of a root value kept for the next message */
#define NGX_WS_GUARD_SCHEMA_ROOT_KEEP   8

/* uniqueItems tables bigger than this are not kept for the next message */
#define NGX_WS_GUARD_SCHEMA_SET_KEEP    256

/* how a frame's result reaches its parent */
#define NGX_WS_GUARD_SCHEMA_S_ROOT         0
#define NGX_WS_GUARD_SCHEMA_S_ALLOF        1
#define NGX_WS_GUARD_SCHEMA_S_REF          2
#define NGX_WS_GUARD_SCHEMA_S_IF           3
#define NGX_WS_GUARD_SCHEMA_S_THEN         4
#define NGX_WS_GUARD_SCHEMA_S_ELSE         5
#define NGX_WS_GUARD_SCHEMA_S_PROPERTY     6
#define NGX_WS_GUARD_SCHEMA_S_PATTERN      7
#define NGX_WS_GUARD_SCHEMA_S_ADDITIONAL   8
#define NGX_WS_GUARD_SCHEMA_S_PREFIX       9
#define NGX_WS_GUARD_SCHEMA_S_ITEMS        10
#define NGX_WS_GUARD_SCHEMA_S_PROPNAMES    11
/* the slots from here on need a frame even for a schema that cannot fail */
#define NGX_WS_GUARD_SCHEMA_S_ANYOF        12
#define NGX_WS_GUARD_SCHEMA_S_ONEOF        13
#define NGX_WS_GUARD_SCHEMA_S_NOT          14
#define NGX_WS_GUARD_SCHEMA_S_CONTAINS     15

/* the slots whose parent waits for the result (ngx_ws_guard_schema_pass()) */
#define NGX_WS_GUARD_SCHEMA_S_WAITED                                         \
    ((1u << NGX_WS_GUARD_SCHEMA_S_IF) | (1u << NGX_WS_GUARD_SCHEMA_S_THEN)    \
     | (1u << NGX_WS_GUARD_SCHEMA_S_ELSE)                                    \
     | (1u << NGX_WS_GUARD_SCHEMA_S_ANYOF)                                   \
     | (1u << NGX_WS_GUARD_SCHEMA_S_ONEOF)                                   \
     | (1u << NGX_WS_GUARD_SCHEMA_S_NOT)                                     \
     | (1u << NGX_WS_GUARD_SCHEMA_S_CONTAINS))

/* results of if, then, else */
#define NGX_WS_GUARD_SCHEMA_R_PENDING      0
#define NGX_WS_GUARD_SCHEMA_R_OK           1
#define NGX_WS_GUARD_SCHEMA_R_FAIL         2

#define NGX_WS_GUARD_SCHEMA_ROOT_PARENT    ((uint32_t) -1)

/* a subschema that cannot fail adds nothing where only failures count */
#define ngx_ws_guard_schema_idle(node, slot)                                 \
    (((node)->flags & NGX_WS_GUARD_SCHEMA_N_TRUE)                            \
     && (slot) < NGX_WS_GUARD_SCHEMA_S_ANYOF)

/* a node with no assertion on a value's start */
#define ngx_ws_guard_schema_no_start(node)                                   \
    ((node)->types == 0 && !((node)->flags & NGX_WS_GUARD_SCHEMA_N_STARTS))


typedef struct {
    const ngx_ws_guard_schema_node_t  *node;
    uint32_t                           parent;
    uint32_t                           level;
    uint32_t                           aux;       /* presence bits */
    uint32_t                           any_ok;
    uint32_t                           any_fail;
    uint32_t                           one_ok;
    uint32_t                           one_fail;
    size_t                             contains;
    unsigned char                      slot;
    unsigned char                      dead;
    unsigned char                      if_res;
    unsigned char                      then_res;
    unsigned char                      else_res;
} ngx_ws_guard_schema_frame_t;


typedef struct {
    uint32_t                           first;     /* frames of this value */
    uint32_t                           end;
    uint32_t                           aux;
    unsigned char                      type;      /* container, while open */
    unsigned char                      hash;      /* hash this value */
    unsigned char                      unique;    /* hash its elements */
    unsigned char                      pending;   /* key read, no value */
    unsigned char                      keylen;
    unsigned char                      keytrunc;
    unsigned char                      names;     /* a propertyNames here */
    size_t                             count;     /* members, elements */
    ngx_ws_guard_schema_sip_t          sip;       /* array hash */
    ngx_ws_guard_schema_hash_t         sum;       /* object hash */
    ngx_ws_guard_schema_hash_t         key;       /* current member name */
    ngx_ws_guard_schema_hash_t         value;     /* the finished hash */
    ngx_ws_guard_schema_hash_t        *set;       /* element hashes */
    size_t                             set_cap;
    size_t                             set_n;
} ngx_ws_guard_schema_level_t;


/*
 * A subschema that a member's or an element's value is to be checked
 * against, asked for when its name is read or the element begins
 * (ngx_ws_guard_schema_member(), ngx_ws_guard_schema_element()) and given a
 * frame only when the value needs one (ngx_ws_guard_schema_requests())
 */
typedef struct {
    const ngx_ws_guard_schema_node_t  *node;
    uint32_t                           parent;    /* its parent frame */
    uint32_t                           slot;
} ngx_ws_guard_schema_req_t;


/*
 * What a member name of the root object did to the root's frames, which
 * are the same for every message (ngx_ws_guard_schema_member()): each
 * action applies to frame fi unless it is dead by then
 */

#define NGX_WS_GUARD_SCHEMA_A_BIT       1     /* set presence bit arg */
#define NGX_WS_GUARD_SCHEMA_A_REQUEST   2     /* request node, slot arg */

typedef struct {
    const ngx_ws_guard_schema_node_t  *node;
    uint32_t                           fi;
    uint16_t                           arg;
    uint16_t                           type;
} ngx_ws_guard_schema_action_t;


typedef struct {
    uint64_t                           head;
    uint32_t                           len;
    uint32_t                           n;
    uint32_t                           used;
    unsigned char                      key[NGX_WS_GUARD_SCHEMA_KEYSEG];
    ngx_ws_guard_schema_action_t       act[NGX_WS_GUARD_SCHEMA_KACTIONS];
} ngx_ws_guard_schema_kentry_t;


/* a scalar, or the start of a container */
typedef struct {
    unsigned                           type;
    unsigned                           boolean;
    const unsigned char               *p;
    size_t                             len;
    ngx_ws_guard_schema_num_t          num;
    size_t                             cps;       /* code points, or UNSET */
    unsigned                           escaped;   /* p, len: as sent */
} ngx_ws_guard_schema_value_t;


struct ngx_ws_guard_schema_state_s {
    const ngx_ws_guard_schema_t        *schema;
    const ngx_ws_guard_schema_rules_t  *rules;
    size_t                              max_depth;
    size_t                              max_string;
    size_t                              max_keys;
    unsigned                            utf8_checked;

    ngx_ws_guard_schema_allocator_t     allocator;
    size_t                              budget;
    size_t                              reserve;   /* the parser's */
    size_t                              used;
    size_t                              used_reserved;
    size_t                              peak;
    unsigned                            over;

    ngx_ws_guard_json_t                 json;
    unsigned                            json_ready;

    pcre2_general_context              *pcre_gctx;
    pcre2_match_context                *pcre_mctx;
    pcre2_match_data                   *pcre_md;

    /* the message */
    unsigned                            big_sets;
    unsigned                            failed;
    unsigned                            finished;
    unsigned                            root_seen;
    unsigned                            root_done;
    int                                 code;
    size_t                              top;       /* open containers */

    ngx_ws_guard_schema_level_t        *levels;
    unsigned char                      *keys;
    ngx_ws_guard_schema_frame_t        *frames;
    uint32_t                            nframes;
    uint32_t                            cframes;
    uint64_t                           *aux;
    uint32_t                            naux;
    uint32_t                            caux;

    ngx_ws_guard_schema_req_t          *reqs;      /* of the next value */
    uint32_t                            nreqs;
    uint32_t                            creqs;

    size_t                              words;     /* rule bitsets */
    uint64_t                           *alive;
    uint64_t                           *matched;

    /*
     * the frames every message's root value begins with, as pushed for
     * the first: the later ones copy them (root_n 0: not kept, too many)
     */
    ngx_ws_guard_schema_frame_t         root[NGX_WS_GUARD_SCHEMA_ROOT_KEEP];
    uint32_t                            root_n;
    uint32_t                            root_naux;

    ngx_ws_guard_schema_kentry_t        kcache[NGX_WS_GUARD_SCHEMA_KCACHE];

    char                                reason[NGX_WS_GUARD_SCHEMA_REASON_MAX
                                               + 1];
};


static void *ngx_ws_guard_schema_default_alloc(void *data, size_t size);
static void ngx_ws_guard_schema_default_free(void *data, void *p);
static void *ngx_ws_guard_schema_alloc(ngx_ws_guard_schema_state_t *st,
    size_t size);
static void ngx_ws_guard_schema_free_mem(ngx_ws_guard_schema_state_t *st,
    void *p);
static void *ngx_ws_guard_schema_res_malloc(void *ctx, size_t size);
static void ngx_ws_guard_schema_res_free(void *ctx, void *p);
static void *ngx_ws_guard_schema_pcre_malloc(PCRE2_SIZE size, void *data);
static void ngx_ws_guard_schema_pcre_free(void *p, void *data);

static int ngx_ws_guard_schema_json_error(ngx_ws_guard_schema_state_t *st,
    int rc);

static void ngx_ws_guard_schema_set_error(ngx_ws_guard_schema_state_t *st,
    int code, size_t level, unsigned next, const char *what,
    const char *detail);
static size_t ngx_ws_guard_schema_pointer(ngx_ws_guard_schema_state_t *st,
    size_t level, unsigned next, char *buf, size_t room, char **start);
static size_t ngx_ws_guard_schema_sanitize(const unsigned char *p,
    size_t len, char *out);
static void ngx_ws_guard_schema_limit(ngx_ws_guard_schema_state_t *st,
    const char *what);

static int ngx_ws_guard_schema_null(void *ctx);
static int ngx_ws_guard_schema_boolean(void *ctx, int b);
static int ngx_ws_guard_schema_number(void *ctx, const unsigned char *p,
    size_t len);
static int ngx_ws_guard_schema_string(void *ctx, const unsigned char *p,
    size_t len, size_t cps, unsigned escaped);
static int ngx_ws_guard_schema_bytes(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v);
static int ngx_ws_guard_schema_start_map(void *ctx);
static int ngx_ws_guard_schema_map_key(void *ctx, const unsigned char *p,
    size_t len);
static int ngx_ws_guard_schema_start_array(void *ctx);
static int ngx_ws_guard_schema_end_container(void *ctx);

static int ngx_ws_guard_schema_scalar(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v);
static int ngx_ws_guard_schema_open(ngx_ws_guard_schema_state_t *st,
    unsigned type);
static int ngx_ws_guard_schema_begin(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v);
static int ngx_ws_guard_schema_element(ngx_ws_guard_schema_state_t *st,
    size_t parent);
static int ngx_ws_guard_schema_member(ngx_ws_guard_schema_state_t *st,
    const unsigned char *key, size_t len);
static void ngx_ws_guard_schema_act(ngx_ws_guard_schema_action_t *act,
    size_t *na, unsigned *keep, const ngx_ws_guard_schema_node_t *node,
    uint32_t fi, uint32_t arg, uint32_t type);
static int ngx_ws_guard_schema_replay(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_kentry_t *ke);
static int ngx_ws_guard_schema_names(ngx_ws_guard_schema_state_t *st,
    size_t parent, const unsigned char *key, size_t len);
static void ngx_ws_guard_schema_end(ngx_ws_guard_schema_state_t *st,
    size_t level, ngx_ws_guard_schema_value_t *v);
static void ngx_ws_guard_schema_unique(ngx_ws_guard_schema_state_t *st,
    size_t level, ngx_ws_guard_schema_hash_t *h);

static inline int ngx_ws_guard_schema_request(
    ngx_ws_guard_schema_state_t *st, const ngx_ws_guard_schema_node_t *node,
    uint32_t parent, unsigned slot);
static void *ngx_ws_guard_schema_double(ngx_ws_guard_schema_state_t *st,
    void *items, uint32_t *cap, uint32_t n, size_t size);
static int ngx_ws_guard_schema_starts(ngx_ws_guard_schema_state_t *st,
    uint32_t first, uint32_t end, ngx_ws_guard_schema_value_t *v);
static int ngx_ws_guard_schema_requests(ngx_ws_guard_schema_state_t *st,
    uint32_t level, ngx_ws_guard_schema_value_t *v);
static unsigned ngx_ws_guard_schema_false_kw(unsigned slot, unsigned kw);
static int ngx_ws_guard_schema_push(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_node_t *node, uint32_t parent, unsigned slot,
    uint32_t level);
static size_t ngx_ws_guard_schema_code_points(const unsigned char *p,
    size_t len);
static void ngx_ws_guard_schema_check_start(ngx_ws_guard_schema_state_t *st,
    uint32_t fi, ngx_ws_guard_schema_value_t *v);
static unsigned ngx_ws_guard_schema_assert(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_node_t *node, ngx_ws_guard_schema_value_t *v);
static void ngx_ws_guard_schema_check_end(ngx_ws_guard_schema_state_t *st,
    uint32_t fi, ngx_ws_guard_schema_value_t *v);
static int ngx_ws_guard_schema_enum(const ngx_ws_guard_schema_node_t *node,
    ngx_ws_guard_schema_value_t *v, const ngx_ws_guard_schema_hash_t *h);
static void ngx_ws_guard_schema_fail(ngx_ws_guard_schema_state_t *st,
    uint32_t fi, uint32_t level, unsigned kw);
static void ngx_ws_guard_schema_pass(ngx_ws_guard_schema_state_t *st,
    uint32_t fi);
static int ngx_ws_guard_schema_match(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_re_t *re, const unsigned char *p, size_t len);
static int ngx_ws_guard_schema_simple_match(const ngx_ws_guard_schema_re_t *re,
    const unsigned char *p, size_t len);
static const ngx_ws_guard_schema_name_t *ngx_ws_guard_schema_lookup(
    const ngx_ws_guard_schema_node_t *node, const unsigned char *key,
    size_t len, uint64_t head);

static unsigned ngx_ws_guard_schema_ctz(uint64_t bits);
static void ngx_ws_guard_schema_rules_step(ngx_ws_guard_schema_state_t *st,
    size_t parent, const unsigned char *key, size_t len, size_t index);
static unsigned ngx_ws_guard_schema_rules_hash(
    ngx_ws_guard_schema_state_t *st, size_t level, unsigned type);
static void ngx_ws_guard_schema_rules_end(ngx_ws_guard_schema_state_t *st,
    size_t level, ngx_ws_guard_schema_value_t *v);


static const ngx_ws_guard_json_callbacks_t  ngx_ws_guard_schema_callbacks = {
    ngx_ws_guard_schema_null,
    ngx_ws_guard_schema_boolean,
    ngx_ws_guard_schema_number,
    ngx_ws_guard_schema_string,
    ngx_ws_guard_schema_start_map,
    ngx_ws_guard_schema_map_key,
    ngx_ws_guard_schema_end_container,
    ngx_ws_guard_schema_start_array,
    ngx_ws_guard_schema_end_container
};


static const char  *ngx_ws_guard_schema_keywords[] = {
    "false schema",
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "required",
    "dependentRequired",
    "propertyNames",
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
    "prefixItems",
    "anyOf",
    "oneOf",
    "not",
    "then",
    "else"
};


static void *
ngx_ws_guard_schema_default_alloc(void *data, size_t size)
{
    return malloc(size);
}


static void
ngx_ws_guard_schema_default_free(void *data, void *p)
{
    free(p);
}


/* the state */

ngx_ws_guard_schema_state_t *
ngx_ws_guard_schema_state_create(const ngx_ws_guard_schema_conf_t *conf,
    char *err, size_t errlen)
{
    size_t                            nrules, words, reserve, own, budget;
    size_t                            max_depth, max_string, max_keys;
    unsigned char                    *raw;
    ngx_ws_guard_schema_state_t      *st;
    ngx_ws_guard_schema_allocator_t   a;
    ngx_ws_guard_json_allocator_t     ja;

    if (errlen) {
        err[0] = '\0';
    }

    max_depth = conf->max_depth ? conf->max_depth
                                : NGX_WS_GUARD_SCHEMA_MAX_DEPTH;
    max_string = conf->max_string ? conf->max_string
                                  : NGX_WS_GUARD_SCHEMA_MAX_STRING;
    max_keys = conf->max_keys ? conf->max_keys : NGX_WS_GUARD_SCHEMA_MAX_KEYS;

    if (max_depth > 100000) {
        snprintf(err, errlen, "max_depth %zu is too big", max_depth);
        return NULL;
    }

    if (max_string > ((size_t) 1 << 30)) {
        snprintf(err, errlen, "max_string %zu is too big", max_string);
        return NULL;
    }

    if (conf->allocator) {
        a = *conf->allocator;

    } else {
        a.alloc = ngx_ws_guard_schema_default_alloc;
        a.free = ngx_ws_guard_schema_default_free;
        a.data = NULL;
    }

    nrules = conf->rules ? conf->rules->n : 0;
    words = (nrules + 63) / 64;

    /*
     * The reserve, which frames can never take, so that the verdict does
     * not depend on the chunking: the parser's nesting stack and its token
     * buffer (one token of at most max_string bytes and a code point; while
     * it grows, its old block too).
     */

    reserve = 2 * (max_string + 8 + NGX_WS_GUARD_SCHEMA_HDR)
              + max_depth / 8 + 1 + NGX_WS_GUARD_SCHEMA_HDR + 64;

    /* the rest at least: the state, levels, names, rule bits, 32 frames */

    own = sizeof(ngx_ws_guard_schema_state_t)
          + (max_depth + 1) * (sizeof(ngx_ws_guard_schema_level_t)
                               + NGX_WS_GUARD_SCHEMA_KEYSEG
                               + words * sizeof(uint64_t))
          + words * sizeof(uint64_t)
          + 32 * sizeof(ngx_ws_guard_schema_frame_t)
          + 16 * sizeof(ngx_ws_guard_schema_req_t)
          + 9 * NGX_WS_GUARD_SCHEMA_HDR
          + (conf->schema ? 1024 : 0);

    budget = conf->budget ? conf->budget : reserve + own + 256 * 1024;

    if (budget < reserve + own) {
        snprintf(err, errlen, "memory budget %zu is too small for these "
                 "limits, at least %zu bytes", budget, reserve + own);
        return NULL;
    }

    raw = a.alloc(a.data, sizeof(ngx_ws_guard_schema_state_t)
                          + NGX_WS_GUARD_SCHEMA_HDR);
    if (raw == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    *(size_t *) raw = sizeof(ngx_ws_guard_schema_state_t)
                      + NGX_WS_GUARD_SCHEMA_HDR;
    st = (ngx_ws_guard_schema_state_t *) (raw + NGX_WS_GUARD_SCHEMA_HDR);

    memset(st, 0, sizeof(ngx_ws_guard_schema_state_t));

    st->schema = conf->schema;
    st->rules = conf->rules;
    st->max_depth = max_depth;
    st->max_string = max_string;
    st->max_keys = max_keys;
    st->utf8_checked = conf->utf8_checked;
    st->allocator = a;
    st->budget = budget;
    st->reserve = reserve;
    st->used = sizeof(ngx_ws_guard_schema_state_t) + NGX_WS_GUARD_SCHEMA_HDR;
    st->peak = st->used;
    st->words = words;

    st->levels = ngx_ws_guard_schema_alloc(st, (max_depth + 1)
                                       * sizeof(ngx_ws_guard_schema_level_t));
    st->keys = ngx_ws_guard_schema_alloc(st, max_depth
                                             * NGX_WS_GUARD_SCHEMA_KEYSEG);
    st->cframes = 32;
    st->frames = ngx_ws_guard_schema_alloc(st, st->cframes
                                       * sizeof(ngx_ws_guard_schema_frame_t));
    st->creqs = 16;
    st->reqs = ngx_ws_guard_schema_alloc(st, st->creqs
                                         * sizeof(ngx_ws_guard_schema_req_t));

    if (st->levels == NULL || st->keys == NULL || st->frames == NULL
        || st->reqs == NULL)
    {
        goto failed;
    }

    memset(st->levels, 0,
           (max_depth + 1) * sizeof(ngx_ws_guard_schema_level_t));

    if (words) {
        st->alive = ngx_ws_guard_schema_alloc(st, (max_depth + 2) * words
                                                  * sizeof(uint64_t));
        st->matched = ngx_ws_guard_schema_alloc(st, words * sizeof(uint64_t));

        if (st->alive == NULL || st->matched == NULL) {
            goto failed;
        }

        memset(st->matched, 0, words * sizeof(uint64_t));
    }

    if (conf->schema) {
        st->pcre_gctx = pcre2_general_context_create(
                                              ngx_ws_guard_schema_pcre_malloc,
                                              ngx_ws_guard_schema_pcre_free,
                                              st);
        if (st->pcre_gctx == NULL) {
            goto failed;
        }

        st->pcre_mctx = pcre2_match_context_create(st->pcre_gctx);
        st->pcre_md = pcre2_match_data_create(1, st->pcre_gctx);

        if (st->pcre_mctx == NULL || st->pcre_md == NULL) {
            goto failed;
        }

        pcre2_set_match_limit(st->pcre_mctx, conf->schema->match_limit);
    }

    ja.alloc = ngx_ws_guard_schema_res_malloc;
    ja.free = ngx_ws_guard_schema_res_free;
    ja.data = st;

    if (ngx_ws_guard_json_init(&st->json, &ngx_ws_guard_schema_callbacks, st,
                               &ja, max_string, max_depth,
                               !conf->utf8_checked)
        != NGX_WS_GUARD_OK)
    {
        goto failed;
    }

    st->json_ready = 1;

    return st;

failed:

    ngx_ws_guard_schema_state_free(st);
    snprintf(err, errlen, "out of memory");

    return NULL;
}


void
ngx_ws_guard_schema_state_free(ngx_ws_guard_schema_state_t *st)
{
    size_t          i;
    unsigned char  *raw;

    if (st == NULL) {
        return;
    }

    if (st->json_ready) {
        ngx_ws_guard_json_free(&st->json);
    }

    if (st->pcre_md) {
        pcre2_match_data_free(st->pcre_md);
    }

    if (st->pcre_mctx) {
        pcre2_match_context_free(st->pcre_mctx);
    }

    if (st->pcre_gctx) {
        pcre2_general_context_free(st->pcre_gctx);
    }

    if (st->levels) {
        for (i = 0; i <= st->max_depth; i++) {
            ngx_ws_guard_schema_free_mem(st, st->levels[i].set);
        }
    }

    ngx_ws_guard_schema_free_mem(st, st->levels);
    ngx_ws_guard_schema_free_mem(st, st->keys);
    ngx_ws_guard_schema_free_mem(st, st->frames);
    ngx_ws_guard_schema_free_mem(st, st->reqs);
    ngx_ws_guard_schema_free_mem(st, st->aux);
    ngx_ws_guard_schema_free_mem(st, st->alive);
    ngx_ws_guard_schema_free_mem(st, st->matched);

    raw = (unsigned char *) st - NGX_WS_GUARD_SCHEMA_HDR;
    st->allocator.free(st->allocator.data, raw);
}


void
ngx_ws_guard_schema_reset(ngx_ws_guard_schema_state_t *st)
{
    size_t                        i;
    ngx_ws_guard_schema_level_t  *lv;

    ngx_ws_guard_json_reset(&st->json);

    /* uniqueItems tables that grew big are not kept */

    for (i = 0; st->big_sets && i <= st->max_depth; i++) {
        lv = &st->levels[i];

        if (lv->set_cap > NGX_WS_GUARD_SCHEMA_SET_KEEP) {
            ngx_ws_guard_schema_free_mem(st, lv->set);
            lv->set = NULL;
            lv->set_cap = 0;
        }
    }

    st->big_sets = 0;

    st->over = 0;
    st->failed = 0;
    st->finished = 0;
    st->root_seen = 0;
    st->root_done = 0;
    st->code = 0;
    st->top = 0;
    st->nframes = 0;
    st->naux = 0;
    st->nreqs = 0;
    st->reason[0] = '\0';

    if (st->words) {
        memset(st->matched, 0, st->words * sizeof(uint64_t));
    }
}


int
ngx_ws_guard_schema_close_code(ngx_ws_guard_schema_state_t *st)
{
    return st->failed ? st->code : 0;
}


const char *
ngx_ws_guard_schema_reason(ngx_ws_guard_schema_state_t *st)
{
    return st->reason;
}


int
ngx_ws_guard_schema_matched(ngx_ws_guard_schema_state_t *st, size_t i)
{
    if (!st->finished || st->failed || st->rules == NULL
        || i >= st->rules->n)
    {
        return 0;
    }

    return (st->matched[i / 64] >> (i % 64)) & 1;
}


size_t
ngx_ws_guard_schema_memory(ngx_ws_guard_schema_state_t *st, size_t *peak)
{
    if (peak) {
        *peak = st->peak;
    }

    return st->used;
}


/* memory: every block carries its size, for the accounting */

static void *
ngx_ws_guard_schema_alloc(ngx_ws_guard_schema_state_t *st, size_t size)
{
    unsigned char  *p;

    if (size > st->budget
        || st->used - st->used_reserved + size + NGX_WS_GUARD_SCHEMA_HDR
           > st->budget - st->reserve)
    {
        return NULL;
    }

    p = st->allocator.alloc(st->allocator.data,
                            size + NGX_WS_GUARD_SCHEMA_HDR);
    if (p == NULL) {
        return NULL;
    }

    *(size_t *) p = size + NGX_WS_GUARD_SCHEMA_HDR;

    st->used += size + NGX_WS_GUARD_SCHEMA_HDR;

    if (st->used > st->peak) {
        st->peak = st->used;
    }

    return p + NGX_WS_GUARD_SCHEMA_HDR;
}


static void
ngx_ws_guard_schema_free_mem(ngx_ws_guard_schema_state_t *st, void *p)
{
    unsigned char  *raw;

    if (p == NULL) {
        return;
    }

    raw = (unsigned char *) p - NGX_WS_GUARD_SCHEMA_HDR;
    st->used -= *(size_t *) raw;
    st->allocator.free(st->allocator.data, raw);
}


/*
 * The reserve: the parser's nesting stack and token buffer.  The parser
 * bounds every token, so it stays within the reserve; should it not, its
 * allocation is made anyway, counted, and the message fails as over the
 * budget.
 */

static void *
ngx_ws_guard_schema_res_malloc(void *ctx, size_t size)
{
    ngx_ws_guard_schema_state_t  *st = ctx;

    unsigned char  *p;

    if (size > st->budget
        || st->used_reserved + size + NGX_WS_GUARD_SCHEMA_HDR > st->reserve)
    {
        st->over = 1;
    }

    p = st->allocator.alloc(st->allocator.data,
                            size + NGX_WS_GUARD_SCHEMA_HDR);
    if (p == NULL) {
        return NULL;
    }

    *(size_t *) p = size + NGX_WS_GUARD_SCHEMA_HDR;

    st->used += size + NGX_WS_GUARD_SCHEMA_HDR;
    st->used_reserved += size + NGX_WS_GUARD_SCHEMA_HDR;

    if (st->used > st->peak) {
        st->peak = st->used;
    }

    return p + NGX_WS_GUARD_SCHEMA_HDR;
}


static void
ngx_ws_guard_schema_res_free(void *ctx, void *p)
{
    ngx_ws_guard_schema_state_t  *st = ctx;

    size_t          size;
    unsigned char  *raw;

    if (p == NULL) {
        return;
    }

    raw = (unsigned char *) p - NGX_WS_GUARD_SCHEMA_HDR;
    size = *(size_t *) raw;

    st->used -= size;
    st->used_reserved -= size;
    st->allocator.free(st->allocator.data, raw);
}


static void *
ngx_ws_guard_schema_pcre_malloc(PCRE2_SIZE size, void *data)
{
    return ngx_ws_guard_schema_alloc(data, size);
}


static void
ngx_ws_guard_schema_pcre_free(void *p, void *data)
{
    ngx_ws_guard_schema_free_mem(data, p);
}


/* bytes */

int
ngx_ws_guard_schema_feed(ngx_ws_guard_schema_state_t *st,
    const unsigned char *p, size_t len)
{
    int  rc;

    if (st->finished) {
        ngx_ws_guard_schema_reset(st);
    }

    if (st->failed) {
        return NGX_WS_GUARD_ERROR;
    }

    rc = ngx_ws_guard_json_feed(&st->json, p, len);

    if (rc == NGX_WS_GUARD_OK && !st->over) {
        return NGX_WS_GUARD_AGAIN;
    }

    return ngx_ws_guard_schema_json_error(st, rc);
}


int
ngx_ws_guard_schema_finish(ngx_ws_guard_schema_state_t *st)
{
    int  rc;

    if (st->failed) {
        return NGX_WS_GUARD_ERROR;
    }

    if (st->finished) {
        return NGX_WS_GUARD_OK;
    }

    rc = ngx_ws_guard_json_finish(&st->json);

    if (rc != NGX_WS_GUARD_OK || st->over) {
        return ngx_ws_guard_schema_json_error(st, rc);
    }

    st->finished = 1;

    return NGX_WS_GUARD_OK;
}


/*
 * The parser stopped: a callback failed the message (its reason is set),
 * or the bytes are not JSON, or over a limit.
 */

static int
ngx_ws_guard_schema_json_error(ngx_ws_guard_schema_state_t *st, int rc)
{
    ngx_ws_guard_json_t  *j;

    if (st->failed) {
        return NGX_WS_GUARD_ERROR;
    }

    j = &st->json;

    if (st->over || rc == NGX_WS_GUARD_DECLINED
        || j->error == NGX_WS_GUARD_JSON_MEMORY)
    {
        ngx_ws_guard_schema_limit(st, "memory limit");
        return NGX_WS_GUARD_ERROR;
    }

    switch (j->error) {

    case NGX_WS_GUARD_JSON_STRING:
    case NGX_WS_GUARD_JSON_NUMBER:
        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, st->top,
                                      1,
                                      j->error == NGX_WS_GUARD_JSON_NUMBER
                                      ? "number too long" : "string too long",
                                      NULL);
        break;

    case NGX_WS_GUARD_JSON_DEPTH:
        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, st->top,
                                      1, "nesting too deep", NULL);
        break;

    default: /* NGX_WS_GUARD_JSON_SYNTAX */

        if (!st->root_seen && j->offset == 0 && j->detail
            && strcmp(j->detail, "empty message") == 0)
        {
            ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                          0, 0, "invalid JSON",
                                          "empty message");
            break;
        }

        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                      st->top, 1, "invalid JSON",
                                      j->detail ? j->detail : "syntax error");
        break;
    }

    return NGX_WS_GUARD_ERROR;
}


/* errors */

static void
ngx_ws_guard_schema_set_error(ngx_ws_guard_schema_state_t *st, int code,
    size_t level, unsigned next, const char *what, const char *detail)
{
    char    buf[NGX_WS_GUARD_SCHEMA_REASON_MAX + 1], *start;
    size_t  n, tail, room;

    if (st->failed) {
        return;
    }

    st->failed = 1;
    st->code = code;

    tail = 2 + strlen(what) + (detail ? 2 + strlen(detail) : 0);
    room = (NGX_WS_GUARD_SCHEMA_REASON_MAX > tail + 16)
           ? NGX_WS_GUARD_SCHEMA_REASON_MAX - tail : 16;

    n = ngx_ws_guard_schema_pointer(st, level, next, buf, room, &start);

    snprintf(st->reason, sizeof(st->reason), "%.*s: %s%s%s", (int) n, start,
             what, detail ? ": " : "", detail ? detail : "");
}


static void
ngx_ws_guard_schema_limit(ngx_ws_guard_schema_state_t *st, const char *what)
{
    ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, st->top, 0,
                                  what, NULL);
}


/*
 * The JSON pointer of the value at level: written right to left into buf
 * (room bytes), its start cut to "..." if it does not fit.  With next,
 * the last segment is the value about to come (the next element, or the
 * member whose name was read).
 */

static size_t
ngx_ws_guard_schema_pointer(ngx_ws_guard_schema_state_t *st, size_t level,
    unsigned next, char *buf, size_t room, char **start)
{
    char                         *p;
    char                          seg[2 * NGX_WS_GUARD_SCHEMA_KEYSEG + 32];
    size_t                        k, n, index;
    ngx_ws_guard_schema_level_t  *pl;

    p = buf + room;

    for (k = level; k > 0; k--) {
        pl = &st->levels[k - 1];

        if (pl->type == NGX_WS_GUARD_SCHEMA_ARRAY) {
            index = (next && k == level) ? pl->count
                                         : (pl->count ? pl->count - 1 : 0);
            n = snprintf(seg, sizeof(seg), "/%zu", index);

        } else {
            if (next && k == level && !pl->pending) {
                continue;
            }

            seg[0] = '/';
            n = 1 + ngx_ws_guard_schema_sanitize(st->keys + (k - 1)
                                                 * NGX_WS_GUARD_SCHEMA_KEYSEG,
                                                 pl->keylen, seg + 1);

            if (pl->keytrunc) {
                memcpy(seg + n, "...", 3);
                n += 3;
            }
        }

        if (n + 3 > (size_t) (p - buf)) {
            p -= 3;
            memcpy(p, "...", 3);
            break;
        }

        p -= n;
        memcpy(p, seg, n);
    }

    if (p == buf + room) {
        *start = "(root)";
        return 6;
    }

    *start = p;

    return buf + room - p;
}


/*
 * A member name as a pointer segment ("~" is "~0", "/" is "~1"), valid
 * UTF-8 without control characters, so that it can go into a close frame
 * and a log line: anything else becomes "?".
 */

static size_t
ngx_ws_guard_schema_sanitize(const unsigned char *p, size_t len, char *out)
{
    size_t    i, k, n, need;
    uint32_t  cp, min;

    for (i = 0, n = 0; i < len; /* void */) {

        if (p[i] < 0x80) {
            if (p[i] == '~') {
                out[n++] = '~';
                out[n++] = '0';

            } else if (p[i] == '/') {
                out[n++] = '~';
                out[n++] = '1';

            } else if (p[i] < 0x20 || p[i] == 0x7f) {
                out[n++] = '?';

            } else {
                out[n++] = p[i];
            }

            i++;
            continue;
        }

        if (p[i] >= 0xc2 && p[i] < 0xe0) {
            need = 1;
            min = 0x80;
            cp = p[i] & 0x1f;

        } else if (p[i] >= 0xe0 && p[i] < 0xf0) {
            need = 2;
            min = 0x800;
            cp = p[i] & 0x0f;

        } else if (p[i] >= 0xf0 && p[i] < 0xf5) {
            need = 3;
            min = 0x10000;
            cp = p[i] & 0x07;

        } else {
            out[n++] = '?';
            i++;
            continue;
        }

        for (k = 1; k <= need; k++) {
            if (i + k >= len || (p[i + k] & 0xc0) != 0x80) {
                break;
            }

            cp = (cp << 6) | (p[i + k] & 0x3f);
        }

        if (k <= need || cp < min || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff))
        {
            out[n++] = '?';
            i++;
            continue;
        }

        memcpy(out + n, p + i, need + 1);
        n += need + 1;
        i += need + 1;
    }

    return n;
}


/* the parser's events */

static int
ngx_ws_guard_schema_null(void *ctx)
{
    ngx_ws_guard_schema_value_t  v;

    v.type = NGX_WS_GUARD_SCHEMA_NULL;
    v.boolean = 0;
    v.p = NULL;
    v.len = 0;
    v.escaped = 0;

    return ngx_ws_guard_schema_scalar(ctx, &v);
}


static int
ngx_ws_guard_schema_boolean(void *ctx, int b)
{
    ngx_ws_guard_schema_value_t  v;

    v.type = NGX_WS_GUARD_SCHEMA_BOOLEAN;
    v.boolean = b ? 1 : 0;
    v.p = NULL;
    v.len = 0;
    v.escaped = 0;

    return ngx_ws_guard_schema_scalar(ctx, &v);
}


static int
ngx_ws_guard_schema_number(void *ctx, const unsigned char *p, size_t len)
{
    ngx_ws_guard_schema_value_t  v;

    v.type = NGX_WS_GUARD_SCHEMA_NUMBER;
    v.boolean = 0;
    v.p = p;
    v.len = len;
    v.cps = NGX_WS_GUARD_SCHEMA_UNSET;
    v.escaped = 0;

    ngx_ws_guard_schema_num_parse(&v.num, v.p, len);

    return ngx_ws_guard_schema_scalar(ctx, &v);
}


static int
ngx_ws_guard_schema_string(void *ctx, const unsigned char *p, size_t len,
    size_t cps, unsigned escaped)
{
    ngx_ws_guard_schema_value_t  v;

    v.type = NGX_WS_GUARD_SCHEMA_STRING;
    v.boolean = 0;
    v.p = p;
    v.len = len;
    v.cps = cps;
    v.escaped = escaped;

    return ngx_ws_guard_schema_scalar(ctx, &v);
}


/* a string value's bytes, for the checks that need them: decoded now */

static int
ngx_ws_guard_schema_bytes(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v)
{
    if (!v->escaped) {
        return NGX_WS_GUARD_OK;
    }

    v->escaped = 0;
    v->p = ngx_ws_guard_json_decode(&st->json, v->p, v->len, &v->len);

    if (v->p == NULL || st->over) {
        v->p = (const unsigned char *) "";
        v->len = 0;
        ngx_ws_guard_schema_limit(st, "memory limit");
        return NGX_WS_GUARD_ERROR;
    }

    return NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_start_map(void *ctx)
{
    return ngx_ws_guard_schema_open(ctx, NGX_WS_GUARD_SCHEMA_OBJECT)
           == NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_map_key(void *ctx, const unsigned char *p, size_t len)
{
    return ngx_ws_guard_schema_member(ctx, p, len) == NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_start_array(void *ctx)
{
    return ngx_ws_guard_schema_open(ctx, NGX_WS_GUARD_SCHEMA_ARRAY)
           == NGX_WS_GUARD_OK;
}


static int
ngx_ws_guard_schema_end_container(void *ctx)
{
    ngx_ws_guard_schema_state_t  *st = ctx;

    st->top--;
    ngx_ws_guard_schema_end(st, st->top, NULL);

    return !st->failed;
}


/* values */

static int
ngx_ws_guard_schema_scalar(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v)
{
    if (ngx_ws_guard_schema_begin(st, v) != NGX_WS_GUARD_OK) {
        return 0;
    }

    ngx_ws_guard_schema_end(st, st->top, v);

    return !st->failed;
}


static int
ngx_ws_guard_schema_open(ngx_ws_guard_schema_state_t *st, unsigned type)
{
    size_t                             L;
    uint32_t                           fi;
    unsigned                           flags;
    ngx_ws_guard_schema_level_t       *lv;
    ngx_ws_guard_schema_value_t        v;

    L = st->top;

    if (L >= st->max_depth) {
        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, L, 1,
                                      "nesting too deep", NULL);
        return NGX_WS_GUARD_ERROR;
    }

    v.type = type;
    v.boolean = 0;
    v.p = NULL;
    v.len = 0;
    v.escaped = 0;

    if (ngx_ws_guard_schema_begin(st, &v) != NGX_WS_GUARD_OK) {
        return NGX_WS_GUARD_ERROR;
    }

    lv = &st->levels[L];

    lv->type = (unsigned char) type;
    lv->count = 0;
    lv->pending = 0;
    lv->unique = 0;
    lv->hash = 0;
    lv->names = 0;

    if (L > 0 && (st->levels[L - 1].hash || st->levels[L - 1].unique)) {
        lv->hash = 1;
    }

    for (fi = lv->first; fi < lv->end; fi++) {
        if (st->frames[fi].dead) {
            continue;
        }

        flags = st->frames[fi].node->flags;

        if (st->frames[fi].node->propnames) {
            lv->names = 1;
        }

        if (flags & NGX_WS_GUARD_SCHEMA_N_HASH) {
            lv->hash = 1;
        }

        if ((flags & NGX_WS_GUARD_SCHEMA_N_UNIQUE)
            && type == NGX_WS_GUARD_SCHEMA_ARRAY)
        {
            lv->unique = 1;
        }
    }

    if (!lv->hash && st->words && ngx_ws_guard_schema_rules_hash(st, L, type))
    {
        lv->hash = 1;
    }

    if (lv->hash) {
        if (type == NGX_WS_GUARD_SCHEMA_ARRAY) {
            ngx_ws_guard_schema_hash_array_init(&lv->sip);

        } else {
            lv->sum.lo = 0;
            lv->sum.hi = 0;
        }
    }

    if (lv->unique) {
        if (lv->set) {
            memset(lv->set, 0,
                   lv->set_cap * sizeof(ngx_ws_guard_schema_hash_t));
        }

        lv->set_n = 0;
    }

    st->top++;

    return NGX_WS_GUARD_OK;
}


/* a value begins at level st->top: its frames, the checks of its start */

static int
ngx_ws_guard_schema_begin(ngx_ws_guard_schema_state_t *st,
    ngx_ws_guard_schema_value_t *v)
{
    size_t                              L, i;
    ngx_ws_guard_schema_level_t        *lv, *pl;

    L = st->top;
    lv = &st->levels[L];

    if (L == 0) {

        if (st->root_seen) {
            ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                          0, 0, "invalid JSON",
                                          "data after the value");
            return NGX_WS_GUARD_ERROR;
        }

        st->root_seen = 1;
        st->nframes = 0;
        st->naux = 0;

        lv->first = 0;
        lv->aux = 0;

        if (st->root_n && st->root_n <= st->cframes
            && st->root_naux <= st->caux)
        {
            /* as the first message's root pushed them: all aux clear */

            memcpy(st->frames, st->root,
                   st->root_n * sizeof(ngx_ws_guard_schema_frame_t));
            if (st->root_naux) {
                memset(st->aux, 0, st->root_naux * sizeof(uint64_t));
            }

            st->nframes = st->root_n;
            st->naux = st->root_naux;

        } else if (st->schema) {

            if (ngx_ws_guard_schema_push(st, st->schema->root,
                                         NGX_WS_GUARD_SCHEMA_ROOT_PARENT,
                                         NGX_WS_GUARD_SCHEMA_S_ROOT, 0)
                != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }

            if (st->nframes <= NGX_WS_GUARD_SCHEMA_ROOT_KEEP) {
                memcpy(st->root, st->frames,
                       st->nframes * sizeof(ngx_ws_guard_schema_frame_t));
                st->root_n = st->nframes;
                st->root_naux = st->naux;
            }
        }

        lv->end = st->nframes;

        for (i = 0; i < st->words; i++) {
            st->alive[i] = (i + 1) * 64 <= st->rules->n
                           ? ~(uint64_t) 0
                           : ((uint64_t) 1 << (st->rules->n % 64)) - 1;
        }

    } else {
        pl = &st->levels[L - 1];

        if (pl->type == NGX_WS_GUARD_SCHEMA_ARRAY) {
            pl->count++;

            if (ngx_ws_guard_schema_element(st, L - 1) != NGX_WS_GUARD_OK) {
                return NGX_WS_GUARD_ERROR;
            }

        } else {
            pl->pending = 0;
        }

        if (st->nreqs) {
            if (ngx_ws_guard_schema_requests(st, (uint32_t) L, v)
                != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }

            if (!(v->type & NGX_WS_GUARD_SCHEMA_CONTAINER)) {
                /* a scalar member or element: checked there */
                return NGX_WS_GUARD_OK;
            }
        }
    }

    return ngx_ws_guard_schema_starts(st, lv->first, lv->end, v);
}


/* the checks of a value's start, on its frames first .. end - 1 */

static int
ngx_ws_guard_schema_starts(ngx_ws_guard_schema_state_t *st, uint32_t first,
    uint32_t end, ngx_ws_guard_schema_value_t *v)
{
    uint32_t                            fi;
    const ngx_ws_guard_schema_node_t   *node;

    for (fi = first; fi < end; fi++) {
        node = st->frames[fi].node;

        /* the frames of nodes with no assertion on a value's start skip */

        if (st->frames[fi].dead || ngx_ws_guard_schema_no_start(node)) {
            continue;
        }

        ngx_ws_guard_schema_check_start(st, fi, v);

        if (st->failed) {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return NGX_WS_GUARD_OK;
}


/* an element of the array at level parent begins: its subschemas */

static int
ngx_ws_guard_schema_element(ngx_ws_guard_schema_state_t *st, size_t parent)
{
    size_t                             index;
    uint32_t                           fi, end, L;
    ngx_ws_guard_schema_level_t       *pl, *lv;
    const ngx_ws_guard_schema_node_t  *node;

    L = (uint32_t) parent + 1;
    pl = &st->levels[parent];
    lv = &st->levels[L];

    index = pl->count - 1;

    lv->first = st->nframes;
    lv->end = st->nframes;
    lv->aux = st->naux;
    st->nreqs = 0;

    for (fi = pl->first, end = pl->end; fi < end; fi++) {

        if (st->frames[fi].dead) {
            continue;
        }

        node = st->frames[fi].node;

        if (pl->count > node->max_items) {
            ngx_ws_guard_schema_fail(st, fi, (uint32_t) parent,
                                     NGX_WS_GUARD_SCHEMA_KW_MAXITEMS);
            if (st->failed) {
                return NGX_WS_GUARD_ERROR;
            }

            continue;
        }

        if (index < node->nprefix) {
            if (ngx_ws_guard_schema_request(st, node->prefix[index], fi,
                                            NGX_WS_GUARD_SCHEMA_S_PREFIX)
                != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }

        } else if (node->items) {
            if (ngx_ws_guard_schema_request(st, node->items, fi,
                                            NGX_WS_GUARD_SCHEMA_S_ITEMS)
                != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }
        }

        if (node->contains) {
            if (ngx_ws_guard_schema_request(st, node->contains, fi,
                                            NGX_WS_GUARD_SCHEMA_S_CONTAINS)
                != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }
        }
    }

    if (st->words) {
        ngx_ws_guard_schema_rules_step(st, parent, NULL, 0, index);
    }

    return NGX_WS_GUARD_OK;
}


/* a member name of the object at level st->top - 1 */

static int
ngx_ws_guard_schema_member(ngx_ws_guard_schema_state_t *st,
    const unsigned char *key, size_t len)
{
    size_t                             P, n, k, na;
    int                                m;
    unsigned                           matched, keep, live;
    uint32_t                           fi, end, L, bit;
    uint64_t                           head;
    ngx_ws_guard_schema_level_t       *pl, *lv;
    ngx_ws_guard_schema_kentry_t      *ke;
    const ngx_ws_guard_schema_name_t  *e;
    const ngx_ws_guard_schema_node_t  *node;
    ngx_ws_guard_schema_action_t       act[NGX_WS_GUARD_SCHEMA_KACTIONS];

    P = st->top - 1;
    L = (uint32_t) P + 1;
    pl = &st->levels[P];
    lv = &st->levels[L];

    /* the name, for reasons, cut at a code point */

    n = len;

    if (n > NGX_WS_GUARD_SCHEMA_KEYSEG) {
        n = NGX_WS_GUARD_SCHEMA_KEYSEG;

        while (n > 0 && (key[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    memcpy(st->keys + P * NGX_WS_GUARD_SCHEMA_KEYSEG, key, n);
    pl->keylen = (unsigned char) n;
    pl->keytrunc = (n < len);

    if (++pl->count > st->max_keys) {
        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, P, 0,
                                      "too many keys", NULL);
        return NGX_WS_GUARD_ERROR;
    }

    pl->pending = 1;

    if (pl->hash) {
        ngx_ws_guard_schema_hash_scalar(NGX_WS_GUARD_SCHEMA_STRING, 0, key,
                                        len, NULL, &pl->key);
    }

    if (st->words) {
        ngx_ws_guard_schema_rules_step(st, P, key, len, 0);
    }

    if (pl->names
        && ngx_ws_guard_schema_names(st, P, key, len) != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    lv->first = st->nframes;
    lv->end = st->nframes;
    lv->aux = st->naux;
    st->nreqs = 0;

    if (pl->first == pl->end) {
        return NGX_WS_GUARD_OK;
    }

    head = ngx_ws_guard_schema_name_head(key, len);

    /*
     * the root object's frames are the same in every message, and its
     * members mostly come in the same order: a name seen at the same place
     * in an earlier message does what it did then, a new one is
     * remembered there
     */

    ke = NULL;

    if (P == 0 && pl->count <= NGX_WS_GUARD_SCHEMA_KCACHE
        && len <= NGX_WS_GUARD_SCHEMA_KEYSEG)
    {
        ke = &st->kcache[pl->count - 1];

        if (ke->used && ke->len == len && ke->head == head
            && (len <= 8 || memcmp(ke->key + 8, key + 8, len - 8) == 0))
        {
            return ngx_ws_guard_schema_replay(st, ke);
        }
    }

    na = 0;
    keep = (ke != NULL);

    for (fi = pl->first, end = pl->end; fi < end; fi++) {

        live = !st->frames[fi].dead;
        node = st->frames[fi].node;

        /*
         * a dead frame takes nothing, but its names are looked up for what
         * they would do, to remember; not its patterns, whose match may
         * fail (the match limit, a name not UTF-8): then nothing is kept
         */

        if (!live && (!keep || node->npatterns)) {
            keep = 0;
            continue;
        }

        /*
         * maxProperties: a name remembered at its place never failed it
         * there, and never will (the count is the place)
         */

        if (pl->count > node->max_props) {
            keep = 0;

            if (!live) {
                continue;
            }

            ngx_ws_guard_schema_fail(st, fi, (uint32_t) P,
                                     NGX_WS_GUARD_SCHEMA_KW_MAXPROPS);
            if (st->failed) {
                return NGX_WS_GUARD_ERROR;
            }

            continue;
        }

        matched = 0;

        if (node->nnames) {
            e = ngx_ws_guard_schema_lookup(node, key, len, head);

            if (e) {
                if (e->bit != NGX_WS_GUARD_SCHEMA_NONE) {
                    bit = e->bit;

                    if (live) {
                        st->aux[st->frames[fi].aux + bit / 64] |=
                                                    (uint64_t) 1 << (bit % 64);
                    }

                    ngx_ws_guard_schema_act(act, &na, &keep, NULL, fi, bit,
                                            NGX_WS_GUARD_SCHEMA_A_BIT);
                }

                if (e->schema) {
                    matched = 1;

                    if (live
                        && ngx_ws_guard_schema_request(st, e->schema, fi,
                                                NGX_WS_GUARD_SCHEMA_S_PROPERTY)
                           != NGX_WS_GUARD_OK)
                    {
                        return NGX_WS_GUARD_ERROR;
                    }

                    ngx_ws_guard_schema_act(act, &na, &keep, e->schema, fi,
                                            NGX_WS_GUARD_SCHEMA_S_PROPERTY,
                                            NGX_WS_GUARD_SCHEMA_A_REQUEST);
                }
            }
        }

        for (k = 0; k < node->npatterns; k++) {
            m = ngx_ws_guard_schema_match(st, node->patterns[k].re, key, len);

            if (m < 0) {
                return NGX_WS_GUARD_ERROR;
            }

            if (m) {
                matched = 1;

                if (live
                    && ngx_ws_guard_schema_request(st,
                                                node->patterns[k].schema, fi,
                                                NGX_WS_GUARD_SCHEMA_S_PATTERN)
                       != NGX_WS_GUARD_OK)
                {
                    return NGX_WS_GUARD_ERROR;
                }

                ngx_ws_guard_schema_act(act, &na, &keep,
                                        node->patterns[k].schema, fi,
                                        NGX_WS_GUARD_SCHEMA_S_PATTERN,
                                        NGX_WS_GUARD_SCHEMA_A_REQUEST);
            }
        }

        if (!matched && node->additional) {
            if (live
                && ngx_ws_guard_schema_request(st, node->additional, fi,
                                            NGX_WS_GUARD_SCHEMA_S_ADDITIONAL)
                   != NGX_WS_GUARD_OK)
            {
                return NGX_WS_GUARD_ERROR;
            }

            ngx_ws_guard_schema_act(act, &na, &keep, node->additional, fi,
                                    NGX_WS_GUARD_SCHEMA_S_ADDITIONAL,
                                    NGX_WS_GUARD_SCHEMA_A_REQUEST);
        }
    }

    if (keep) {
        ke->used = 1;
        ke->len = (uint32_t) len;
        ke->head = head;
        ke->n = (uint32_t) na;
        memcpy(ke->key, key, len);
        memcpy(ke->act, act, na * sizeof(ngx_ws_guard_schema_action_t));
    }

    return NGX_WS_GUARD_OK;
}


/*
 * An action of a member name, remembered while there is room (a request
 * of a subschema that cannot fail is none: ngx_ws_guard_schema_request()
 * drops it)
 */

static void
ngx_ws_guard_schema_act(ngx_ws_guard_schema_action_t *act, size_t *na,
    unsigned *keep, const ngx_ws_guard_schema_node_t *node, uint32_t fi,
    uint32_t arg, uint32_t type)
{
    ngx_ws_guard_schema_action_t  *a;

    if (!*keep) {
        return;
    }

    if (type == NGX_WS_GUARD_SCHEMA_A_REQUEST
        && ngx_ws_guard_schema_idle(node, arg))
    {
        return;
    }

    if (*na == NGX_WS_GUARD_SCHEMA_KACTIONS || arg > 0xffff) {
        *keep = 0;
        return;
    }

    a = &act[(*na)++];
    a->node = node;
    a->fi = fi;
    a->arg = (uint16_t) arg;
    a->type = (uint16_t) type;
}


/* a member name of the root object does what it did before */

static int
ngx_ws_guard_schema_replay(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_kentry_t *ke)
{
    uint32_t                             i;
    ngx_ws_guard_schema_frame_t         *f;
    const ngx_ws_guard_schema_action_t  *a;

    for (i = 0; i < ke->n; i++) {
        a = &ke->act[i];
        f = &st->frames[a->fi];

        if (f->dead) {
            continue;
        }

        if (a->type == NGX_WS_GUARD_SCHEMA_A_BIT) {
            st->aux[f->aux + a->arg / 64] |= (uint64_t) 1 << (a->arg % 64);

        } else if (ngx_ws_guard_schema_request(st, a->node, a->fi, a->arg)
                   != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return NGX_WS_GUARD_OK;
}


/* a subschema for the value about to begin: its frame waits */

static inline int
ngx_ws_guard_schema_request(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_node_t *node, uint32_t parent, unsigned slot)
{
    ngx_ws_guard_schema_req_t  *r, *reqs;

    if (ngx_ws_guard_schema_idle(node, slot)) {
        return NGX_WS_GUARD_OK;
    }

    if (st->nreqs == st->creqs) {
        reqs = ngx_ws_guard_schema_double(st, st->reqs, &st->creqs, st->nreqs,
                                          sizeof(ngx_ws_guard_schema_req_t));
        if (reqs == NULL) {
            ngx_ws_guard_schema_limit(st, "memory limit");
            return NGX_WS_GUARD_ERROR;
        }

        st->reqs = reqs;
    }

    r = &st->reqs[st->nreqs++];
    r->node = node;
    r->parent = parent;
    r->slot = slot;

    return NGX_WS_GUARD_OK;
}


/*
 * An array of the state (frames, requests) twice as big, with its first n
 * items: NULL past the limits
 */

static void *
ngx_ws_guard_schema_double(ngx_ws_guard_schema_state_t *st, void *items,
    uint32_t *cap, uint32_t n, size_t size)
{
    void  *p;

    if (*cap >= NGX_WS_GUARD_SCHEMA_MAX_FRAMES) {
        return NULL;
    }

    p = ngx_ws_guard_schema_alloc(st, 2 * (size_t) *cap * size);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, items, n * size);
    ngx_ws_guard_schema_free_mem(st, items);
    *cap *= 2;

    return p;
}


/*
 * A member's or an element's value begins at level: the subschemas asked
 * for get their frames, in the order asked, and a scalar's checks run as
 * the frames would have run them.  A scalar asks nothing more of a
 * subschema with no in-place subschemas whose slot does not wait for the
 * result (a property, a pattern, additionalProperties, prefixItems,
 * items) once it began, so such a leaf gets no frame: it is checked at
 * once.
 */

static int
ngx_ws_guard_schema_requests(ngx_ws_guard_schema_state_t *st, uint32_t level,
    ngx_ws_guard_schema_value_t *v)
{
    unsigned                            scalar, kw;
    uint32_t                            i, n, first;
    ngx_ws_guard_schema_level_t        *lv;
    const ngx_ws_guard_schema_req_t    *r;
    const ngx_ws_guard_schema_node_t   *node;

    lv = &st->levels[level];
    n = st->nreqs;
    st->nreqs = 0;
    scalar = !(v->type & NGX_WS_GUARD_SCHEMA_CONTAINER);

    for (i = 0; i < n; i++) {
        r = &st->reqs[i];
        node = r->node;

        if (scalar && !(node->flags & NGX_WS_GUARD_SCHEMA_N_INPLACE)
            && !(NGX_WS_GUARD_SCHEMA_S_WAITED & (1u << r->slot)))
        {

            if (ngx_ws_guard_schema_no_start(node)) {
                continue;
            }

            kw = ngx_ws_guard_schema_assert(st, node, v);

            if (kw != NGX_WS_GUARD_SCHEMA_KW_PASS) {
                /* as ngx_ws_guard_schema_fail() from the leaf's frame */
                ngx_ws_guard_schema_fail(st, r->parent, level,
                               ngx_ws_guard_schema_false_kw(r->slot, kw));
            }

            if (st->failed) {
                return NGX_WS_GUARD_ERROR;
            }

            continue;
        }

        first = st->nframes;

        if (ngx_ws_guard_schema_push(st, node, r->parent, r->slot, level)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        lv->end = st->nframes;

        if (scalar
            && ngx_ws_guard_schema_starts(st, first, lv->end, v)
               != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return NGX_WS_GUARD_OK;
}


/* propertyNames: the name is a string value at level parent + 1 */

static int
ngx_ws_guard_schema_names(ngx_ws_guard_schema_state_t *st, size_t parent,
    const unsigned char *key, size_t len)
{
    uint32_t                           fi, end, L;
    ngx_ws_guard_schema_level_t       *pl, *lv;
    ngx_ws_guard_schema_value_t        v;
    const ngx_ws_guard_schema_node_t  *node;

    L = (uint32_t) parent + 1;
    pl = &st->levels[parent];
    lv = &st->levels[L];

    lv->first = st->nframes;
    lv->aux = st->naux;

    for (fi = pl->first, end = pl->end; fi < end; fi++) {
        node = st->frames[fi].node;

        if (st->frames[fi].dead || node->propnames == NULL) {
            continue;
        }

        if (ngx_ws_guard_schema_push(st, node->propnames, fi,
                                     NGX_WS_GUARD_SCHEMA_S_PROPNAMES, L)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    lv->end = st->nframes;

    if (lv->first == lv->end) {
        return NGX_WS_GUARD_OK;
    }

    v.type = NGX_WS_GUARD_SCHEMA_STRING;
    v.boolean = 0;
    v.p = key;
    v.len = len;
    v.cps = NGX_WS_GUARD_SCHEMA_UNSET;
    v.escaped = 0;

    for (fi = lv->first; fi < lv->end; fi++) {
        if (!st->frames[fi].dead) {
            ngx_ws_guard_schema_check_start(st, fi, &v);

            if (st->failed) {
                return NGX_WS_GUARD_ERROR;
            }
        }
    }

    for (fi = lv->end; fi-- > lv->first; /* void */) {
        if (!st->frames[fi].dead) {
            ngx_ws_guard_schema_check_end(st, fi, &v);

            if (st->failed) {
                return NGX_WS_GUARD_ERROR;
            }
        }
    }

    st->nframes = lv->first;
    st->naux = lv->aux;

    return NGX_WS_GUARD_OK;
}


/* the value at level ends (v is NULL for a container) */

static void
ngx_ws_guard_schema_end(ngx_ws_guard_schema_state_t *st, size_t level,
    ngx_ws_guard_schema_value_t *v)
{
    uint32_t                      fi;
    ngx_ws_guard_schema_hash_t    h;
    ngx_ws_guard_schema_frame_t  *f;
    ngx_ws_guard_schema_level_t  *lv, *pl;

    lv = &st->levels[level];

    if (v == NULL && lv->hash) {
        if (lv->type == NGX_WS_GUARD_SCHEMA_OBJECT) {
            ngx_ws_guard_schema_hash_object(&lv->sum, lv->count, &lv->value);

        } else {
            ngx_ws_guard_schema_sip_final(&lv->sip, &lv->value);
        }
    }

    /*
     * in-place subschemas report before the frames they belong to; the
     * end of a scalar asks nothing of a frame with no in-place subschemas
     * whose result its parent does not wait for
     */

    for (fi = lv->end; fi-- > lv->first; /* void */) {
        f = &st->frames[fi];

        if (f->dead
            || (v != NULL
                && !(f->node->flags & NGX_WS_GUARD_SCHEMA_N_INPLACE)
                && !(NGX_WS_GUARD_SCHEMA_S_WAITED & (1u << f->slot))))
        {
            continue;
        }

        ngx_ws_guard_schema_check_end(st, fi, v);

        if (st->failed) {
            return;
        }
    }

    if (level > 0) {
        pl = &st->levels[level - 1];

        if (pl->hash || pl->unique) {

            if (v) {
                if (ngx_ws_guard_schema_bytes(st, v) != NGX_WS_GUARD_OK) {
                    return;
                }

                ngx_ws_guard_schema_hash_scalar(v->type, v->boolean, v->p,
                                                v->len, &v->num, &h);

            } else {
                h = lv->value;
            }

            if (pl->hash) {
                if (pl->type == NGX_WS_GUARD_SCHEMA_ARRAY) {
                    ngx_ws_guard_schema_hash_array_add(&pl->sip, &h);

                } else {
                    ngx_ws_guard_schema_hash_member(&pl->key, &h, &pl->sum);
                }
            }

            if (pl->unique) {
                ngx_ws_guard_schema_unique(st, level - 1, &h);

                if (st->failed) {
                    return;
                }
            }
        }
    }

    if (st->words) {
        ngx_ws_guard_schema_rules_end(st, level, v);
    }

    st->nframes = lv->first;
    st->naux = lv->aux;

    if (level == 0) {
        st->root_done = 1;
    }
}


/* uniqueItems: an open-addressing set of the elements' hashes */

static void
ngx_ws_guard_schema_unique(ngx_ws_guard_schema_state_t *st, size_t level,
    ngx_ws_guard_schema_hash_t *h)
{
    size_t                        i, j, cap, mask;
    uint32_t                      fi;
    ngx_ws_guard_schema_hash_t    x, *set;
    ngx_ws_guard_schema_level_t  *pl;

    pl = &st->levels[level];

    x = *h;
    x.lo |= 1;

    if (2 * (pl->set_n + 1) > pl->set_cap) {
        cap = pl->set_cap ? pl->set_cap * 2 : 16;

        set = ngx_ws_guard_schema_alloc(st,
                                cap * sizeof(ngx_ws_guard_schema_hash_t));
        if (set == NULL) {
            ngx_ws_guard_schema_limit(st, "memory limit");
            return;
        }

        memset(set, 0, cap * sizeof(ngx_ws_guard_schema_hash_t));
        mask = cap - 1;

        for (i = 0; i < pl->set_cap; i++) {
            if (pl->set[i].lo == 0) {
                continue;
            }

            for (j = pl->set[i].hi & mask; set[j].lo; j = (j + 1) & mask) {
                /* void */
            }

            set[j] = pl->set[i];
        }

        ngx_ws_guard_schema_free_mem(st, pl->set);
        pl->set = set;
        pl->set_cap = cap;

        if (cap > NGX_WS_GUARD_SCHEMA_SET_KEEP) {
            st->big_sets = 1;
        }
    }

    mask = pl->set_cap - 1;

    for (j = x.hi & mask; pl->set[j].lo; j = (j + 1) & mask) {

        if (pl->set[j].lo != x.lo || pl->set[j].hi != x.hi) {
            continue;
        }

        /* a duplicate: every uniqueItems of this array fails */

        pl->unique = 0;

        for (fi = pl->first; fi < pl->end; fi++) {
            if (!st->frames[fi].dead
                && (st->frames[fi].node->flags & NGX_WS_GUARD_SCHEMA_N_UNIQUE))
            {
                ngx_ws_guard_schema_fail(st, fi, (uint32_t) level,
                                         NGX_WS_GUARD_SCHEMA_KW_UNIQUE);
                if (st->failed) {
                    return;
                }
            }
        }

        return;
    }

    pl->set[j] = x;
    pl->set_n++;
}


/* frames */

static int
ngx_ws_guard_schema_push(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_node_t *node, uint32_t parent, unsigned slot,
    uint32_t level)
{
    size_t                        i;
    uint32_t                      fi, words, cap;
    uint64_t                     *aux;
    ngx_ws_guard_schema_frame_t  *f, *frames;

    if (ngx_ws_guard_schema_idle(node, slot)) {
        return NGX_WS_GUARD_OK;
    }

    if (st->nframes == st->cframes) {
        frames = ngx_ws_guard_schema_double(st, st->frames, &st->cframes,
                                       st->nframes,
                                       sizeof(ngx_ws_guard_schema_frame_t));
        if (frames == NULL) {
            goto nomem;
        }

        st->frames = frames;
    }

    fi = st->nframes++;
    f = &st->frames[fi];

    memset(f, 0, sizeof(ngx_ws_guard_schema_frame_t));
    f->node = node;
    f->parent = parent;
    f->level = level;
    f->slot = (unsigned char) slot;

    if (node->nbits) {
        words = (uint32_t) ((node->nbits + 63) / 64);

        if (st->naux + words > st->caux) {
            if (st->naux + words > NGX_WS_GUARD_SCHEMA_MAX_FRAMES) {
                goto nomem;
            }

            cap = 2 * (st->naux + words);
            cap = cap < 64 ? 64 : cap;

            aux = ngx_ws_guard_schema_alloc(st, cap * sizeof(uint64_t));
            if (aux == NULL) {
                goto nomem;
            }

            if (st->naux) {
                memcpy(aux, st->aux, st->naux * sizeof(uint64_t));
            }

            ngx_ws_guard_schema_free_mem(st, st->aux);
            st->aux = aux;
            st->caux = cap;
        }

        f->aux = st->naux;
        memset(&st->aux[st->naux], 0, words * sizeof(uint64_t));
        st->naux += words;
    }

    /* the in-place subschemas, of the nodes that have some (N_INPLACE) */

    if (!(node->flags & NGX_WS_GUARD_SCHEMA_N_INPLACE)
        || (node->flags & NGX_WS_GUARD_SCHEMA_N_FALSE))
    {
        return NGX_WS_GUARD_OK;
    }

    /* f is not valid past a push */

    for (i = 0; i < node->nallof; i++) {
        if (ngx_ws_guard_schema_push(st, node->allof[i], fi,
                                     NGX_WS_GUARD_SCHEMA_S_ALLOF, level)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (node->ref
        && ngx_ws_guard_schema_push(st, node->ref, fi,
                                    NGX_WS_GUARD_SCHEMA_S_REF, level)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    for (i = 0; i < node->nanyof; i++) {
        if (ngx_ws_guard_schema_push(st, node->anyof[i], fi,
                                     NGX_WS_GUARD_SCHEMA_S_ANYOF, level)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    for (i = 0; i < node->noneof; i++) {
        if (ngx_ws_guard_schema_push(st, node->oneof[i], fi,
                                     NGX_WS_GUARD_SCHEMA_S_ONEOF, level)
            != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    if (node->not
        && ngx_ws_guard_schema_push(st, node->not, fi,
                                    NGX_WS_GUARD_SCHEMA_S_NOT, level)
           != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_ERROR;
    }

    if (node->if_) {

        if (node->if_->flags & NGX_WS_GUARD_SCHEMA_N_TRUE) {
            st->frames[fi].if_res = NGX_WS_GUARD_SCHEMA_R_OK;

        } else if (ngx_ws_guard_schema_push(st, node->if_, fi,
                                            NGX_WS_GUARD_SCHEMA_S_IF, level)
                   != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (node->then_
            && ngx_ws_guard_schema_push(st, node->then_, fi,
                                        NGX_WS_GUARD_SCHEMA_S_THEN, level)
               != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }

        if (node->else_
            && ngx_ws_guard_schema_push(st, node->else_, fi,
                                        NGX_WS_GUARD_SCHEMA_S_ELSE, level)
               != NGX_WS_GUARD_OK)
        {
            return NGX_WS_GUARD_ERROR;
        }
    }

    return NGX_WS_GUARD_OK;

nomem:

    ngx_ws_guard_schema_limit(st, "memory limit");

    return NGX_WS_GUARD_ERROR;
}


/* the assertions decided when a value begins, for a frame */

static void
ngx_ws_guard_schema_check_start(ngx_ws_guard_schema_state_t *st, uint32_t fi,
    ngx_ws_guard_schema_value_t *v)
{
    unsigned  kw;

    kw = ngx_ws_guard_schema_assert(st, st->frames[fi].node, v);

    if (kw != NGX_WS_GUARD_SCHEMA_KW_PASS) {
        ngx_ws_guard_schema_fail(st, fi, st->frames[fi].level, kw);
    }
}


/*
 * The assertions of node decided when a value begins (all of a scalar's):
 * the keyword that fails, or NGX_WS_GUARD_SCHEMA_KW_PASS (also when the
 * validator failed on its own, st->failed)
 */

static unsigned
ngx_ws_guard_schema_assert(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_node_t *node, ngx_ws_guard_schema_value_t *v)
{
    int  m;

    if (node->flags & NGX_WS_GUARD_SCHEMA_N_FALSE) {
        return NGX_WS_GUARD_SCHEMA_KW_FALSE;
    }

    if (node->types && !(node->types & v->type)
        && !(v->type == NGX_WS_GUARD_SCHEMA_NUMBER
             && (node->types & NGX_WS_GUARD_SCHEMA_INTEGER)
             && ngx_ws_guard_schema_num_integer(&v->num)))
    {
        return NGX_WS_GUARD_SCHEMA_KW_TYPE;
    }

    if (node->flags & (NGX_WS_GUARD_SCHEMA_N_CONST|NGX_WS_GUARD_SCHEMA_N_ENUM)
        && ngx_ws_guard_schema_bytes(st, v) != NGX_WS_GUARD_OK)
    {
        return NGX_WS_GUARD_SCHEMA_KW_PASS;
    }

    if (node->flags & NGX_WS_GUARD_SCHEMA_N_CONST) {

        if ((v->type & NGX_WS_GUARD_SCHEMA_CONTAINER)
            ? node->konst->type != v->type
            : !ngx_ws_guard_schema_const_eq(node->konst, v->type, v->boolean,
                                            v->p, v->len, &v->num))
        {
            return NGX_WS_GUARD_SCHEMA_KW_CONST;
        }
    }

    if ((node->flags & NGX_WS_GUARD_SCHEMA_N_ENUM)
        && !ngx_ws_guard_schema_enum(node, v, NULL))
    {
        return NGX_WS_GUARD_SCHEMA_KW_ENUM;
    }

    if (v->type == NGX_WS_GUARD_SCHEMA_NUMBER
        && (node->flags & NGX_WS_GUARD_SCHEMA_N_NUMBER))
    {
        if ((node->flags & NGX_WS_GUARD_SCHEMA_N_MINIMUM)
            && ngx_ws_guard_schema_num_cmp(&v->num, &node->minimum) < 0)
        {
            return NGX_WS_GUARD_SCHEMA_KW_MINIMUM;
        }

        if ((node->flags & NGX_WS_GUARD_SCHEMA_N_MAXIMUM)
            && ngx_ws_guard_schema_num_cmp(&v->num, &node->maximum) > 0)
        {
            return NGX_WS_GUARD_SCHEMA_KW_MAXIMUM;
        }

        if ((node->flags & NGX_WS_GUARD_SCHEMA_N_XMINIMUM)
            && ngx_ws_guard_schema_num_cmp(&v->num, &node->xminimum) <= 0)
        {
            return NGX_WS_GUARD_SCHEMA_KW_XMINIMUM;
        }

        if ((node->flags & NGX_WS_GUARD_SCHEMA_N_XMAXIMUM)
            && ngx_ws_guard_schema_num_cmp(&v->num, &node->xmaximum) >= 0)
        {
            return NGX_WS_GUARD_SCHEMA_KW_XMAXIMUM;
        }

        if ((node->flags & NGX_WS_GUARD_SCHEMA_N_MULTIPLE)
            && !ngx_ws_guard_schema_num_multiple(&v->num, &node->multiple))
        {
            return NGX_WS_GUARD_SCHEMA_KW_MULTIPLE;
        }

        return NGX_WS_GUARD_SCHEMA_KW_PASS;
    }

    if (v->type == NGX_WS_GUARD_SCHEMA_STRING
        && (node->flags & NGX_WS_GUARD_SCHEMA_N_STRING))
    {
        if (node->min_length || node->max_length != NGX_WS_GUARD_SCHEMA_UNSET)
        {
            if (v->cps == NGX_WS_GUARD_SCHEMA_UNSET) {
                v->cps = ngx_ws_guard_schema_code_points(v->p, v->len);
            }

            if (v->cps < node->min_length) {
                return NGX_WS_GUARD_SCHEMA_KW_MINLENGTH;
            }

            if (v->cps > node->max_length) {
                return NGX_WS_GUARD_SCHEMA_KW_MAXLENGTH;
            }
        }

        if (node->pattern) {
            if (ngx_ws_guard_schema_bytes(st, v) != NGX_WS_GUARD_OK) {
                return NGX_WS_GUARD_SCHEMA_KW_PASS;
            }

            m = ngx_ws_guard_schema_match(st, node->pattern, v->p, v->len);

            if (m == 0) {
                return NGX_WS_GUARD_SCHEMA_KW_PATTERN;
            }
        }
    }

    return NGX_WS_GUARD_SCHEMA_KW_PASS;
}


/*
 * The code points of valid UTF-8: the bytes that are not continuation
 * bytes (10xxxxxx), counted 8 at a time.
 */

static size_t
ngx_ws_guard_schema_code_points(const unsigned char *p, size_t len)
{
    size_t    i, cont;
    uint64_t  w;

    cont = 0;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);

        /* bit 7 of each byte: set, with bit 6 clear */
        w = w & ~(w << 1) & 0x8080808080808080ULL;

        /* the bytes' flags (0 or 1 each) summed in the top byte */
        cont += (size_t) (((w >> 7) * 0x0101010101010101ULL) >> 56);
    }

    for ( /* void */ ; i < len; i++) {
        cont += ((p[i] & 0xc0) == 0x80);
    }

    return len - cont;
}


/* the assertions decided when a value ends (v is NULL for a container) */

static void
ngx_ws_guard_schema_check_end(ngx_ws_guard_schema_state_t *st, uint32_t fi,
    ngx_ws_guard_schema_value_t *v)
{
    size_t                             i, k;
    uint32_t                           level, bit, base;
    const uint64_t                    *aux;
    ngx_ws_guard_schema_frame_t       *f;
    ngx_ws_guard_schema_level_t       *lv;
    const ngx_ws_guard_schema_dep_t   *dep;
    const ngx_ws_guard_schema_node_t  *node;

    f = &st->frames[fi];
    node = f->node;
    level = f->level;
    lv = &st->levels[level];
    aux = st->aux;
    base = f->aux;

    if (v == NULL) {

        if (lv->type == NGX_WS_GUARD_SCHEMA_OBJECT) {

            if (lv->count < node->min_props) {
                ngx_ws_guard_schema_fail(st, fi, level,
                                         NGX_WS_GUARD_SCHEMA_KW_MINPROPS);
                return;
            }

            for (i = 0; i < node->nrequired; i++) {
                if (!((aux[base + i / 64] >> (i % 64)) & 1)) {
                    ngx_ws_guard_schema_fail(st, fi, level,
                                             NGX_WS_GUARD_SCHEMA_KW_REQUIRED);
                    return;
                }
            }

            for (i = 0; i < node->ndeps; i++) {
                dep = &node->deps[i];
                bit = dep->trigger;

                if (bit == NGX_WS_GUARD_SCHEMA_NONE
                    || !((aux[base + bit / 64] >> (bit % 64)) & 1))
                {
                    continue;
                }

                for (k = 0; k < dep->n; k++) {
                    bit = dep->bits[k];

                    if (bit == NGX_WS_GUARD_SCHEMA_NONE
                        || !((aux[base + bit / 64] >> (bit % 64)) & 1))
                    {
                        ngx_ws_guard_schema_fail(st, fi, level,
                                                 NGX_WS_GUARD_SCHEMA_KW_DEPREQ);
                        return;
                    }
                }
            }

        } else {

            if (lv->count < node->min_items) {
                ngx_ws_guard_schema_fail(st, fi, level,
                                         NGX_WS_GUARD_SCHEMA_KW_MINITEMS);
                return;
            }

            if (node->contains && f->contains < node->min_contains) {
                ngx_ws_guard_schema_fail(st, fi, level,
                                 (node->flags & NGX_WS_GUARD_SCHEMA_N_MINCONT)
                                 ? NGX_WS_GUARD_SCHEMA_KW_MINCONTAINS
                                 : NGX_WS_GUARD_SCHEMA_KW_CONTAINS);
                return;
            }
        }

        if (node->flags & NGX_WS_GUARD_SCHEMA_N_HASH) {

            if ((node->flags & NGX_WS_GUARD_SCHEMA_N_CONST)
                && (node->konst->hash.lo != lv->value.lo
                    || node->konst->hash.hi != lv->value.hi))
            {
                ngx_ws_guard_schema_fail(st, fi, level,
                                         NGX_WS_GUARD_SCHEMA_KW_CONST);
                return;
            }

            if ((node->flags & NGX_WS_GUARD_SCHEMA_N_ENUM)
                && !ngx_ws_guard_schema_enum(node, NULL, &lv->value))
            {
                ngx_ws_guard_schema_fail(st, fi, level,
                                         NGX_WS_GUARD_SCHEMA_KW_ENUM);
                return;
            }
        }
    }

    if (node->nanyof && f->any_ok == 0) {
        ngx_ws_guard_schema_fail(st, fi, level, NGX_WS_GUARD_SCHEMA_KW_ANYOF);
        return;
    }

    if (node->noneof && f->one_ok != 1) {
        ngx_ws_guard_schema_fail(st, fi, level, NGX_WS_GUARD_SCHEMA_KW_ONEOF);
        return;
    }

    if (node->if_) {
        if (f->if_res == NGX_WS_GUARD_SCHEMA_R_FAIL) {
            if (f->else_res == NGX_WS_GUARD_SCHEMA_R_FAIL) {
                ngx_ws_guard_schema_fail(st, fi, level,
                                         NGX_WS_GUARD_SCHEMA_KW_ELSE);
                return;
            }

        } else if (f->then_res == NGX_WS_GUARD_SCHEMA_R_FAIL) {
            ngx_ws_guard_schema_fail(st, fi, level,
                                     NGX_WS_GUARD_SCHEMA_KW_THEN);
            return;
        }
    }

    ngx_ws_guard_schema_pass(st, fi);
}


/*
 * enum: a scalar against every member; a container, when it begins,
 * against the members' types, and when it ends (h) against their hashes
 * (the type was matched when it began)
 */

static int
ngx_ws_guard_schema_enum(const ngx_ws_guard_schema_node_t *node,
    ngx_ws_guard_schema_value_t *v, const ngx_ws_guard_schema_hash_t *h)
{
    size_t                              i;
    const ngx_ws_guard_schema_const_t  *c;

    for (i = 0; i < node->nenums; i++) {
        c = &node->enums[i];

        if (h) {
            if ((c->type & NGX_WS_GUARD_SCHEMA_CONTAINER)
                && c->hash.lo == h->lo && c->hash.hi == h->hi)
            {
                return 1;
            }

            continue;
        }

        if (v->type & NGX_WS_GUARD_SCHEMA_CONTAINER) {
            if (c->type == v->type) {
                return 1;
            }

            continue;
        }

        if (ngx_ws_guard_schema_const_eq(c, v->type, v->boolean, v->p, v->len,
                                         &v->num))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * A frame failed at level with keyword kw: the result goes up as far as
 * it decides; the root failing fails the message.
 */

static void
ngx_ws_guard_schema_fail(ngx_ws_guard_schema_state_t *st, uint32_t fi,
    uint32_t level, unsigned kw)
{
    uint32_t                      pi;
    ngx_ws_guard_schema_frame_t  *f, *p;

    for ( ;; ) {
        f = &st->frames[fi];

        if (f->dead) {
            return;
        }

        f->dead = 1;

        if (f->parent == NGX_WS_GUARD_SCHEMA_ROOT_PARENT) {
            ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_POLICY, level,
                                          0, ngx_ws_guard_schema_keywords[kw],
                                          NULL);
            return;
        }

        pi = f->parent;
        p = &st->frames[pi];

        if (p->dead) {
            return;
        }

        switch (f->slot) {

        case NGX_WS_GUARD_SCHEMA_S_ALLOF:
        case NGX_WS_GUARD_SCHEMA_S_REF:
            break;

        case NGX_WS_GUARD_SCHEMA_S_PROPERTY:
        case NGX_WS_GUARD_SCHEMA_S_PATTERN:
        case NGX_WS_GUARD_SCHEMA_S_ADDITIONAL:
        case NGX_WS_GUARD_SCHEMA_S_PREFIX:
        case NGX_WS_GUARD_SCHEMA_S_ITEMS:
            kw = ngx_ws_guard_schema_false_kw(f->slot, kw);
            break;

        case NGX_WS_GUARD_SCHEMA_S_PROPNAMES:
            kw = NGX_WS_GUARD_SCHEMA_KW_PROPNAMES;
            level = f->level;
            break;

        case NGX_WS_GUARD_SCHEMA_S_ANYOF:
            if (++p->any_fail < p->node->nanyof) {
                return;
            }

            kw = NGX_WS_GUARD_SCHEMA_KW_ANYOF;
            level = p->level;
            break;

        case NGX_WS_GUARD_SCHEMA_S_ONEOF:
            if (++p->one_fail < p->node->noneof) {
                return;
            }

            kw = NGX_WS_GUARD_SCHEMA_KW_ONEOF;
            level = p->level;
            break;

        case NGX_WS_GUARD_SCHEMA_S_IF:
            p->if_res = NGX_WS_GUARD_SCHEMA_R_FAIL;

            if (p->else_res != NGX_WS_GUARD_SCHEMA_R_FAIL) {
                return;
            }

            kw = NGX_WS_GUARD_SCHEMA_KW_ELSE;
            level = p->level;
            break;

        case NGX_WS_GUARD_SCHEMA_S_THEN:
            p->then_res = NGX_WS_GUARD_SCHEMA_R_FAIL;

            if (p->if_res != NGX_WS_GUARD_SCHEMA_R_OK) {
                return;
            }

            kw = NGX_WS_GUARD_SCHEMA_KW_THEN;
            level = p->level;
            break;

        case NGX_WS_GUARD_SCHEMA_S_ELSE:
            p->else_res = NGX_WS_GUARD_SCHEMA_R_FAIL;

            if (p->if_res != NGX_WS_GUARD_SCHEMA_R_FAIL) {
                return;
            }

            kw = NGX_WS_GUARD_SCHEMA_KW_ELSE;
            level = p->level;
            break;

        default: /* NGX_WS_GUARD_SCHEMA_S_NOT, NGX_WS_GUARD_SCHEMA_S_CONTAINS */
            return;
        }

        fi = pi;
    }
}


/*
 * The keyword of a failure in the slot of a member's or an element's
 * subschema: the false schema fails as the keyword of the slot
 */

static unsigned
ngx_ws_guard_schema_false_kw(unsigned slot, unsigned kw)
{
    if (kw != NGX_WS_GUARD_SCHEMA_KW_FALSE) {
        return kw;
    }

    switch (slot) {

    case NGX_WS_GUARD_SCHEMA_S_PROPERTY:
        return NGX_WS_GUARD_SCHEMA_KW_PROPERTIES;

    case NGX_WS_GUARD_SCHEMA_S_PATTERN:
        return NGX_WS_GUARD_SCHEMA_KW_PATTERNPROPS;

    case NGX_WS_GUARD_SCHEMA_S_ADDITIONAL:
        return NGX_WS_GUARD_SCHEMA_KW_ADDITIONAL;

    case NGX_WS_GUARD_SCHEMA_S_PREFIX:
        return NGX_WS_GUARD_SCHEMA_KW_PREFIXITEMS;

    default: /* NGX_WS_GUARD_SCHEMA_S_ITEMS */
        return NGX_WS_GUARD_SCHEMA_KW_ITEMS;
    }
}


/* a frame passed: its value has ended */

static void
ngx_ws_guard_schema_pass(ngx_ws_guard_schema_state_t *st, uint32_t fi)
{
    uint32_t                      pi;
    ngx_ws_guard_schema_frame_t  *f, *p;

    f = &st->frames[fi];

    if (f->parent == NGX_WS_GUARD_SCHEMA_ROOT_PARENT) {
        return;
    }

    pi = f->parent;
    p = &st->frames[pi];

    if (p->dead) {
        return;
    }

    switch (f->slot) {

    case NGX_WS_GUARD_SCHEMA_S_ANYOF:
        p->any_ok++;
        break;

    case NGX_WS_GUARD_SCHEMA_S_ONEOF:
        if (++p->one_ok > 1) {
            ngx_ws_guard_schema_fail(st, pi, p->level,
                                     NGX_WS_GUARD_SCHEMA_KW_ONEOF);
        }
        break;

    case NGX_WS_GUARD_SCHEMA_S_NOT:
        ngx_ws_guard_schema_fail(st, pi, p->level, NGX_WS_GUARD_SCHEMA_KW_NOT);
        break;

    case NGX_WS_GUARD_SCHEMA_S_IF:
        p->if_res = NGX_WS_GUARD_SCHEMA_R_OK;

        if (p->then_res == NGX_WS_GUARD_SCHEMA_R_FAIL) {
            ngx_ws_guard_schema_fail(st, pi, p->level,
                                     NGX_WS_GUARD_SCHEMA_KW_THEN);
        }
        break;

    case NGX_WS_GUARD_SCHEMA_S_THEN:
        p->then_res = NGX_WS_GUARD_SCHEMA_R_OK;
        break;

    case NGX_WS_GUARD_SCHEMA_S_ELSE:
        p->else_res = NGX_WS_GUARD_SCHEMA_R_OK;
        break;

    case NGX_WS_GUARD_SCHEMA_S_CONTAINS:
        if (++p->contains > p->node->max_contains) {
            ngx_ws_guard_schema_fail(st, pi, p->level,
                                     NGX_WS_GUARD_SCHEMA_KW_MAXCONTAINS);
        }
        break;

    default:
        break;
    }
}


/* 1: match, 0: no match, -1: the match limit or memory ran out */

static int
ngx_ws_guard_schema_match(ngx_ws_guard_schema_state_t *st,
    const ngx_ws_guard_schema_re_t *re, const unsigned char *p, size_t len)
{
    int  rc;

    if (re->items) {
        rc = ngx_ws_guard_schema_simple_match(re, p, len);

        if (rc >= 0) {
            return rc;
        }
    }

    /*
     * The JIT's own entry skips pcre2_match()'s checks of the subject, UTF
     * validity among them: only for bytes known to be valid.  Those of the
     * message are (checked by the frame layer or the parser); a decoded
     * escape is too, but for an escaped lone surrogate, whose bytes begin
     * with 0xed.  Without JIT code for the pattern it says so, and
     * pcre2_match() runs.
     */

    rc = PCRE2_ERROR_JIT_BADOPTION;

    if (memchr(p, 0xed, len) == NULL) {
        rc = pcre2_jit_match(re->re, (PCRE2_SPTR) p, len, 0, 0,
                             st->pcre_md, st->pcre_mctx);
    }

    if (rc == PCRE2_ERROR_JIT_BADOPTION) {
        rc = pcre2_match(re->re, (PCRE2_SPTR) p, len, 0, 0, st->pcre_md,
                         st->pcre_mctx);
    }

    if (rc >= 0) {
        return 1;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return 0;
    }

    /* only an escaped lone surrogate gets here: the parser decodes it as is */

    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
        ngx_ws_guard_schema_set_error(st, NGX_WS_GUARD_CLOSE_INVALID_DATA,
                                      st->top, 0, "invalid JSON",
                                      "string is not valid UTF-8");
        return -1;
    }

    ngx_ws_guard_schema_limit(st, "pattern match limit");

    return -1;
}


/*
 * A pattern of items (ngx_ws_guard_schema_simple()): 1 match, 0 no match,
 * -1 when the string has a byte beyond ASCII (PCRE2's to decide, UTF-8
 * errors included)
 */

static int
ngx_ws_guard_schema_simple_match(const ngx_ws_guard_schema_re_t *re,
    const unsigned char *p, size_t len)
{
    size_t                             i, k;
    uint32_t                           n;
    const ngx_ws_guard_schema_item_t  *it, *last;

    i = 0;
    it = re->items;
    last = it + re->nitems;

    for ( /* void */ ; it < last; it++) {

        for (n = 0;
             n < it->max && i < len && p[i] < 0x80
             && ((it->set[p[i] >> 6] >> (p[i] & 63)) & 1);
             n++)
        {
            i++;
        }

        if (n < it->min) {
            goto failed;
        }
    }

    if (i == len) {
        return 1;
    }

failed:

    /* the bytes before i were taken: ASCII */

    for (k = i; k < len; k++) {
        if (p[k] >= 0x80) {
            return -1;
        }
    }

    return 0;
}


static const ngx_ws_guard_schema_name_t *
ngx_ws_guard_schema_lookup(const ngx_ws_guard_schema_node_t *node,
    const unsigned char *key, size_t len, uint64_t head)
{
    int                                rc;
    size_t                             lo, hi, mid, i;
    const ngx_ws_guard_schema_name_t  *e;

    /*
     * the names are sorted by length, then by their bytes: by their heads
     * first, which settle names of up to 8 bytes
     */

    lo = 0;
    hi = node->nnames;

    while (lo < hi) {
        mid = (lo + hi) / 2;
        e = &node->names[mid];

        if (len != e->len) {
            rc = (len < e->len) ? -1 : 1;

        } else if (head != e->head) {
            rc = (head < e->head) ? -1 : 1;

        } else {
            /* names are short: no call to memcmp() */

            for (i = 8; i < len && key[i] == e->name[i]; i++) {
                /* void */
            }

            if (i >= len) {
                return e;
            }

            rc = (key[i] < e->name[i]) ? -1 : 1;
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


/* rules */

/* the lowest set bit of bits (not 0) */

static unsigned
ngx_ws_guard_schema_ctz(uint64_t bits)
{
#if defined(__GNUC__)

    return (unsigned) __builtin_ctzll(bits);

#else

    unsigned  n;

    for (n = 0; !(bits & 1); n++) {
        bits >>= 1;
    }

    return n;

#endif
}


static void
ngx_ws_guard_schema_rules_step(ngx_ws_guard_schema_state_t *st,
    size_t parent, const unsigned char *key, size_t len, size_t index)
{
    size_t                              w;
    unsigned                            b;
    uint64_t                            bits, out, *src, *dst;
    const ngx_ws_guard_schema_prule_t  *r;

    src = st->alive + parent * st->words;
    dst = src + st->words;

    for (w = 0; w < st->words; w++) {
        out = 0;
        bits = src[w];

        while (bits) {
            b = ngx_ws_guard_schema_ctz(bits);
            bits &= bits - 1;

            r = &st->rules->rules[w * 64 + b];

            if (r->ntokens <= parent) {
                continue;
            }

            if (key ? (r->lens[parent] == len
                       && (len == 0
                           || memcmp(r->tokens[parent], key, len) == 0))
                    : r->indexes[parent] == index)
            {
                out |= (uint64_t) 1 << b;
            }
        }

        dst[w] = out;
    }
}


/* a rule compares a container of this type at level: it must be hashed */

static unsigned
ngx_ws_guard_schema_rules_hash(ngx_ws_guard_schema_state_t *st, size_t level,
    unsigned type)
{
    size_t                              w;
    unsigned                            b;
    uint64_t                            bits;
    const ngx_ws_guard_schema_prule_t  *r;

    for (w = 0; w < st->words; w++) {
        bits = st->alive[level * st->words + w];

        while (bits) {
            b = ngx_ws_guard_schema_ctz(bits);
            bits &= bits - 1;

            r = &st->rules->rules[w * 64 + b];

            if (r->ntokens == level && r->value.type == type) {
                return 1;
            }
        }
    }

    return 0;
}


static void
ngx_ws_guard_schema_rules_end(ngx_ws_guard_schema_state_t *st, size_t level,
    ngx_ws_guard_schema_value_t *v)
{
    size_t                              w;
    unsigned                            b, eq;
    uint64_t                            bits;
    ngx_ws_guard_schema_level_t        *lv;
    const ngx_ws_guard_schema_prule_t  *r;

    lv = &st->levels[level];

    for (w = 0; w < st->words; w++) {
        bits = st->alive[level * st->words + w];

        while (bits) {
            b = ngx_ws_guard_schema_ctz(bits);
            bits &= bits - 1;

            r = &st->rules->rules[w * 64 + b];

            if (r->ntokens != level) {
                continue;
            }

            if (v) {
                if (ngx_ws_guard_schema_bytes(st, v) != NGX_WS_GUARD_OK) {
                    return;
                }

                eq = ngx_ws_guard_schema_const_eq(&r->value, v->type,
                                                  v->boolean, v->p, v->len,
                                                  &v->num);

            } else {
                eq = r->value.type == lv->type && lv->hash
                     && r->value.hash.lo == lv->value.lo
                     && r->value.hash.hi == lv->value.hi;
            }

            if (eq) {
                st->matched[w] |= (uint64_t) 1 << b;
            }
        }
    }
}
