
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Fuzz target of the streaming schema validator.  The verdict, close code,
 * reason and matched rules of a message must not depend on how it is cut
 * into chunks nor on the state having validated other messages before.
 *
 * Input: byte 0 picks one of the built-in schemas (with small limits, so
 * that they are reached), bytes 1-2 seed the cuts, the rest is the
 * message.  When byte 0 is 0xff the rest is compiled as a schema instead,
 * and if it compiles, a few fixed messages are checked against it.
 */


#include <stdio.h>
#include <stdlib.h>

#include "ngx_ws_guard_schema.h"


#define FUZZ_SCHEMAS  4
#define FUZZ_RULES    4


typedef struct {
    int                           rc;
    int                           code;
    unsigned                      matched;
    char                          reason[NGX_WS_GUARD_SCHEMA_REASON_MAX + 1];
} fuzz_verdict_t;


static int fuzz_init(void);
static uint32_t fuzz_rand(uint32_t *x);
static void fuzz_run(ngx_ws_guard_schema_state_t *st, const uint8_t *p,
    size_t len, uint32_t seed, unsigned mode, fuzz_verdict_t *v);
static void fuzz_compare(const fuzz_verdict_t *a, const fuzz_verdict_t *b,
    const char *what);
static void fuzz_schema(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const char  *fuzz_schema_texts[FUZZ_SCHEMAS] = {

    /* a chat protocol */
    "{\"type\":\"object\",\"required\":[\"type\"],"
    "\"properties\":{\"type\":{\"enum\":[\"chat\",\"join\",\"ping\"]},"
    "\"room\":{\"type\":\"string\",\"pattern\":\"^[a-z0-9_-]{1,32}$\"},"
    "\"text\":{\"type\":\"string\",\"maxLength\":40},"
    "\"ts\":{\"type\":\"integer\",\"minimum\":0},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
    "\"uniqueItems\":true,\"maxItems\":8}},"
    "\"additionalProperties\":false,"
    "\"if\":{\"properties\":{\"type\":{\"const\":\"chat\"}}},"
    "\"then\":{\"required\":[\"room\",\"text\"]}}",

    /* every applicator, recursively */
    "{\"$defs\":{\"v\":{\"anyOf\":[{\"type\":[\"null\",\"boolean\"]},"
    "{\"type\":\"number\",\"multipleOf\":0.25,\"exclusiveMaximum\":1e6},"
    "{\"type\":\"string\",\"minLength\":1,\"not\":{\"pattern\":\"^x\"}},"
    "{\"type\":\"array\",\"prefixItems\":[{\"$ref\":\"#/$defs/v\"}],"
    "\"items\":{\"$ref\":\"#/$defs/v\"},\"contains\":{\"const\":[1,{}]},"
    "\"minContains\":0,\"maxContains\":2,\"uniqueItems\":true},"
    "{\"type\":\"object\",\"propertyNames\":{\"maxLength\":6},"
    "\"patternProperties\":{\"^n\":{\"type\":\"integer\"}},"
    "\"additionalProperties\":{\"$ref\":\"#/$defs/v\"},"
    "\"dependentRequired\":{\"a\":[\"b\"]},\"maxProperties\":6,"
    "\"oneOf\":[{\"required\":[\"k\"]},{\"not\":{\"required\":[\"k\"]}}],"
    "\"enum\":[{},{\"a\":1,\"b\":[2]},{\"k\":null}],"
    "\"$comment\":\"only three objects pass\"},"
    "{\"type\":\"object\",\"minProperties\":1,\"allOf\":[{\"$ref\":"
    "\"#/$defs/w\"}]}]},"
    "\"w\":{\"properties\":{\"w\":{\"$ref\":\"#\"}},\"required\":[\"w\"]}},"
    "\"$ref\":\"#/$defs/v\"}",

    /* anything: well-formedness, limits and the rules only */
    "true",

    /* numbers */
    "{\"type\":\"array\",\"items\":{\"type\":\"number\","
    "\"minimum\":-18446744073709551616,\"maximum\":1.8e19,"
    "\"multipleOf\":0.001},\"minItems\":1}"
};


static const ngx_ws_guard_schema_rule_t  fuzz_rule_defs[FUZZ_RULES] = {
    { (const unsigned char *) "/type", 5,
      (const unsigned char *) "chat", 4, 0 },
    { (const unsigned char *) "/tags/1", 7,
      (const unsigned char *) "\"b\"", 3, 1 },
    { (const unsigned char *) "/0", 2,
      (const unsigned char *) "{\"a\":1,\"b\":[2]}", 15, 1 },
    { (const unsigned char *) "", 0,
      (const unsigned char *) "1", 1, 1 }
};


static ngx_ws_guard_schema_t        *fuzz_schemas[FUZZ_SCHEMAS];
static ngx_ws_guard_schema_rules_t  *fuzz_rules;

/* states that live across inputs: reuse must not change verdicts */
static ngx_ws_guard_schema_state_t  *fuzz_states[FUZZ_SCHEMAS];


static int
fuzz_init(void)
{
    char                        err[256];
    size_t                      i;
    ngx_ws_guard_schema_conf_t  conf;

    if (fuzz_rules) {
        return 0;
    }

    fuzz_rules = ngx_ws_guard_schema_rules_compile(fuzz_rule_defs,
                                                  FUZZ_RULES, err,
                                                  sizeof(err));
    if (fuzz_rules == NULL) {
        fprintf(stderr, "rules: %s\n", err);
        abort();
    }

    for (i = 0; i < FUZZ_SCHEMAS; i++) {
        fuzz_schemas[i] = ngx_ws_guard_schema_compile(
                                   (const unsigned char *) fuzz_schema_texts[i],
                                   strlen(fuzz_schema_texts[i]), NULL, err,
                                   sizeof(err));
        if (fuzz_schemas[i] == NULL) {
            fprintf(stderr, "schema %zu: %s\n", i, err);
            abort();
        }

        memset(&conf, 0, sizeof(conf));
        conf.schema = fuzz_schemas[i];
        conf.rules = fuzz_rules;
        conf.max_depth = 12;
        conf.max_string = 48;
        conf.max_keys = 12;

        fuzz_states[i] = ngx_ws_guard_schema_state_create(&conf, err,
                                                          sizeof(err));
        if (fuzz_states[i] == NULL) {
            fprintf(stderr, "state %zu: %s\n", i, err);
            abort();
        }
    }

    return 0;
}


static uint32_t
fuzz_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;

    return *x;
}


