
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * Runs the JSON Schema Test Suite (draft 2020-12) against the streaming
 * validator.
 *
 *     schema_suite DIR [SKIPLIST]
 *
 * DIR holds the suite's files (DIR/NAME.json and DIR/optional/NAME.json);
 * SKIPLIST defaults to schema_skip.txt in the current directory.  For every
 * case (a schema and its tests) the schema is compiled; a schema that does not
 * compile fails all its tests unless the skip list names the case.  Every
 * test's data is serialized with yajl_gen and fed to the validator whole,
 * in pieces of 7 bytes and one byte at a time; the three verdicts (and
 * reasons) must agree and match "valid".
 *
 * The skip list has one entry a line, "file | case | test | feature", with
 * "*" for any case or test; "#" starts a comment.  Entries that skip
 * nothing, and skipped tests that would pass, are reported on stderr.
 *
 * Prints one line per failure, then "schema-suite: N passed, N failed,
 * N skipped"; exits non-zero on any failure.
 */


#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>

#include <yajl/yajl_gen.h>

#include "ngx_ws_guard_schema_int.h"


#define SUITE_MAX_SKIPS  512


typedef struct {
    char            *file;
    char            *group;
    char            *test;
    char            *feature;
    unsigned         used;
} suite_skip_t;


typedef struct {
    int              rc;
    int              code;
    char             reason[NGX_WS_GUARD_SCHEMA_REASON_MAX + 1];
} suite_verdict_t;


static char *suite_read(const char *path, size_t *len);
static char *suite_trim(char *s);
static int suite_load_skips(const char *path);
static suite_skip_t *suite_skipped(const char *file, const char *group,
    const char *test);
static int suite_names(const char *dir, char ***names, size_t *n);
static int suite_cmp(const void *a, const void *b);
static int suite_gen(yajl_gen g, const ngx_ws_guard_schema_json_t *v);
static unsigned char *suite_serialize(const ngx_ws_guard_schema_json_t *v,
    size_t *len);
static const ngx_ws_guard_schema_json_t *suite_member(
    const ngx_ws_guard_schema_json_t *obj, const char *name);
static void suite_validate(ngx_ws_guard_schema_state_t *st,
    const unsigned char *p, size_t len, size_t piece, suite_verdict_t *v);
static int suite_file(const char *dir, const char *name);


static suite_skip_t  suite_skips[SUITE_MAX_SKIPS];
static size_t        suite_nskips;

static unsigned      suite_passed;
static unsigned      suite_failed;
static unsigned      suite_skipped_tests;


static char *
suite_read(const char *path, size_t *len)
{
    long   size;
    FILE  *f;
    char  *buf;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = malloc(size + 1);
    if (buf == NULL || fread(buf, 1, size, f) != (size_t) size) {
        free(buf);
        fclose(f);
        return NULL;
    }

    buf[size] = '\0';
    *len = size;
    fclose(f);

    return buf;
}


static char *
suite_trim(char *s)
{
    char  *e;

    while (*s == ' ' || *s == '\t') {
        s++;
    }

    e = s + strlen(s);

    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'
                     || e[-1] == '\r'))
    {
        *--e = '\0';
    }

    return s;
}


static int
suite_load_skips(const char *path)
{
    char          line[2048], *fields[4], *p, *bar;
    size_t        k;
    FILE         *f;
    suite_skip_t  *s;

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "schema-suite: cannot open skip list %s\n", path);
        return -1;
    }

    while (fgets(line, sizeof(line), f)) {
        p = suite_trim(line);

        if (*p == '\0' || *p == '#') {
            continue;
        }

        for (k = 0; k < 4; k++) {
            bar = (k < 3) ? strstr(p, " | ") : NULL;

            if (bar) {
                *bar = '\0';
            }

            fields[k] = suite_trim(p);

            if (bar == NULL) {
                break;
            }

            p = bar + 3;
        }

        if (k != 3 || suite_nskips == SUITE_MAX_SKIPS) {
            fprintf(stderr, "schema-suite: bad skip entry: %s\n", line);
            fclose(f);
            return -1;
        }

        s = &suite_skips[suite_nskips++];
        s->file = strdup(fields[0]);
        s->group = strdup(fields[1]);
        s->test = strdup(fields[2]);
        s->feature = strdup(fields[3]);

        if (s->file == NULL || s->group == NULL || s->test == NULL
            || s->feature == NULL || s->feature[0] == '\0')
        {
            fprintf(stderr, "schema-suite: bad skip entry: %s\n", line);
            fclose(f);
            return -1;
        }
    }

    fclose(f);

    return 0;
}


