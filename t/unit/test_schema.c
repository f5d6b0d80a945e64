
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Unit tests of the streaming JSON Schema validator: compilation errors,
 * verdicts and reasons, independence from the chunking, limits and the
 * memory they bound, reuse of a state across messages, the pointer rules.
 */


#include "ngx_ws_guard_schema_int.h"
#include "unit.h"


/* an allocator that counts, to check the state's own accounting */
typedef struct {
    size_t  cur;
    size_t  peak;
    size_t  count;
} test_counter_t;


typedef struct {
    int     rc;
    int     code;
    char    reason[NGX_WS_GUARD_SCHEMA_REASON_MAX + 1];
} test_verdict_t;


static void *test_alloc(void *data, size_t size);
static void test_free(void *data, void *p);
static ngx_ws_guard_schema_t *test_compile(const char *json);
static ngx_ws_guard_schema_state_t *test_state(ngx_ws_guard_schema_t *s,
    ngx_ws_guard_schema_rules_t *rules, size_t max_depth, size_t max_string,
    size_t max_keys);
static void test_run(ngx_ws_guard_schema_state_t *st, const char *msg,
    size_t len, size_t piece, test_verdict_t *v);
static int test_check(ngx_ws_guard_schema_state_t *st, const char *msg,
    int code, const char *reason);
static void test_compile_errors(void);
static void test_verdicts(void);
static void test_chunking(void);
static void test_numbers(void);
static void test_equality(void);
static void test_limits(void);
static void test_memory(void);
static void test_reuse(void);
static void test_rules(void);
static void test_misc(void);
static void test_lengths(void);
static void test_escapes(void);
static void test_names(void);
static void test_root_kept(void);
static void test_simple_patterns(void);
static size_t test_quote(char *dst, const char *src, size_t len);
static uint64_t test_next(uint64_t *r);


static void *
test_alloc(void *data, size_t size)
{
    test_counter_t  *c = data;

    size_t  *p;

    p = malloc(size + 16);
    if (p == NULL) {
        return NULL;
    }

    p[0] = size;
    c->cur += size;
    c->count++;

    if (c->cur > c->peak) {
        c->peak = c->cur;
    }

    return (char *) p + 16;
}


static void
test_free(void *data, void *p)
{
    test_counter_t  *c = data;

    size_t  *b;

    if (p == NULL) {
        return;
    }

    b = (size_t *) ((char *) p - 16);
    c->cur -= b[0];
    free(b);
}


static ngx_ws_guard_schema_t *
test_compile(const char *json)
{
    char                    err[256];
    ngx_ws_guard_schema_t  *s;

    s = ngx_ws_guard_schema_compile((const unsigned char *) json,
                                    strlen(json), NULL, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "compile %s: %s\n", json, err);
    }

    return s;
}


static ngx_ws_guard_schema_state_t *
test_state(ngx_ws_guard_schema_t *s, ngx_ws_guard_schema_rules_t *rules,
    size_t max_depth, size_t max_string, size_t max_keys)
{
    char                          err[256];
    ngx_ws_guard_schema_conf_t    conf;
    ngx_ws_guard_schema_state_t  *st;

    memset(&conf, 0, sizeof(conf));
    conf.schema = s;
    conf.rules = rules;
    conf.max_depth = max_depth;
    conf.max_string = max_string;
    conf.max_keys = max_keys;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    if (st == NULL) {
        fprintf(stderr, "state: %s\n", err);
    }

    return st;
}


/* piece 0: whole */

static void
test_run(ngx_ws_guard_schema_state_t *st, const char *msg, size_t len,
    size_t piece, test_verdict_t *v)
{
    int     rc;
    size_t  off, n;

    ngx_ws_guard_schema_reset(st);

    rc = NGX_WS_GUARD_AGAIN;

    for (off = 0; off < len && rc == NGX_WS_GUARD_AGAIN; off += n) {
        n = (piece == 0 || len - off < piece) ? len - off : piece;
        rc = ngx_ws_guard_schema_feed(st, (const unsigned char *) msg + off,
                                      n);
    }

    if (rc == NGX_WS_GUARD_AGAIN) {
        rc = ngx_ws_guard_schema_finish(st);
    }

    v->rc = rc;
    v->code = ngx_ws_guard_schema_close_code(st);
    snprintf(v->reason, sizeof(v->reason), "%s",
             ngx_ws_guard_schema_reason(st));
}


/*
 * The message whole, in 1-byte pieces and in pieces of 2, 3, 5, 7 and 64
 * bytes must all give code (0: valid) and reason (NULL: any).
 */

static int
test_check(ngx_ws_guard_schema_state_t *st, const char *msg, int code,
    const char *reason)
{
    int              ok;
    size_t           i, len;
    test_verdict_t   whole, v;

    static const size_t  pieces[] = { 1, 2, 3, 5, 7, 64 };

    len = strlen(msg);
    test_run(st, msg, len, 0, &whole);

    ok = (whole.rc == (code ? NGX_WS_GUARD_ERROR : NGX_WS_GUARD_OK))
         && whole.code == code
         && (reason == NULL || strcmp(whole.reason, reason) == 0);

    if (!ok) {
        fprintf(stderr, "message %s: got %d \"%s\", expected %d \"%s\"\n",
                msg, whole.code, whole.reason, code, reason ? reason : "");
    }

    for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        test_run(st, msg, len, pieces[i], &v);

        if (v.rc != whole.rc || v.code != whole.code
            || strcmp(v.reason, whole.reason) != 0)
        {
            fprintf(stderr, "message %s in pieces of %zu: %d \"%s\", whole: "
                    "%d \"%s\"\n", msg, pieces[i], v.code, v.reason,
                    whole.code, whole.reason);
            ok = 0;
        }
    }

    return ok;
}


static void
test_compile_errors(void)
{
    char                    err[256];
    size_t                  i;
    ngx_ws_guard_schema_t  *s;

    static const struct {
        const char  *schema;
        const char  *error;
    } cases[] = {
        { "{\"properties\":{\"a\":{\"unevaluatedProperties\":false}}}",
          "unsupported keyword \"unevaluatedProperties\" at /properties/a" },
        { "{\"foo\":1}", "unsupported keyword \"foo\" at (root)" },
        { "{\"items\":{\"definitions\":{}}}",
          "unsupported keyword \"definitions\" at /items" },
        { "{\"allOf\":[{},{\"$dynamicRef\":\"#x\"}]}",
          "unsupported keyword \"$dynamicRef\" at /allOf/1" },
        { "{\"$defs\":{\"a/b\":{\"dependentSchemas\":{}}}}",
          "unsupported keyword \"dependentSchemas\" at /$defs/a~1b" },
        { "{\"minLength\":-1}",
          "invalid value of \"minLength\" at (root): must be a non-negative "
          "integer" },
        { "{\"maxItems\":1.5}",
          "invalid value of \"maxItems\" at (root): must be a non-negative "
          "integer" },
        { "{\"type\":\"foo\"}", NULL },
        { "{\"type\":[\"string\",\"string\"]}", NULL },
        { "{\"required\":\"a\"}", NULL },
        { "{\"required\":[\"a\",\"a\"]}", NULL },
        { "{\"multipleOf\":0}", NULL },
        { "{\"minimum\":\"1\"}", NULL },
        { "{\"items\":[{}]}", NULL },
        { "{\"anyOf\":[]}", NULL },
        { "{\"properties\":{\"a\":1}}",
          "schema at /properties/a is not an object or a boolean" },
        { "{\"pattern\":\"(\"}", NULL },
        { "{\"patternProperties\":{\"[\":{}}}", NULL },
        { "{\"uniqueItems\":1}", NULL },
        { "{\"$ref\":\"http://example.com/s.json\"}", NULL },
        { "{\"$ref\":\"#/$defs/missing\"}",
          "unresolvable \"$ref\" \"#/$defs/missing\" at (root)" },
        { "{\"$ref\":\"#nope\"}", NULL },
        { "{\"$ref\":\"#\"}",
          "\"$ref\" cycle at (root): the schema applies itself to the same "
          "value" },
        { "{\"$defs\":{\"a\":{\"allOf\":[{\"$ref\":\"#/$defs/b\"}]},"
          "\"b\":{\"not\":{\"$ref\":\"#/$defs/a\"}}}}", NULL },
        { "{\"properties\":{\"a\":{\"$id\":\"http://x/y\"}}}",
          "\"$id\" at /properties/a: \"$id\" is supported at the schema root "
          "only" },
        { "{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}", NULL },
        { "{\"title\":1}", NULL },
        { "{\"type\":\"string\"", NULL },
        { "[]", "schema at (root) is not an object or a boolean" },
        { "{} {}", NULL },
        { "", NULL }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        s = ngx_ws_guard_schema_compile((const unsigned char *)
                                        cases[i].schema,
                                        strlen(cases[i].schema), NULL, err,
                                        sizeof(err));
        CHECK(s == NULL);
        CHECK(err[0] != '\0');

        if (cases[i].error && strcmp(err, cases[i].error) != 0) {
            fprintf(stderr, "schema %s: \"%s\", expected \"%s\"\n",
                    cases[i].schema, err, cases[i].error);
            CHECK(0);
        }

        ngx_ws_guard_schema_free(s);
    }

    /* what is accepted: annotations, $id at the root, local references */

    s = test_compile("{\"$schema\":\"https://json-schema.org/draft/2020-12/"
                     "schema\",\"$id\":\"urn:example:a\",\"title\":\"t\","
                     "\"description\":\"d\",\"default\":{},\"examples\":[1],"
                     "\"$comment\":\"c\",\"format\":\"email\","
                     "\"deprecated\":false,\"readOnly\":true,"
                     "\"writeOnly\":false,\"contentMediaType\":\"text/plain\","
                     "\"contentEncoding\":\"base64\",\"$anchor\":\"top\","
                     "\"properties\":{\"a\":{\"$ref\":\"#/$defs/x\"},"
                     "\"b\":{\"$ref\":\"urn:example:a#/$defs/x\"},"
                     "\"c\":{\"$ref\":\"#top\"}},"
                     "\"$defs\":{\"x\":{\"type\":\"integer\"}}}");
    CHECK(s != NULL);
    ngx_ws_guard_schema_free(s);

    /* recursion through an applicator is not a cycle */

    s = test_compile("{\"properties\":{\"next\":{\"$ref\":\"#\"}}}");
    CHECK(s != NULL);
    ngx_ws_guard_schema_free(s);

    ngx_ws_guard_schema_free(NULL);
}