/*
 * mode 0: whole; 1: one byte at a time; 2: random pieces of 0..max
 * bytes, each in its own buffer so that any overread shows
 */

static void
fuzz_run(ngx_ws_guard_schema_state_t *st, const uint8_t *p, size_t len,
    uint32_t seed, unsigned mode, fuzz_verdict_t *v)
{
    int             rc;
    size_t          off, n, max, i;
    unsigned char  *chunk;

    ngx_ws_guard_schema_reset(st);

    rc = NGX_WS_GUARD_AGAIN;
    max = (seed & 0x100) ? 5 : 70;
    off = 0;

    while (off < len && rc == NGX_WS_GUARD_AGAIN) {

        switch (mode) {
        case 0:
            n = len;
            break;
        case 1:
            n = 1;
            break;
        default:
            n = fuzz_rand(&seed) % (max + 1);
            break;
        }

        if (n > len - off) {
            n = len - off;
        }

        chunk = malloc(n ? n : 1);
        if (chunk == NULL) {
            abort();
        }

        memcpy(chunk, p + off, n);
        rc = ngx_ws_guard_schema_feed(st, chunk, n);
        free(chunk);

        off += n;
    }

    if (rc == NGX_WS_GUARD_AGAIN) {
        rc = ngx_ws_guard_schema_finish(st);
    }

    if (rc != NGX_WS_GUARD_OK && rc != NGX_WS_GUARD_ERROR) {
        abort();
    }

    v->rc = rc;
    v->code = ngx_ws_guard_schema_close_code(st);
    snprintf(v->reason, sizeof(v->reason), "%s",
             ngx_ws_guard_schema_reason(st));

    if (rc == NGX_WS_GUARD_ERROR) {
        if ((v->code != 1007 && v->code != 1008)
            || strlen(v->reason) == 0
            || strlen(v->reason) > NGX_WS_GUARD_SCHEMA_REASON_MAX)
        {
            fprintf(stderr, "bad error %d \"%s\"\n", v->code, v->reason);
            abort();
        }

    } else if (v->code != 0) {
        abort();
    }

    v->matched = 0;

    for (i = 0; i < FUZZ_RULES; i++) {
        if (ngx_ws_guard_schema_matched(st, i)) {
            v->matched |= 1u << i;
        }
    }
}