static suite_skip_t *
suite_skipped(const char *file, const char *group, const char *test)
{
    size_t         i;
    suite_skip_t  *s;

    for (i = 0; i < suite_nskips; i++) {
        s = &suite_skips[i];

        if (strcmp(s->file, file) == 0
            && (strcmp(s->group, "*") == 0 || strcmp(s->group, group) == 0)
            && (strcmp(s->test, "*") == 0
                || (test && strcmp(s->test, test) == 0)))
        {
            s->used = 1;
            return s;
        }
    }

    return NULL;
}


/* the suite's files, sorted: DIR/NAME.json, then DIR/optional/NAME.json */

static int
suite_names(const char *dir, char ***names, size_t *n)
{
    char            path[4096], **list, **nl;
    size_t          len, cap, pass;
    DIR            *d;
    struct dirent  *e;

    list = NULL;
    cap = 0;
    *n = 0;

    for (pass = 0; pass < 2; pass++) {
        snprintf(path, sizeof(path), "%s%s", dir, pass ? "/optional" : "");

        d = opendir(path);
        if (d == NULL) {
            if (pass == 0) {
                fprintf(stderr, "schema-suite: cannot open %s\n", path);
                return -1;
            }

            break;
        }

        while ((e = readdir(d)) != NULL) {
            len = strlen(e->d_name);

            if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) {
                continue;
            }

            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                nl = realloc(list, cap * sizeof(char *));
                if (nl == NULL) {
                    closedir(d);
                    return -1;
                }

                list = nl;
            }

            snprintf(path, sizeof(path), "%s%s", pass ? "optional/" : "",
                     e->d_name);
            list[(*n)++] = strdup(path);
        }

        closedir(d);
    }

    qsort(list, *n, sizeof(char *), suite_cmp);
    *names = list;

    return 0;
}


static int
suite_cmp(const void *a, const void *b)
{
    return strcmp(*(char * const *) a, *(char * const *) b);
}


static int
suite_gen(yajl_gen g, const ngx_ws_guard_schema_json_t *v)
{
    size_t  i;

    switch (v->type) {

    case NGX_WS_GUARD_SCHEMA_NULL:
        return yajl_gen_null(g);

    case NGX_WS_GUARD_SCHEMA_BOOLEAN:
        return yajl_gen_bool(g, v->boolean);

    case NGX_WS_GUARD_SCHEMA_NUMBER:
        return yajl_gen_number(g, (const char *) v->str, v->len);

    case NGX_WS_GUARD_SCHEMA_STRING:
        return yajl_gen_string(g, v->str, v->len);

    case NGX_WS_GUARD_SCHEMA_ARRAY:
        if (yajl_gen_array_open(g) != yajl_gen_status_ok) {
            return -1;
        }

        for (i = 0; i < v->n; i++) {
            if (suite_gen(g, v->items[i]) != yajl_gen_status_ok) {
                return -1;
            }
        }

        return yajl_gen_array_close(g);

    default: /* NGX_WS_GUARD_SCHEMA_OBJECT */
        if (yajl_gen_map_open(g) != yajl_gen_status_ok) {
            return -1;
        }

        for (i = 0; i < v->n; i++) {
            if (yajl_gen_string(g, v->keys[i], v->klens[i])
                != yajl_gen_status_ok
                || suite_gen(g, v->items[i]) != yajl_gen_status_ok)
            {
                return -1;
            }
        }

        return yajl_gen_map_close(g);
    }
}