static void
test_verdicts(void)
{
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    s = test_compile("{\"type\":\"object\",\"required\":[\"type\",\"items\"],"
                     "\"properties\":{"
                     "\"type\":{\"enum\":[\"order\",\"quote\"]},"
                     "\"items\":{\"type\":\"array\",\"maxItems\":5,"
                     "\"items\":{\"type\":\"object\",\"required\":[\"price\"],"
                     "\"properties\":{\"price\":{\"type\":\"number\","
                     "\"minimum\":0},\"sku\":{\"type\":\"string\","
                     "\"pattern\":\"^[A-Z]{3}-[0-9]+$\"}},"
                     "\"additionalProperties\":false}},"
                     "\"note\":{\"type\":\"string\",\"maxLength\":4},"
                     "\"a/b\":{\"const\":1}},"
                     "\"propertyNames\":{\"maxLength\":8}}");
    CHECK(s != NULL);

    st = test_state(s, NULL, 0, 0, 0);
    CHECK(st != NULL);

    if (s == NULL || st == NULL) {
        ngx_ws_guard_schema_free(s);
        return;
    }

    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[]}", 0, NULL));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{\"price\":1},"
                     "{\"price\":2.5,\"sku\":\"ABC-12\"}]}", 0, NULL));
    CHECK(test_check(st, " {\"items\":[],\"type\":\"quote\"}\r\n\t", 0,
                     NULL));

    /* violations: 1008, the pointer in the message and the keyword */

    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{\"price\":1},"
                     "{\"price\":2},{\"price\":3},{\"price\":-1}]}",
                     1008, "/items/3/price: minimum"));
    CHECK(test_check(st, "{\"type\":\"sale\",\"items\":[]}", 1008,
                     "/type: enum"));
    CHECK(test_check(st, "{\"type\":\"order\"}", 1008, "(root): required"));
    CHECK(test_check(st, "[]", 1008, "(root): type"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{\"price\":1,"
                     "\"x\":2}]}", 1008, "/items/0/x: additionalProperties"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{\"price\":1,"
                     "\"sku\":\"abc-1\"}]}", 1008, "/items/0/sku: pattern"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{},{},{},{},{},{}]}",
                     1008, "/items/0: required"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[{\"price\":1},"
                     "{\"price\":1},{\"price\":1},{\"price\":1},{\"price\":1},"
                     "{\"price\":1}]}", 1008, "/items: maxItems"));
    CHECK(test_check(st, "{\"note\":\"h\xc3\xa9llo\"}", 1008,
                     "/note: maxLength"));
    CHECK(test_check(st, "{\"note\":\"h\xc3\xa9ll\",\"type\":\"order\","
                     "\"items\":[]}", 0, NULL));
    CHECK(test_check(st, "{\"a/b\":2}", 1008, "/a~1b: const"));
    CHECK(test_check(st, "{\"a/b\":1.0,\"type\":\"order\",\"items\":[]}", 0,
                     NULL));
    CHECK(test_check(st, "{\"averylongname\":1}", 1008,
                     "/averylongname: propertyNames"));

    /* malformed: 1007 */

    CHECK(test_check(st, "", 1007, "(root): invalid JSON: empty message"));
    CHECK(test_check(st, "  \n", 1007, NULL));
    CHECK(test_check(st, "{\"type\":", 1007,
                     "/type: invalid JSON: message ends inside a value"));
    CHECK(test_check(st, "{\"type\":\"ord", 1007, NULL));
    CHECK(test_check(st, "{\"type\" 1}", 1007, NULL));
    CHECK(test_check(st, "{\"type\":tru}", 1007, NULL));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[]} {}", 1007,
                     "(root): invalid JSON: data after the value"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[]}x", 1007, NULL));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[]}]", 1007, NULL));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[],\"x\":01}", 1007,
                     NULL));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[01]}", 1008,
                     "/items/0: type"));
    CHECK(test_check(st, "{\"type\":\"\x01\"}", 1007, NULL));
    CHECK(test_check(st, "{\"type\":\"\\q\"}", 1007, NULL));
    CHECK(test_check(st, "{/* c */}", 1007, NULL));

    /* the first failure wins, in stream order */

    CHECK(test_check(st, "{\"type\":\"sale\",\"items\":[}", 1008,
                     "/type: enum"));
    CHECK(test_check(st, "{\"type\":\"order\",\"items\":[}", 1007, NULL));

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    /* applicators that branch: the reason names them */

    s = test_compile("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\","
                     "\"minimum\":10}],\"not\":{\"const\":\"x\"},"
                     "\"if\":{\"type\":\"string\"},"
                     "\"then\":{\"minLength\":2},\"else\":{\"maximum\":100}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "\"ab\"", 0, NULL));
        CHECK(test_check(st, "50", 0, NULL));
        CHECK(test_check(st, "\"x\"", 1008, "(root): then"));
        CHECK(test_check(st, "\"xx\"", 0, NULL));
        CHECK(test_check(st, "\"y\"", 1008, "(root): then"));
        CHECK(test_check(st, "500", 1008, "(root): else"));
        CHECK(test_check(st, "5", 1008, "(root): anyOf"));
        CHECK(test_check(st, "{\"a\":[1,2,3]}", 1008, "(root): anyOf"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("{\"oneOf\":[{\"multipleOf\":3},{\"multipleOf\":5}]}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "9", 0, NULL));
        CHECK(test_check(st, "15", 1008, "(root): oneOf"));
        CHECK(test_check(st, "7", 1008, "(root): oneOf"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    /* recursion, contains, dependentRequired, boolean schemas */

    s = test_compile("{\"$defs\":{\"node\":{\"type\":\"object\","
                     "\"properties\":{\"v\":{\"type\":\"integer\"},"
                     "\"kids\":{\"type\":\"array\","
                     "\"items\":{\"$ref\":\"#/$defs/node\"}}},"
                     "\"dependentRequired\":{\"kids\":[\"v\"]}}},"
                     "\"$ref\":\"#/$defs/node\"}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3}"
                         "]},{}]}", 0, NULL));
        CHECK(test_check(st, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":"
                         "\"3\"}]}]}", 1008, "/kids/0/kids/0/v: type"));
        CHECK(test_check(st, "{\"v\":1,\"kids\":[{\"kids\":[]}]}", 1008,
                         "/kids/0: dependentRequired"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("{\"contains\":{\"const\":\"x\"},\"minContains\":2,"
                     "\"maxContains\":3,\"prefixItems\":[true,false],"
                     "\"items\":{\"type\":\"string\"}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "[\"x\"]", 1008, "(root): minContains"));
        CHECK(test_check(st, "[\"x\",\"x\"]", 1008, "/1: prefixItems"));
        CHECK(test_check(st, "[1]", 1008, "(root): minContains"));
        CHECK(test_check(st, "[1]", 1008, NULL));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("{\"contains\":{\"const\":\"x\"},\"maxContains\":1,"
                     "\"items\":{\"type\":\"string\"}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "[\"a\",\"x\",\"b\"]", 0, NULL));
        CHECK(test_check(st, "[\"a\",\"x\",\"x\"]", 1008,
                         "(root): maxContains"));
        CHECK(test_check(st, "[\"a\"]", 1008, "(root): contains"));
        CHECK(test_check(st, "[\"a\",1]", 1008, "/1: type"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("false");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "{}", 1008, "(root): false schema"));
        CHECK(test_check(st, "{", 1008, "(root): false schema"));
        CHECK(test_check(st, "{]", 1008, "(root): false schema"));
        CHECK(test_check(st, "]", 1007, NULL));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


/* the verdict and the reason never depend on the chunking */

static void
test_chunking(void)
{
    size_t                        i, piece;
    test_verdict_t                whole, v;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const char  *msgs[] = {
        "{\"a\":[1,2,{\"b\":\"c\\u00e9\\\"\"}],\"d\":-12.5e-3}",
        "12345678901234567890",
        "-0.5",
        "\"a string with \\\\ and \\n escapes\"",
        "[true,false,null,[],{},\"\",0]",
        "{\"a\":1,\"a\":2}",
        "[1,2,3,4,5,6,7,8,9,10]",
        "{\"k\":\"v\"}   ",
        "{\"k\":\"v\"}  1",
        "1 2",
        "[1e400,1E-400,-0.0]",
        "\"\xf0\x9f\x98\x80\"",
        "nul",
        "[1,]",
        "{\"a\":{\"b\":{\"c\":{\"d\":[[[[\"deep\"]]]]}}}}",
        "{\"x\":\"\\ud83d\\ude00\"}"
    };

    s = test_compile("{\"type\":[\"object\",\"array\",\"number\",\"string\"],"
                     "\"items\":{\"not\":{\"type\":\"boolean\"}},"
                     "\"properties\":{\"a\":{\"minItems\":3},"
                     "\"d\":{\"exclusiveMaximum\":0}},"
                     "\"maxLength\":30}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s == NULL || st == NULL) {
        CHECK(0);
        ngx_ws_guard_schema_free(s);
        return;
    }

    /* every piece size from 1 byte to the whole message */

    for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {

        test_run(st, msgs[i], strlen(msgs[i]), 0, &whole);

        for (piece = 1; piece <= strlen(msgs[i]); piece++) {
            test_run(st, msgs[i], strlen(msgs[i]), piece, &v);

            if (v.rc != whole.rc || v.code != whole.code
                || strcmp(v.reason, whole.reason) != 0)
            {
                fprintf(stderr, "%s: pieces of %zu: \"%s\", whole \"%s\"\n",
                        msgs[i], piece, v.reason, whole.reason);
                CHECK(0);
                break;
            }
        }

        CHECK(piece > strlen(msgs[i]));
    }

    CHECK(test_check(st, "[1,2,3]", 0, NULL));
    CHECK(test_check(st, "[1,true]", 1008, "/1: not"));
    CHECK(test_check(st, "{\"a\":[1,2,{\"b\":\"c\\u00e9\\\"\"}],"
                     "\"d\":-12.5e-3}", 0, NULL));
    CHECK(test_check(st, "{\"d\":0}", 1008, "/d: exclusiveMaximum"));
    CHECK(test_check(st, "1 2", 1007,
                     "(root): invalid JSON: data after the value"));
    CHECK(test_check(st, "\"\\ud83d\\ude00\"", 0, NULL));

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


static void
test_numbers(void)
{
    size_t                        i;
    char                          schema[256];
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const struct {
        const char  *keywords;
        const char  *value;
        int          valid;
    } cases[] = {
        { "\"type\":\"integer\"", "1.0", 1 },
        { "\"type\":\"integer\"", "1e2", 1 },
        { "\"type\":\"integer\"", "1.5e1", 1 },
        { "\"type\":\"integer\"", "1.25e1", 0 },
        { "\"type\":\"integer\"", "-0.0", 1 },
        { "\"type\":\"integer\"", "123456789012345678901234567890", 1 },
        { "\"type\":\"integer\"", "1e-1", 0 },
        { "\"multipleOf\":0.01", "0.07", 1 },
        { "\"multipleOf\":0.01", "19.99", 1 },
        { "\"multipleOf\":0.01", "0.075", 0 },
        { "\"multipleOf\":0.1", "0.3", 1 },
        { "\"multipleOf\":3", "123456789012345678901234567891", 0 },
        { "\"multipleOf\":3", "123456789012345678901234567890", 1 },
        { "\"multipleOf\":7", "7e300", 1 },
        { "\"multipleOf\":1e-8", "12391239123", 1 },
        { "\"multipleOf\":1.5", "4.5", 1 },
        { "\"multipleOf\":1.5", "35", 0 },
        { "\"multipleOf\":0.5", "1e308", 1 },
        { "\"multipleOf\":1234567890123456789012", "2469135780246913578024",
          1 },
        { "\"maximum\":18446744073709551615", "18446744073709551616", 0 },
        { "\"maximum\":18446744073709551615", "18446744073709551615.0", 1 },
        { "\"minimum\":-1e-300", "-1e-301", 1 },
        { "\"minimum\":-1e-300", "-2e-300", 0 },
        { "\"exclusiveMinimum\":0", "0.0", 0 },
        { "\"exclusiveMinimum\":0", "1e-999", 1 },
        { "\"exclusiveMaximum\":1.1", "1.09999999999999999999", 1 },
        { "\"exclusiveMaximum\":1.1", "1.10", 0 },
        { "\"const\":100", "1e2", 1 },
        { "\"const\":100", "100.0000000000000000001", 0 },
        { "\"const\":0", "-0", 1 },
        { "\"const\":0", "false", 0 },
        { "\"enum\":[1,\"1\",true]", "1.0", 1 },
        { "\"enum\":[1,\"1\",true]", "\"1\"", 1 },
        { "\"enum\":[1,\"1\",true]", "2", 0 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(schema, sizeof(schema), "{%s}", cases[i].keywords);

        s = test_compile(schema);
        st = test_state(s, NULL, 0, 0, 0);

        if (s == NULL || st == NULL) {
            CHECK(0);

        } else if (!test_check(st, cases[i].value, cases[i].valid ? 0 : 1008,
                               NULL))
        {
            fprintf(stderr, "  schema %s\n", schema);
            CHECK(0);

        } else {
            CHECK(1);
        }

        ngx_ws_guard_schema_state_free(st);
        ngx_ws_guard_schema_free(s);
    }
}


static void
test_equality(void)
{
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    s = test_compile("{\"uniqueItems\":true}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "[1,2,3,\"1\",true,null,[1],{\"1\":1}]", 0,
                         NULL));
        CHECK(test_check(st, "[1,2,1.0]", 1008, "(root): uniqueItems"));
        CHECK(test_check(st, "[{\"a\":1,\"b\":[2,3]},{\"b\":[2,3.0],"
                         "\"a\":1}]", 1008, "(root): uniqueItems"));
        CHECK(test_check(st, "[{\"a\":1,\"b\":[2,3]},{\"b\":[3,2],\"a\":1}]",
                         0, NULL));
        CHECK(test_check(st, "[[1,[2]],[1,[2]]]", 1008, NULL));
        CHECK(test_check(st, "[{},[]]", 0, NULL));
        CHECK(test_check(st, "[0,false]", 0, NULL));
        CHECK(test_check(st, "[\"a\\u0000b\",\"a\"]", 0, NULL));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("{\"properties\":{\"p\":{\"const\":{\"x\":[1,{\"y\":"
                     "null}],\"z\":\"\"}}},\"items\":{\"enum\":[[1,2],"
                     "{\"a\":true},\"s\"]}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "{\"p\":{\"z\":\"\",\"x\":[1.0,{\"y\":null}]}}",
                         0, NULL));
        CHECK(test_check(st, "{\"p\":{\"z\":\"\",\"x\":[1,{\"y\":null}],"
                         "\"w\":1}}", 1008, "/p: const"));
        CHECK(test_check(st, "{\"p\":[]}", 1008, "/p: const"));
        CHECK(test_check(st, "[[1,2],{\"a\":true},\"s\",[1.0,2]]", 0, NULL));
        CHECK(test_check(st, "[[2,1]]", 1008, "/0: enum"));
        CHECK(test_check(st, "[{\"a\":false}]", 1008, "/0: enum"));
        CHECK(test_check(st, "[5]", 1008, "/0: enum"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


static void
test_limits(void)
{
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    s = test_compile("{}");
    st = test_state(s, NULL, 3, 8, 3);

    if (s == NULL || st == NULL) {
        CHECK(0);
        ngx_ws_guard_schema_free(s);
        return;
    }

    /* depth */

    CHECK(test_check(st, "[[[1]]]", 0, NULL));
    CHECK(test_check(st, "[[[[1]]]]", 1008, "/0/0/0: nesting too deep"));
    CHECK(test_check(st, "{\"a\":[{\"b\":1}]}", 0, NULL));
    CHECK(test_check(st, "{\"a\":[{\"b\":{}}]}", 1008,
                     "/a/0/b: nesting too deep"));
    CHECK(test_check(st, "[1,[2,[3,[", 1008, "/1/1/1: nesting too deep"));

    /* strings and numbers, counted as sent, before yajl sees them */

    CHECK(test_check(st, "\"12345678\"", 0, NULL));
    CHECK(test_check(st, "\"123456789\"", 1008, "(root): string too long"));
    CHECK(test_check(st, "\"123456\\n\"", 0, NULL));
    CHECK(test_check(st, "\"1234567\\n\"", 1008, NULL));
    CHECK(test_check(st, "[\"ok\",\"far too long\"]", 1008,
                     "/1: string too long"));
    CHECK(test_check(st, "{\"a\":\"far too long\"}", 1008,
                     "/a: string too long"));
    CHECK(test_check(st, "{\"far too long\":1}", 1008,
                     "(root): string too long"));
    CHECK(test_check(st, "12345678", 0, NULL));
    CHECK(test_check(st, "[-1.234567]", 1008, "/0: number too long"));
    CHECK(test_check(st, "[1,2,123456789", 1008, "/2: number too long"));

    /* a malformed byte before the limit comes first, in any chunking */

    CHECK(test_check(st, "\"12\x01" "456789\"", 1007, NULL));
    CHECK(test_check(st, "[1,,\"123456789\"]", 1007, NULL));

    /* keys */

    CHECK(test_check(st, "{\"a\":1,\"b\":2,\"c\":3}", 0, NULL));
    CHECK(test_check(st, "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 1008,
                     "(root): too many keys"));
    CHECK(test_check(st, "[{},{\"a\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4}}]",
                     1008, "/1/a: too many keys"));

    ngx_ws_guard_schema_state_free(st);

    /* no schema at all: well-formedness and limits only */

    st = test_state(NULL, NULL, 2, 0, 0);

    if (st) {
        CHECK(test_check(st, "[[\"anything\"]]", 0, NULL));
        CHECK(test_check(st, "[[[]]]", 1008, NULL));
        CHECK(test_check(st, "[", 1007, NULL));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


/*
 * A 1 MiB string with max_string 64 KiB fails when its 64 KiB + 1st byte
 * arrives, and the state never holds anything near 1 MiB: checked by the
 * state's accounting and by a counting allocator under it.
 */

static void
test_memory(void)
{
    char                            err[256];
    size_t                          i, len, off, peak, mem, before;
    size_t                          pieces[3];
    int                             rc;
    char                           *msg;
    test_verdict_t                  v;
    test_counter_t                  counter;
    ngx_ws_guard_schema_t          *s;
    ngx_ws_guard_schema_conf_t      conf;
    ngx_ws_guard_schema_state_t    *st;
    ngx_ws_guard_schema_allocator_t  a;

    len = 1024 * 1024 + 16;
    msg = malloc(len + 1);
    if (msg == NULL) {
        CHECK(0);
        return;
    }

    memcpy(msg, "{\"text\":\"", 9);
    memset(msg + 9, 'x', len - 9 - 2);
    memcpy(msg + len - 2, "\"}", 2);
    msg[len] = '\0';

    s = test_compile("{\"properties\":{\"text\":{\"type\":\"string\"}}}");

    memset(&counter, 0, sizeof(counter));
    a.alloc = test_alloc;
    a.free = test_free;
    a.data = &counter;

    memset(&conf, 0, sizeof(conf));
    conf.schema = s;
    conf.max_string = 64 * 1024;
    conf.allocator = &a;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    CHECK(st != NULL);

    if (st == NULL || s == NULL) {
        free(msg);
        ngx_ws_guard_schema_free(s);
        return;
    }

    pieces[0] = len;
    pieces[1] = 4096;
    pieces[2] = 1000;

    for (i = 0; i < 3; i++) {
        ngx_ws_guard_schema_reset(st);
        rc = NGX_WS_GUARD_AGAIN;

        for (off = 0; off < len && rc == NGX_WS_GUARD_AGAIN; off += pieces[i])
        {
            rc = ngx_ws_guard_schema_feed(st, (unsigned char *) msg + off,
                                          len - off < pieces[i]
                                          ? len - off : pieces[i]);
        }

        CHECK_EQ_INT(rc, NGX_WS_GUARD_ERROR);
        CHECK_EQ_INT(ngx_ws_guard_schema_close_code(st), 1008);
        CHECK(strcmp(ngx_ws_guard_schema_reason(st),
                     "/text: string too long") == 0);

        /* it fails at the byte after the limit, not at the end */

        CHECK(off <= 9 + 64 * 1024 + pieces[i]);
    }

    mem = ngx_ws_guard_schema_memory(st, &peak);

    printf("memory: 1 MiB string, max_string 64 KiB: peak %zu bytes "
           "(allocator peak %zu), now %zu\n", peak, counter.peak, mem);

    CHECK(peak < 320 * 1024);
    CHECK_EQ_INT(counter.peak, peak);
    CHECK_EQ_INT(mem, counter.cur);

    /* a valid message under the limit, in any chunking */

    memset(msg + 9, 'y', 60 * 1024);
    memcpy(msg + 9 + 60 * 1024, "\"}", 3);

    for (i = 1; i < 3; i++) {
        test_run(st, msg, strlen(msg), pieces[i], &v);
        CHECK_EQ_INT(v.rc, NGX_WS_GUARD_OK);
    }

    /* the hard cap: uniqueItems of a long array runs out of budget */

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    s = test_compile("{\"uniqueItems\":true}");
    conf.schema = s;
    conf.max_string = 64;
    conf.budget = 0;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
    CHECK(st != NULL);

    conf.budget = 1000;
    CHECK(ngx_ws_guard_schema_state_create(&conf, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "too small") != NULL);

    if (st) {
        char  *p;

        p = msg;
        *p++ = '[';

        for (i = 0; i < 60000; i++) {
            p += sprintf(p, "%zu,", i);
        }

        p[-1] = ']';
        *p = '\0';

        before = counter.cur;
        test_run(st, msg, strlen(msg), 4096, &v);

        CHECK_EQ_INT(ngx_ws_guard_schema_close_code(st), 1008);
        CHECK(strstr(ngx_ws_guard_schema_reason(st), "memory limit") != NULL);

        ngx_ws_guard_schema_memory(st, &peak);
        CHECK(peak <= ngx_ws_guard_schema_memory(st, NULL) + 512 * 1024);
        CHECK(counter.peak - before < 1024 * 1024);

        /* the state recovers for the next message */

        CHECK(test_check(st, "[1,2,3]", 0, NULL));
        CHECK(test_check(st, "[1,2,1]", 1008, "(root): uniqueItems"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    CHECK_EQ_INT(counter.cur, 0);

    free(msg);
}


/* one state, many messages: no allocation per message once warm */

static void
test_reuse(void)
{
    size_t                           i, count, mem;
    char                             err[256];
    test_counter_t                   counter;
    ngx_ws_guard_schema_t           *s;
    ngx_ws_guard_schema_conf_t       conf;
    ngx_ws_guard_schema_state_t     *st;
    ngx_ws_guard_schema_allocator_t  a;

    static const char  *msgs[] = {
        "{\"type\":\"chat\",\"room\":\"lobby\",\"text\":\"hello\","
        "\"ts\":1700000000,\"tags\":[\"a\",\"b\"]}",
        "{\"type\":\"chat\",\"room\":\"lobby\",\"text\":\"h\\u00e9llo\","
        "\"ts\":1700000001,\"tags\":[]}",
        "{\"type\":\"ping\",\"ts\":1}"
    };

    s = test_compile("{\"type\":\"object\",\"required\":[\"type\",\"ts\"],"
                     "\"properties\":{\"type\":{\"enum\":[\"chat\",\"ping\"]},"
                     "\"room\":{\"type\":\"string\",\"pattern\":"
                     "\"^[a-z0-9_-]{1,32}$\"},\"text\":{\"type\":\"string\","
                     "\"maxLength\":500},\"ts\":{\"type\":\"integer\"},"
                     "\"tags\":{\"type\":\"array\",\"items\":{\"type\":"
                     "\"string\"},\"uniqueItems\":true}},"
                     "\"additionalProperties\":false}");

    memset(&counter, 0, sizeof(counter));
    a.alloc = test_alloc;
    a.free = test_free;
    a.data = &counter;

    memset(&conf, 0, sizeof(conf));
    conf.schema = s;
    conf.allocator = &a;

    st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));

    if (s == NULL || st == NULL) {
        CHECK(0);
        ngx_ws_guard_schema_free(s);
        return;
    }

    /* warm up */

    for (i = 0; i < 3; i++) {
        CHECK(test_check(st, msgs[i], 0, NULL));
    }

    count = counter.count;
    mem = ngx_ws_guard_schema_memory(st, NULL);

    for (i = 0; i < 3000; i++) {
        test_verdict_t  v;

        test_run(st, msgs[i % 3], strlen(msgs[i % 3]), 0, &v);

        if (v.rc != NGX_WS_GUARD_OK) {
            CHECK(0);
            break;
        }
    }

    CHECK_EQ_INT(counter.count, count);
    CHECK_EQ_INT(ngx_ws_guard_schema_memory(st, NULL), mem);

    /* a failed message in between; feed after ERROR stays ERROR */

    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) "{\"type\":1",
                                   9)
          == NGX_WS_GUARD_AGAIN);
    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) ",", 1)
          == NGX_WS_GUARD_ERROR);
    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) "}", 1)
          == NGX_WS_GUARD_ERROR);
    CHECK(ngx_ws_guard_schema_finish(st) == NGX_WS_GUARD_ERROR);
    CHECK(strcmp(ngx_ws_guard_schema_reason(st), "/type: enum") == 0);

    ngx_ws_guard_schema_reset(st);
    CHECK(test_check(st, msgs[0], 0, NULL));

    /* a message cut short, then reset: the next one is clean */

    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) "{\"ty", 4)
          == NGX_WS_GUARD_AGAIN);
    ngx_ws_guard_schema_reset(st);
    CHECK(test_check(st, msgs[2], 0, NULL));

    /* feed() after finish() starts a new message */

    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) msgs[2],
                                   strlen(msgs[2]))
          == NGX_WS_GUARD_AGAIN);
    CHECK(ngx_ws_guard_schema_finish(st) == NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_schema_finish(st) == NGX_WS_GUARD_OK);
    CHECK(ngx_ws_guard_schema_feed(st, (const unsigned char *) msgs[2],
                                   strlen(msgs[2]))
          == NGX_WS_GUARD_AGAIN);
    CHECK(ngx_ws_guard_schema_finish(st) == NGX_WS_GUARD_OK);

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    CHECK_EQ_INT(counter.cur, 0);
}