static void
fuzz_compare(const fuzz_verdict_t *a, const fuzz_verdict_t *b,
    const char *what)
{
    if (a->rc != b->rc || a->code != b->code || a->matched != b->matched
        || strcmp(a->reason, b->reason) != 0)
    {
        fprintf(stderr, "%s: %d %d \"%s\" 0x%x, whole: %d %d \"%s\" 0x%x\n",
                what, b->rc, b->code, b->reason, b->matched, a->rc, a->code,
                a->reason, a->matched);
        abort();
    }
}


/* the input as a schema: compilation must not crash nor leak */

static void
fuzz_schema(const uint8_t *data, size_t size)
{
    char                          err[256];
    size_t                        i;
    fuzz_verdict_t                whole, piece;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_conf_t    conf;
    ngx_ws_guard_schema_state_t  *st;

    static const char  *msgs[] = {
        "{\"a\":[1,2.5,\"x\",null,true,{\"b\":{}}],\"c\":\"d\"}",
        "[[[[[]]]],{\"k\":-1e3},\"\\u00e9\",0]",
        "\"abc\"",
        "123.456e7"
    };

    s = ngx_ws_guard_schema_compile(data, size, NULL, err, sizeof(err));
    if (s == NULL) {
        if (err[0] == '\0') {
            abort();
        }

        return;
    }

    memset(&conf, 0, sizeof(conf));
    conf.schema = s;
    conf.rules = fuzz_rules;
    conf.max_depth = 8;
    conf.max_string = 32;
    conf.max_keys = 8;
    conf.budget = 256 * 1024;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    if (st == NULL) {
        abort();
    }

    for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        fuzz_run(st, (const uint8_t *) msgs[i], strlen(msgs[i]), 1, 0, &whole);
        fuzz_run(st, (const uint8_t *) msgs[i], strlen(msgs[i]), 1, 1, &piece);
        fuzz_compare(&whole, &piece, "schema input, 1-byte pieces");
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                          err[256];
    size_t                        len;
    uint32_t                      seed;
    const uint8_t                *msg;
    fuzz_verdict_t                whole, v;
    ngx_ws_guard_schema_conf_t    conf;
    ngx_ws_guard_schema_state_t  *fresh, *st;

    fuzz_init();

    if (size < 3) {
        return 0;
    }

    if (data[0] == 0xff) {
        fuzz_schema(data + 1, size - 1);
        return 0;
    }

    st = fuzz_states[data[0] % FUZZ_SCHEMAS];
    seed = ((uint32_t) data[1] << 8 | data[2]) * 2654435761u | 1;
    msg = data + 3;
    len = size - 3;

    /* a fresh state, whole: the reference */

    memset(&conf, 0, sizeof(conf));
    conf.schema = fuzz_schemas[data[0] % FUZZ_SCHEMAS];
    conf.rules = fuzz_rules;
    conf.max_depth = 12;
    conf.max_string = 48;
    conf.max_keys = 12;

    fresh = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    if (fresh == NULL) {
        abort();
    }

    fuzz_run(fresh, msg, len, seed, 0, &whole);
    ngx_ws_guard_schema_state_free(fresh);

    /* the long-lived state: whole, random pieces, single bytes */

    fuzz_run(st, msg, len, seed, 0, &v);
    fuzz_compare(&whole, &v, "reused state, whole");

    fuzz_run(st, msg, len, seed, 2, &v);
    fuzz_compare(&whole, &v, "random pieces");

    if (len <= 2048) {
        fuzz_run(st, msg, len, seed, 1, &v);
        fuzz_compare(&whole, &v, "1-byte pieces");
    }

    return 0;
}