static unsigned char *
suite_serialize(const ngx_ws_guard_schema_json_t *v, size_t *len)
{
    size_t                n;
    yajl_gen              g;
    unsigned char        *out;
    const unsigned char  *buf;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NULL;
    }

    out = NULL;

    if (suite_gen(g, v) == yajl_gen_status_ok
        && yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok)
    {
        out = malloc(n + 1);

        if (out) {
            memcpy(out, buf, n);
            out[n] = '\0';
            *len = n;
        }
    }

    yajl_gen_free(g);

    return out;
}


static const ngx_ws_guard_schema_json_t *
suite_member(const ngx_ws_guard_schema_json_t *obj, const char *name)
{
    size_t  i;

    if (obj->type != NGX_WS_GUARD_SCHEMA_OBJECT) {
        return NULL;
    }

    for (i = 0; i < obj->n; i++) {
        if (strcmp((const char *) obj->keys[i], name) == 0) {
            return obj->items[i];
        }
    }

    return NULL;
}


/* piece 0: the message whole */

static void
suite_validate(ngx_ws_guard_schema_state_t *st, const unsigned char *p,
    size_t len, size_t piece, suite_verdict_t *v)
{
    int     rc;
    size_t  off, n;

    ngx_ws_guard_schema_reset(st);

    rc = NGX_WS_GUARD_AGAIN;
    off = 0;

    do {
        n = (piece == 0 || len - off < piece) ? len - off : piece;
        rc = ngx_ws_guard_schema_feed(st, p + off, n);
        off += n;

    } while (rc == NGX_WS_GUARD_AGAIN && off < len);

    if (rc == NGX_WS_GUARD_AGAIN) {
        rc = ngx_ws_guard_schema_finish(st);
    }

    v->rc = rc;
    v->code = ngx_ws_guard_schema_close_code(st);
    snprintf(v->reason, sizeof(v->reason), "%s",
             ngx_ws_guard_schema_reason(st));
}