static void
test_rules(void)
{
    char                          err[256];
    size_t                        i;
    ngx_ws_guard_schema_rules_t  *rules;
    ngx_ws_guard_schema_state_t  *st;
    ngx_ws_guard_schema_t        *s;

    static const ngx_ws_guard_schema_rule_t  defs[] = {
        { (const unsigned char *) "/action", 7,
          (const unsigned char *) "delete", 6, 0 },
        { (const unsigned char *) "/action", 7,
          (const unsigned char *) "\"read\"", 6, 1 },
        { (const unsigned char *) "/args/0", 7,
          (const unsigned char *) "5", 1, 1 },
        { (const unsigned char *) "/a~1b/c~0d", 10,
          (const unsigned char *) "true", 4, 1 },
        { (const unsigned char *) "/obj", 4,
          (const unsigned char *) "{\"x\":[1,2]}", 11, 1 },
        { (const unsigned char *) "", 0,
          (const unsigned char *) "[]", 2, 1 }
    };

    static const ngx_ws_guard_schema_rule_t  bad[] = {
        { (const unsigned char *) "action", 6,
          (const unsigned char *) "x", 1, 0 },
        { (const unsigned char *) "/a~2", 4,
          (const unsigned char *) "x", 1, 0 },
        { (const unsigned char *) "/a", 2,
          (const unsigned char *) "{", 1, 1 }
    };

    static const struct {
        const char  *msg;
        unsigned     matched;     /* bit i: rule i */
    } cases[] = {
        { "{\"action\":\"delete\",\"id\":7}", 0x01 },
        { "{\"id\":7,\"action\":\"read\"}", 0x02 },
        { "{\"action\":\"deleted\"}", 0x00 },
        { "{\"action\":{\"action\":\"delete\"}}", 0x00 },
        { "{\"args\":[5.0,6],\"action\":\"delete\"}", 0x05 },
        { "{\"args\":[6,5]}", 0x00 },
        { "{\"a/b\":{\"c~d\":true}}", 0x08 },
        { "{\"obj\":{\"x\":[1,2.0]}}", 0x10 },
        { "{\"obj\":{\"x\":[2,1]}}", 0x00 },
        { "[]", 0x20 },
        { "[[]]", 0x00 },
        { "{\"action\":\"delete\",\"action\":\"read\"}", 0x03 }
    };

    rules = ngx_ws_guard_schema_rules_compile(defs,
                                             sizeof(defs) / sizeof(defs[0]),
                                             err, sizeof(err));
    CHECK(rules != NULL);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(ngx_ws_guard_schema_rules_compile(&bad[i], 1, err, sizeof(err))
              == NULL);
        CHECK(err[0] != '\0');
    }

    if (rules == NULL) {
        return;
    }

    /* without a schema, then with one: the same matches */

    s = test_compile("{\"type\":[\"object\",\"array\"]}");

    for (i = 0; i < 2; i++) {
        size_t          k, r;
        unsigned        got;
        test_verdict_t  v;

        st = test_state(i ? s : NULL, rules, 0, 0, 0);

        if (st == NULL) {
            CHECK(0);
            continue;
        }

        for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            test_run(st, cases[k].msg, strlen(cases[k].msg), k % 4, &v);
            CHECK_EQ_INT(v.rc, NGX_WS_GUARD_OK);

            got = 0;

            for (r = 0; r < sizeof(defs) / sizeof(defs[0]); r++) {
                if (ngx_ws_guard_schema_matched(st, r)) {
                    got |= 1u << r;
                }
            }

            if (got != cases[k].matched) {
                fprintf(stderr, "rules: %s matched 0x%x, expected 0x%x\n",
                        cases[k].msg, got, cases[k].matched);
            }

            CHECK_EQ_INT(got, cases[k].matched);
        }

        /* no match is reported for a message that failed */

        test_run(st, "{\"action\":\"delete\"", 18, 0, &v);
        CHECK_EQ_INT(v.rc, NGX_WS_GUARD_ERROR);
        CHECK(!ngx_ws_guard_schema_matched(st, 0));
        CHECK(!ngx_ws_guard_schema_matched(st, 1000));

        ngx_ws_guard_schema_state_free(st);
    }

    ngx_ws_guard_schema_free(s);
    ngx_ws_guard_schema_rules_free(rules);
}