static int
suite_file(const char *dir, const char *name)
{
    char                               path[4096], err[512];
    const char                        *gdesc, *tdesc;
    size_t                             len, slen, dlen, g, t, k;
    unsigned                           ok, expect;
    char                              *text;
    unsigned char                     *stext, *dtext;
    suite_skip_t                      *skip;
    suite_verdict_t                    v[3];
    ngx_ws_guard_schema_t             *schema;
    ngx_ws_guard_schema_json_t        *root;
    ngx_ws_guard_schema_conf_t         conf;
    ngx_ws_guard_schema_state_t       *st;
    const ngx_ws_guard_schema_json_t  *group, *tests, *test, *desc, *valid;

    static const size_t  pieces[3] = { 0, 7, 1 };

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    text = suite_read(path, &len);
    if (text == NULL) {
        fprintf(stderr, "schema-suite: cannot read %s\n", path);
        return -1;
    }

    root = ngx_ws_guard_schema_json_parse((unsigned char *) text, len, 1000,
                                          err, sizeof(err));
    free(text);

    if (root == NULL || root->type != NGX_WS_GUARD_SCHEMA_ARRAY) {
        fprintf(stderr, "schema-suite: %s: %s\n", name,
                root ? "not an array" : err);
        ngx_ws_guard_schema_json_free(root);
        return -1;
    }

    for (g = 0; g < root->n; g++) {
        group = root->items[g];
        desc = suite_member(group, "description");
        tests = suite_member(group, "tests");

        if (desc == NULL || tests == NULL
            || tests->type != NGX_WS_GUARD_SCHEMA_ARRAY
            || suite_member(group, "schema") == NULL)
        {
            fprintf(stderr, "schema-suite: %s: malformed case %zu\n", name, g);
            ngx_ws_guard_schema_json_free(root);
            return -1;
        }

        gdesc = (const char *) desc->str;

        stext = suite_serialize(suite_member(group, "schema"), &slen);
        if (stext == NULL) {
            ngx_ws_guard_schema_json_free(root);
            return -1;
        }

        schema = ngx_ws_guard_schema_compile(stext, slen, NULL, err,
                                             sizeof(err));
        free(stext);

        st = NULL;

        if (schema) {
            memset(&conf, 0, sizeof(conf));
            conf.schema = schema;
            conf.max_depth = 64;

            st = ngx_ws_guard_schema_state_create(&conf, err, sizeof(err));
            if (st == NULL) {
                fprintf(stderr, "schema-suite: %s\n", err);
                ngx_ws_guard_schema_free(schema);
                ngx_ws_guard_schema_json_free(root);
                return -1;
            }
        }

        for (t = 0; t < tests->n; t++) {
            test = tests->items[t];
            desc = suite_member(test, "description");
            valid = suite_member(test, "valid");

            if (desc == NULL || valid == NULL
                || valid->type != NGX_WS_GUARD_SCHEMA_BOOLEAN
                || suite_member(test, "data") == NULL)
            {
                fprintf(stderr, "schema-suite: %s: malformed test\n", name);
                continue;
            }

            tdesc = (const char *) desc->str;
            expect = valid->boolean;
            skip = suite_skipped(name, gdesc, tdesc);

            if (schema == NULL) {
                if (skip) {
                    suite_skipped_tests++;
                    continue;
                }

                suite_failed++;
                printf("FAIL %s | %s | %s: schema refused: %s\n", name, gdesc,
                       tdesc, err);
                continue;
            }

            dtext = suite_serialize(suite_member(test, "data"), &dlen);
            if (dtext == NULL) {
                ngx_ws_guard_schema_state_free(st);
                ngx_ws_guard_schema_free(schema);
                ngx_ws_guard_schema_json_free(root);
                return -1;
            }

            for (k = 0; k < 3; k++) {
                suite_validate(st, dtext, dlen, pieces[k], &v[k]);
            }

            ok = (v[0].rc == NGX_WS_GUARD_OK) == expect;

            for (k = 1; k < 3; k++) {
                if (v[k].rc != v[0].rc || v[k].code != v[0].code
                    || strcmp(v[k].reason, v[0].reason) != 0)
                {
                    ok = 0;
                }
            }

            if (skip) {
                suite_skipped_tests++;

                if (ok) {
                    fprintf(stderr, "note: skipped but passes: %s | %s | "
                            "%s\n", name, gdesc, tdesc);
                }

            } else if (ok) {
                suite_passed++;

            } else {
                suite_failed++;
                printf("FAIL %s | %s | %s: expected %s, got %s (%d %s); "
                       "7-byte pieces: %d %s; 1-byte pieces: %d %s; data %s\n",
                       name, gdesc, tdesc, expect ? "valid" : "invalid",
                       v[0].rc == NGX_WS_GUARD_OK ? "valid" : "invalid",
                       v[0].code, v[0].reason, v[1].code, v[1].reason,
                       v[2].code, v[2].reason, (char *) dtext);
            }

            free(dtext);
        }

        ngx_ws_guard_schema_state_free(st);
        ngx_ws_guard_schema_free(schema);
    }

    ngx_ws_guard_schema_json_free(root);

    return 0;
}


int
main(int argc, char **argv)
{
    char    **names;
    size_t    i, n;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: schema_suite DIR [SKIPLIST]\n");
        return 2;
    }

    if (suite_load_skips(argc == 3 ? argv[2] : "schema_skip.txt") != 0
        || suite_names(argv[1], &names, &n) != 0)
    {
        return 2;
    }

    for (i = 0; i < n; i++) {
        if (suite_file(argv[1], names[i]) != 0) {
            return 2;
        }

        free(names[i]);
    }

    free(names);

    for (i = 0; i < suite_nskips; i++) {
        if (!suite_skips[i].used) {
            fprintf(stderr, "note: skip entry matches nothing: %s | %s | %s\n",
                    suite_skips[i].file, suite_skips[i].group,
                    suite_skips[i].test);
        }

        free(suite_skips[i].file);
        free(suite_skips[i].group);
        free(suite_skips[i].test);
        free(suite_skips[i].feature);
    }

    printf("schema-suite: %u passed, %u failed, %u skipped\n", suite_passed,
           suite_failed, suite_skipped_tests);

    return suite_failed ? 1 : 0;
}