static void
test_misc(void)
{
    char                          long_key[200], msg[512];
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    /* ECMA-262 patterns on PCRE2 */

    s = test_compile("{\"properties\":{"
                     "\"a\":{\"pattern\":\"^\\\\p{Letter}+$\"},"
                     "\"b\":{\"pattern\":\"^abc$\"},"
                     "\"c\":{\"pattern\":\"^\\\\s$\"}},"
                     "\"patternProperties\":{\"^x-\":{\"type\":\"integer\"}},"
                     "\"additionalProperties\":{\"type\":\"string\"}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "{\"a\":\"\xc3\xa9t\xc3\xa9\"}", 0, NULL));
        CHECK(test_check(st, "{\"a\":\"ab1\"}", 1008, "/a: pattern"));
        CHECK(test_check(st, "{\"b\":\"abc\\n\"}", 1008, "/b: pattern"));
        CHECK(test_check(st, "{\"c\":\"\xc2\xa0\"}", 0, NULL));
        CHECK(test_check(st, "{\"x-a\":1,\"y\":\"s\"}", 0, NULL));
        CHECK(test_check(st, "{\"x-a\":\"1\"}", 1008, "/x-a: type"));
        CHECK(test_check(st, "{\"y\":1}", 1008, "/y: type"));

        /* an escaped lone surrogate is no UTF-8 for a pattern */

        CHECK(test_check(st, "{\"a\":\"\\udc00\"}", 1007, NULL));
        CHECK(test_check(st, "{\"a\":\"x\\ud800y\"}", 1007, NULL));
        CHECK(test_check(st, "{\"x-\\udfff\":1}", 1007, NULL));

        /*
         * 0xed begins valid letters too (U+D000 to U+D7FF): those bytes
         * take pcre2_match(), with its UTF-8 check, and pass; as sent or
         * escaped, in a value and in a key
         */

        CHECK(test_check(st, "{\"a\":\"\xed\x95\x9c\xea\xb8\x80\"}", 0,
                         NULL));
        CHECK(test_check(st, "{\"a\":\"\\ud55c\\uae00\"}", 0, NULL));
        CHECK(test_check(st, "{\"a\":\"\xed\x95\x9c" "1\"}", 1008,
                         "/a: pattern"));
        CHECK(test_check(st, "{\"x-\xed\x95\x9c\":\"1\"}", 1008,
                         "/x-\xed\x95\x9c: type"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    /*
     * short names of general categories, which PCRE2 knows: the table of
     * long names is searched to its end (under AddressSanitizer, a read
     * past it fails here)
     */

    s = test_compile("{\"properties\":{"
                     "\"u\":{\"pattern\":\"^\\\\p{Lu}+$\"},"
                     "\"l\":{\"pattern\":\"^\\\\p{L}$\"},"
                     "\"g\":{\"pattern\":\"^\\\\p{gc=Lu}$\"}}}");
    st = test_state(s, NULL, 0, 0, 0);
    CHECK(s != NULL && st != NULL);

    if (s && st) {
        CHECK(test_check(st, "{\"u\":\"AB\",\"l\":\"\xc3\xa9\","
                             "\"g\":\"\xc3\x89\"}", 0, NULL));
        CHECK(test_check(st, "{\"u\":\"Ab\"}", 1008, "/u: pattern"));
        CHECK(test_check(st, "{\"l\":\"1\"}", 1008, "/l: pattern"));
        CHECK(test_check(st, "{\"g\":\"\xc3\xa9\"}", 1008, "/g: pattern"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    /* reasons fit a close frame and stay valid UTF-8 */

    s = test_compile("{\"additionalProperties\":{\"additionalProperties\":"
                     "{\"additionalProperties\":{\"type\":\"string\"}}}}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        memset(long_key, 'k', sizeof(long_key));
        memcpy(long_key + 30, "\xc3\xa9\xc3\xa9", 4);
        long_key[150] = '\0';

        snprintf(msg, sizeof(msg), "{\"%s\":{\"%s\":{\"~/\\u0001\":1}}}",
                 long_key, long_key);

        CHECK(test_check(st, msg, 1008, NULL));
        CHECK(strlen(ngx_ws_guard_schema_reason(st))
              <= NGX_WS_GUARD_SCHEMA_REASON_MAX);
        CHECK(strstr(ngx_ws_guard_schema_reason(st), "/~0~1?: type") != NULL);
        CHECK(strstr(ngx_ws_guard_schema_reason(st), "kk\xc3\xa9...")
              != NULL);
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    /* a long anyOf of discriminated objects, deep in the message */

    s = test_compile("{\"$defs\":{\"msg\":{\"oneOf\":["
                     "{\"properties\":{\"t\":{\"const\":\"a\"},"
                     "\"v\":{\"type\":\"integer\"}},\"required\":[\"t\"]},"
                     "{\"properties\":{\"t\":{\"const\":\"b\"},"
                     "\"v\":{\"type\":\"string\"}},\"required\":[\"t\"]},"
                     "{\"properties\":{\"t\":{\"const\":\"c\"},"
                     "\"v\":{\"type\":\"array\",\"items\":"
                     "{\"$ref\":\"#/$defs/msg\"}}},\"required\":[\"t\"]}]}},"
                     "\"$ref\":\"#/$defs/msg\"}");
    st = test_state(s, NULL, 0, 0, 0);

    if (s && st) {
        CHECK(test_check(st, "{\"t\":\"c\",\"v\":[{\"t\":\"a\",\"v\":1},"
                         "{\"t\":\"c\",\"v\":[{\"t\":\"b\",\"v\":\"s\"}]}]}",
                         0, NULL));
        CHECK(test_check(st, "{\"t\":\"c\",\"v\":[{\"t\":\"a\",\"v\":1},"
                         "{\"t\":\"c\",\"v\":[{\"t\":\"b\",\"v\":2}]}]}",
                         1008, "(root): oneOf"));
        CHECK(test_check(st, "{\"t\":\"d\"}", 1008, "(root): oneOf"));
    }

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);
}


/*
 * minLength and maxLength count code points, 8 bytes at a time: strings
 * of 0 to 40 code points of 1 to 4 bytes each, in every mix, must pass
 * at exactly their length and fail one below it.
 */

static void
test_lengths(void)
{
    int                           ok;
    char                          schema[128], msg[256];
    size_t                        cps, i, k, len;
    unsigned                      wrong;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const char  *chars[] = { "a", "\xc3\xa9", "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80" };

    wrong = 0;

    for (cps = 0; cps <= 40; cps++) {
        for (k = 0; k < 4; k++) {

            len = 0;
            len += snprintf(msg + len, sizeof(msg) - len, "\"");

            for (i = 0; i < cps; i++) {
                len += snprintf(msg + len, sizeof(msg) - len, "%s",
                                chars[(i * (k + 1) + k) % 4]);
            }

            snprintf(msg + len, sizeof(msg) - len, "\"");

            snprintf(schema, sizeof(schema),
                     "{\"minLength\":%zu,\"maxLength\":%zu}", cps, cps);
            s = test_compile(schema);
            st = s ? test_state(s, NULL, 0, 0, 0) : NULL;
            ok = st && test_check(st, msg, 0, NULL);
            ngx_ws_guard_schema_state_free(st);
            ngx_ws_guard_schema_free(s);

            if (cps > 0) {
                snprintf(schema, sizeof(schema), "{\"maxLength\":%zu}",
                         cps - 1);
                s = test_compile(schema);
                st = s ? test_state(s, NULL, 0, 0, 0) : NULL;
                ok = ok && st && test_check(st, msg, 1008, NULL);
                ngx_ws_guard_schema_state_free(st);
                ngx_ws_guard_schema_free(s);
            }

            wrong += !ok;
        }
    }

    CHECK_EQ_INT(wrong, 0);
}



/*
 * Escaped strings: the parser reports them as sent and the validator
 * decodes them only for the checks that need the bytes (enum, const,
 * pattern, uniqueItems, rules); lengths come from the parser's count.
 * Each case in every chunking (test_check).
 */

static void
test_escapes(void)
{
    size_t                        i;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const struct {
        const char  *schema;
        const char  *msg;
        int          code;
        const char  *reason;
    } cases[] = {
        { "{\"enum\":[\"a\\\"b\"]}", "\"a\\\"b\"", 0, NULL },
        { "{\"enum\":[\"a\\\"b\"]}", "\"a\\\\b\"", 1008, "(root): enum" },
        { "{\"const\":\"\\u00e9t\\u00e9\"}", "\"\\u00e9t\xc3\xa9\"", 0, NULL },
        { "{\"const\":\"\\n\"}", "\"\\u000a\"", 0, NULL },
        { "{\"const\":\"\\n\\t\\r\\b\\f\"}", "\"\\n\\t\\r\\b\\f\"", 0,
          NULL },
        { "{\"const\":\"\\n\"}", "\"\\\\n\"", 1008, "(root): const" },
        { "{\"pattern\":\"^a/b$\"}", "\"a\\/b\"", 0, NULL },
        { "{\"pattern\":\"^\\\\d+$\"}", "\"\\u0031\\u0032\"", 0, NULL },
        { "{\"pattern\":\"^\\\\d+$\"}", "\"1\\u0041\"", 1008,
          "(root): pattern" },
        { "{\"uniqueItems\":true}", "[\"a\",\"\\u0061\"]", 1008,
          "(root): uniqueItems" },
        { "{\"uniqueItems\":true}", "[\"\\t\",\"\\\\t\"]", 0, NULL },
        { "{\"properties\":{\"a\\\"b\":{\"type\":\"integer\"}}}",
          "{\"a\\u0022b\":\"x\"}", 1008, "/a\"b: type" },
        /* a surrogate pair is one code point, lone halves one each */
        { "{\"maxLength\":1}", "\"\\ud83d\\ude00\"", 0, NULL },
        { "{\"minLength\":3,\"maxLength\":3}", "\"\\ud83dx\\ude00\"", 0,
          NULL },
        { "{\"maxLength\":2}", "\"\\ud83d\\ud83d\"", 0, NULL },
        { "{\"maxLength\":1}", "\"\\ud83d\\ud83d\"", 1008,
          "(root): maxLength" },
        { "{\"const\":\"\\ud83d\\ude00\"}", "\"\xf0\x9f\x98\x80\"", 0, NULL },
        { "{\"minLength\":4,\"maxLength\":4}", "\"\\\\\\\"\\/\\b\"", 0,
          NULL },
        /* the bytes of an escaped string never reach a check unneeded */
        { "{\"type\":\"string\",\"maxLength\":3}", "\"\\u00e9\\n\\\"\"", 0,
          NULL },
        /* escapes stay checked when nothing decodes them */
        { "{\"maxLength\":9}", "\"a\\qb\"", 1007,
          "(root): invalid JSON: invalid escape in a string" },
        { "{\"maxLength\":9}", "\"\\u12g4\"", 1007,
          "(root): invalid JSON: invalid \\u escape in a string" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = test_compile(cases[i].schema);
        st = s ? test_state(s, NULL, 0, 0, 0) : NULL;

        CHECK(st != NULL
              && test_check(st, cases[i].msg, cases[i].code,
                            cases[i].reason));

        ngx_ws_guard_schema_state_free(st);
        ngx_ws_guard_schema_free(s);
    }
}

int
main(void)
{
    test_compile_errors();
    test_verdicts();
    test_chunking();
    test_numbers();
    test_equality();
    test_limits();
    test_memory();
    test_reuse();
    test_rules();
    test_misc();
    test_lengths();
    test_escapes();
    test_names();
    test_root_kept();
    test_simple_patterns();

    return unit_done("schema");
}


/*
 * Member names found by length and head (their first 8 bytes), then the
 * bytes after: names of 0 to 11 bytes sharing prefixes, a name that
 * differs only in its last byte at every length, names of one length
 * whose first and last bytes sort the other way round, a multibyte name,
 * names not known that sort between the known ones, and names sent
 * escaped.
 */

static void
test_names(void)
{
    int                           ok;
    char                          schema[2048], msg[256];
    size_t                        i, len;
    unsigned                      wrong;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st;

    static const char  *names[] = {
        "", "a", "b", "ab", "ba", "abc", "abcd", "abce", "abcdefg",
        "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "abcdefghij",
        "abcdefghik", "bbcdefghij", "\xc3\xa9t\xc3\xa9", "zzzzzzzzzzz",
        "abcdefgz", "bbcdefga", "cbcdefgy", "zbcdefga", "aczz", "bcza",
        "ccya"
    };

    static const char  *unknown[] = {
        "aa", "abcc", "abcdefgg", "abcdefgj", "abcdefgha", "abcdefghii",
        "abcdefghih", "abcdefghil", "c", "zzzzzzzzzzy", "zzzzzzzzzzzz",
        "abcdefghijk", "\xc3\xa9t\xc3\xa8"
    };

    wrong = 0;

    len = snprintf(schema, sizeof(schema),
                   "{\"additionalProperties\":false,\"properties\":{");

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        len += snprintf(schema + len, sizeof(schema) - len,
                        "%s\"%s\":{\"const\":%zu}", i ? "," : "", names[i],
                        i);
    }

    snprintf(schema + len, sizeof(schema) - len, "}}");

    s = test_compile(schema);
    st = s ? test_state(s, NULL, 0, 0, 0) : NULL;

    if (st == NULL) {
        wrong++;
        goto done;
    }

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(msg, sizeof(msg), "{\"%s\":%zu}", names[i], i);
        ok = test_check(st, msg, 0, NULL);

        /* the const of the next name: found the wrong member */
        snprintf(msg, sizeof(msg), "{\"%s\":%zu}", names[i], i + 1);
        ok = ok && test_check(st, msg, 1008, NULL);

        wrong += !ok;
    }

    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        snprintf(msg, sizeof(msg), "{\"%s\":0}", unknown[i]);
        wrong += !test_check(st, msg, 1008, NULL);
    }

    /* "abc" and "abcdefghij" sent escaped */
    wrong += !test_check(st, "{\"ab\\u0063\":5}", 0, NULL);
    wrong += !test_check(st, "{\"abcdefghi\\u006a\":13}", 0, NULL);
    wrong += !test_check(st, "{\"abcdefghi\\u006a\":12}", 1008, NULL);

done:

    ngx_ws_guard_schema_state_free(st);
    ngx_ws_guard_schema_free(s);

    CHECK_EQ_INT(wrong, 0);
}


/*
 * A state copies the frames its first message's root value began with
 * into the later messages: each verdict of a state that went through all
 * the messages before must be that of a fresh state.  Roots with oneOf,
 * if/then/else, $ref and not; an allOf of more frames than are kept; a
 * root that cannot fail (no frame); a state whose first message failed.
 */

static void
test_root_kept(void)
{
    size_t                        i, k;
    unsigned                      wrong;
    test_verdict_t                kept, fresh;
    ngx_ws_guard_schema_t        *s;
    ngx_ws_guard_schema_state_t  *st, *st1;

    static const char  *schemas[] = {
        "{\"type\":\"object\",\"required\":[\"type\"],"
        "\"properties\":{\"type\":{\"enum\":[\"a\",\"b\",\"c\"]},"
        "\"n\":{\"type\":\"integer\"}},"
        "\"oneOf\":[{\"properties\":{\"type\":{\"const\":\"a\"}},"
        "\"required\":[\"n\"]},"
        "{\"properties\":{\"type\":{\"const\":\"b\"}}},"
        "{\"properties\":{\"type\":{\"const\":\"c\"}},"
        "\"not\":{\"required\":[\"n\"]}}]}",

        "{\"$defs\":{\"o\":{\"type\":\"object\",\"maxProperties\":2}},"
        "\"$ref\":\"#/$defs/o\","
        "\"if\":{\"properties\":{\"type\":{\"const\":\"a\"}}},"
        "\"then\":{\"required\":[\"n\"]},"
        "\"else\":{\"not\":{\"required\":[\"n\"]}}}",

        "{\"allOf\":[{\"type\":\"object\"},{\"required\":[\"type\"]},"
        "{\"maxProperties\":2},{\"properties\":{\"n\":{\"minimum\":0}}},"
        "{\"properties\":{\"n\":{\"maximum\":9}}},"
        "{\"not\":{\"type\":\"array\"}},"
        "{\"anyOf\":[{\"required\":[\"n\"]},{\"maxProperties\":1}]},"
        "{\"properties\":{\"type\":{\"type\":\"string\"}}},"
        "{\"minProperties\":1},{\"propertyNames\":{\"maxLength\":4}}]}",

        /* names of the root remembered: long ones, patterns, additional */
        "{\"properties\":{\"type\":{\"type\":\"string\"},"
        "\"n\":{\"type\":\"integer\"},"
        "\"abcdefgh_one\":{\"type\":\"integer\"},"
        "\"abcdefgh_two\":{\"type\":\"string\"},"
        "\"a_name_longer_than_thirty_two_bytes\":{\"const\":1}},"
        "\"patternProperties\":{\"^x\":{\"type\":\"boolean\"},"
        "\"^xy\":{\"const\":true}},"
        "\"additionalProperties\":{\"type\":\"null\"},"
        "\"maxProperties\":5,"
        "\"allOf\":[{\"properties\":{\"n\":{\"maximum\":5}}},"
        "{\"properties\":{\"n\":{\"minimum\":1}}},"
        "{\"properties\":{\"n\":{\"not\":{\"const\":3}}}},"
        "{\"properties\":{\"n\":{\"multipleOf\":1}}},"
        "{\"properties\":{\"n\":{\"type\":\"number\"}}},"
        "{\"properties\":{\"n\":{\"exclusiveMaximum\":6}}}]}",

        "{}"
    };

    static const char  *msgs[] = {
        "{\"type\":\"x\"}",
        "{\"type\":\"a\",\"n\":1}",
        "{\"type\":\"a\"}",
        "{\"type\":\"b\",\"n\":12}",
        "{\"type\":\"c\",\"n\":1}",
        "{\"type\":\"c\"}",
        "{\"n\":3}",
        "[1,2]",
        "{\"type\":\"a\",\"n\":-1,\"z\":0}",
        "{\"type\":\"b\"",
        "{\"type\":\"b\"}",
        "{\"type\":\"a\",\"n\":10}",
        "{\"type\":\"a\",\"n\":1}",
        "{\"n\":1,\"type\":\"a\"}",
        "{\"abcdefgh_one\":1,\"abcdefgh_two\":\"s\"}",
        "{\"abcdefgh_two\":1,\"abcdefgh_one\":\"s\"}",
        "{\"abcdefgh_one\":1,\"abcdefgh_two\":\"s\"}",
        "{\"xy\":true,\"x\":false,\"z\":null}",
        "{\"xy\":false,\"x\":false,\"z\":null}",
        "{\"x\":true,\"xy\":true,\"z\":0}",
        "{\"a_name_longer_than_thirty_two_bytes\":1,\"n\":3}",
        "{\"a_name_longer_than_thirty_two_bytes\":2}",
        "{\"n\":2,\"n\":3}",
        "{\"n\":2,\"n\":4}",
        "{\"type\":\"a\",\"n\":2,\"x\":true,\"xy\":true,\"z\":null,"
        "\"zz\":null}",
        "{\"type\":\"b\",\"n\":2,\"x\":true,\"xy\":true,\"z\":null}",
        "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,"
        "\"f\":null,\"g\":null,\"h\":null,\"i\":null,\"j\":null,"
        "\"k\":null,\"l\":null,\"m\":null,\"o\":null,\"p\":null,"
        "\"q\":null,\"r\":null,\"type\":1}",
        "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null,"
        "\"f\":null,\"g\":null,\"h\":null,\"i\":null,\"j\":null,"
        "\"k\":null,\"l\":null,\"m\":null,\"o\":null,\"p\":null,"
        "\"q\":null,\"r\":null,\"type\":\"a\"}",
        "{\"type\":\"c\",\"n\":1}",
        "{\"type\":\"a\",\"n\":1}"
    };

    wrong = 0;

    for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
        s = test_compile(schemas[i]);
        st = s ? test_state(s, NULL, 0, 0, 0) : NULL;

        if (st == NULL) {
            wrong++;
            ngx_ws_guard_schema_free(s);
            continue;
        }

        for (k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
            test_run(st, msgs[k], strlen(msgs[k]), k % 3 ? 0 : 1, &kept);

            st1 = test_state(s, NULL, 0, 0, 0);
            if (st1 == NULL) {
                wrong++;
                continue;
            }

            test_run(st1, msgs[k], strlen(msgs[k]), k % 3 ? 0 : 1, &fresh);
            ngx_ws_guard_schema_state_free(st1);

            if (kept.rc != fresh.rc || kept.code != fresh.code
                || strcmp(kept.reason, fresh.reason) != 0)
            {
                fprintf(stderr, "schema %zu, message %s: kept %d \"%s\", "
                        "fresh %d \"%s\"\n", i, msgs[k], kept.code,
                        kept.reason, fresh.code, fresh.reason);
                wrong++;
            }
        }

        ngx_ws_guard_schema_state_free(st);
        ngx_ws_guard_schema_free(s);
    }

    CHECK_EQ_INT(wrong, 0);

    /*
     * a name of the root met by a dead frame with patterns: they are not
     * matched, so a match that would fail (the match limit, a name that is
     * not UTF-8) does not fail the message
     */

    s = test_compile("{\"anyOf\":[{\"properties\":{\"a\":{\"const\":1}},"
                     "\"patternProperties\":{\"^(a|aa)+$\":{},\"^x\":{}}},"
                     "{\"minProperties\":1}]}");
    st = s ? test_state(s, NULL, 0, 0, 0) : NULL;
    CHECK(st != NULL);

    if (st) {
        CHECK(test_check(st, "{\"a\":2,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab\":0}",
                         0, NULL));
        CHECK(test_check(st, "{\"a\":2,\"\\ud800\":0}", 0, NULL));
        CHECK(test_check(st, "{\"a\":1,\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab\":0}",
                         NGX_WS_GUARD_CLOSE_POLICY,
                         "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaab: pattern match "
                         "limit"));
        ngx_ws_guard_schema_state_free(st);
    }

    ngx_ws_guard_schema_free(s);
}


/*
 * Patterns matched by their items (ngx_ws_guard_schema_simple()) against
 * PCRE2 itself, compiled with the options the schema compiler gives it: a
 * pattern of the list is taken as items or not, as marked, and every
 * string (random ones, and ones made from the items, some too long or too
 * short) gets PCRE2's verdict, as a value ("pattern") and as a member name
 * ("patternProperties").
 */

static void
test_simple_patterns(void)
{
    int                          errcode, want, got, bad;
    char                         schema[256], msg[256], str[64];
    size_t                       i, k, n, len, count, erroff;
    uint32_t                     c;
    uint64_t                     r;
    pcre2_code                  *re;
    pcre2_match_data            *md;
    test_verdict_t               v;
    pcre2_compile_context       *cc;
    ngx_ws_guard_schema_t       *s, *sp;
    ngx_ws_guard_schema_state_t *st, *stp;
    ngx_ws_guard_schema_item_t  *it;

    static const struct {
        const char  *re;
        int          simple;
    } pats[] = {
        { "^[a-z][a-z0-9_-]{0,31}$", 1 },
        { "^[A-Z]{3}-[0-9]+$", 1 },
        { "^\\d{4}-\\d{2}-\\d{2}$", 1 },
        { "^\\w+$", 1 },
        { "^abc$", 1 },
        { "^a?b*c+$", 1 },
        { "^[a-]x{2,}$", 1 },
        { "^\\$[0-9]+\\.[0-9]{2}$", 1 },
        { "^[-+]?[0-9]+$", 1 },
        { "^x\\\\$", 1 },
        { "^[/.]{1,3}z$", 1 },
        { "^a{0}b{1,2}$", 1 },
        { "^[\\d.]+/[\\w]{2}$", 1 },
        { "^a{2}a?b$", 1 },

        /* an item would have to give back */
        { "^[a-z]*[a-z]$", 0 },
        { "^a*a$", 0 },
        { "^\\d*1$", 0 },
        { "^[a-z]+b?\\w$", 0 },

        /* not of the kind */
        { "abc", 0 },
        { "^abc", 0 },
        { "abc$", 0 },
        { "^a\\$", 0 },
        { "^(ab)+$", 0 },
        { "^a|b$", 0 },
        { "^.+$", 0 },
        { "^[^a]+$", 0 },
        { "^a+?$", 0 },
        { "^\xc3\xa9+$", 0 },
        { "^$", 0 },
        { "^[a-z]{,3}$", 0 },
        { "^[]a]$", 0 },
    };

    static const char  *alphabet[] = {
        "a", "b", "c", "x", "z", "A", "Z", "0", "1", "9", "_", "-", "+",
        ".", "/", "$", "\\", "\"", " ", "\xc3\xa9", "\xe2\x82\xac"
    };

    cc = pcre2_compile_context_create(NULL);
    md = pcre2_match_data_create(4, NULL);
    CHECK(cc != NULL && md != NULL);

    if (cc == NULL || md == NULL) {
        return;
    }

    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);

    r = 0x9e3779b97f4a7c15ULL;

    for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {

        n = test_quote(str, pats[i].re, strlen(pats[i].re));
        snprintf(schema, sizeof(schema), "{\"pattern\":\"%.*s\"}",
                 (int) n, str);
        s = test_compile(schema);
        snprintf(schema, sizeof(schema),
                 "{\"patternProperties\":{\"%.*s\":false}}", (int) n, str);
        sp = test_compile(schema);

        re = pcre2_compile((PCRE2_SPTR) pats[i].re, PCRE2_ZERO_TERMINATED,
                           PCRE2_UTF|PCRE2_ALT_BSUX|PCRE2_DOLLAR_ENDONLY
                           |PCRE2_ALLOW_EMPTY_CLASS, &errcode, &erroff, cc);

        CHECK(s != NULL && sp != NULL && re != NULL);

        if (s == NULL || sp == NULL || re == NULL) {
            continue;
        }

        if ((s->root->pattern->items != NULL) != pats[i].simple) {
            fprintf(stderr, "pattern %s: taken as items: %d\n", pats[i].re,
                    s->root->pattern->items != NULL);
            CHECK(0);
        }

        st = test_state(s, NULL, 32, 1024, 64);
        stp = test_state(sp, NULL, 32, 1024, 64);
        CHECK(st != NULL && stp != NULL);

        if (st == NULL || stp == NULL) {
            continue;
        }

        bad = 0;
        count = 0;

        for (k = 0; k < 4000; k++) {
            len = 0;

            test_next(&r);

            if (k % 2 && s->root->pattern->items) {
                /* made from the items: a count each, near its bounds */

                it = s->root->pattern->items;

                for (n = 0; n < s->root->pattern->nitems; n++, it++) {
                    count = it->min + (r >> (n * 3)) % 4;

                    if ((r >> 50) % 8 == n) {
                        count = count ? count - 1 : 0;
                    }

                    if (it->max != NGX_WS_GUARD_SCHEMA_SIMPLE_INF
                        && count > it->max && (r >> 60) % 4)
                    {
                        count = it->max;
                    }

                    for ( /* void */ ; count && len < 40; count--) {
                        do {
                            c = (uint32_t) (test_next(&r) % 128);
                        } while (!((it->set[c >> 6] >> (c & 63)) & 1));

                        str[len++] = (char) c;
                    }
                }

            } else {
                count = r % 13;

                while (count-- && len < 40) {
                    test_next(&r);
                    n = strlen(alphabet[r % 21]);
                    memcpy(str + len, alphabet[r % 21], n);
                    len += n;
                }
            }

            want = pcre2_match(re, (PCRE2_SPTR) str, len, 0, 0, md, NULL)
                   >= 0;

            n = test_quote(msg + 1, str, len);
            msg[0] = '"';
            msg[n + 1] = '"';
            msg[n + 2] = '\0';

            test_run(st, msg, n + 2, 0, &v);
            got = (v.rc == NGX_WS_GUARD_OK);

            if (got != want || (!got && v.code != 1008)) {
                if (bad++ < 5) {
                    fprintf(stderr, "pattern %s, value %s: %d (%d), "
                            "PCRE2: %d\n", pats[i].re, msg, got, v.code,
                            want);
                }
            }

            memmove(msg + 1, msg, n + 2);
            msg[0] = '{';
            memcpy(msg + n + 3, ":1}", 4);

            test_run(stp, msg, n + 6, 0, &v);
            got = (v.rc != NGX_WS_GUARD_OK);

            if (got != want || (got && v.code != 1008)) {
                if (bad++ < 5) {
                    fprintf(stderr, "pattern %s, name in %s: %d (%d), "
                            "PCRE2: %d\n", pats[i].re, msg, got, v.code,
                            want);
                }
            }
        }

        CHECK(bad == 0);

        ngx_ws_guard_schema_state_free(st);
        ngx_ws_guard_schema_state_free(stp);
        ngx_ws_guard_schema_free(s);
        ngx_ws_guard_schema_free(sp);
        pcre2_code_free(re);
    }

    pcre2_match_data_free(md);
    pcre2_compile_context_free(cc);
}


/* src as the body of a JSON string: quotes and backslashes escaped */

static size_t
test_quote(char *dst, const char *src, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (src[i] == '"' || src[i] == '\\') {
            dst[n++] = '\\';
        }

        dst[n++] = src[i];
    }

    return n;
}


/* xorshift64 */

static uint64_t
test_next(uint64_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;

    return *r;
}
