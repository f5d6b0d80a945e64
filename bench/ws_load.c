
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The benchmark's WebSocket load generator: one thread, epoll (edge
 * triggered), many connections, RFC 6455 client side.
 *
 * Each connection does a real handshake (a random 16-byte
 * Sec-WebSocket-Key, an Origin, the Sec-WebSocket-Accept of the 101 checked)
 * and then runs a closed loop: it keeps DEPTH text messages of SIZE bytes in
 * flight, each masked with its own random key, and sends the next one when
 * an echo comes back.  Every echo is checked byte for byte against what was
 * sent, and its latency (from the moment its frame was handed to send() to
 * the moment the whole echo was read) goes into a log-linear histogram.
 * The payloads are printable ASCII with some multibyte UTF-8, so that UTF-8
 * validation has real work to do.  With -j each message is instead one JSON
 * document of exactly SIZE bytes, a chat message (bench/schemas/):
 *
 *   {"type":"chat","seq":1000000042,"room":"r3","text":"..."}
 *
 * its "seq" the connection's message number (10 digits), its text the same
 * mixed UTF-8 words (quotes escaped) padded to the size.  -H adds a header
 * line to every handshake (a bearer token, say); it may repeat.
 *
 * After WARMUP seconds the measured window of SECONDS starts: messages
 * echoed within it are counted, and with -W the CPU time (utime + stime
 * from /proc/PID/stat) of that process, the nginx worker, is read at both
 * ends, and utime alone (the worker's own code: nginx, the module, libc;
 * stime is the kernel's, mostly TCP).  Then sending stops, the messages in
 * flight drain, and every connection is closed with a close handshake.
 *
 * Idle mode (-m idle) measures memory instead: it reads VmRSS of -W PID,
 * opens half the connections, waits WARMUP seconds, reads VmRSS, opens the
 * other half, waits WARMUP seconds, reads VmRSS again, echoes one message
 * on every connection, reads it a third time, and closes.  Besides the
 * growth per connection from the start it reports that of the second half
 * alone, which leaves out what the worker takes once (code and tables
 * paged in on first use, per-worker caches): the cost of one more
 * connection.
 *
 * One line of key=value pairs goes to stdout.  Exit status 0, or 2 when the
 * instrument itself failed (refused handshakes, echoes that differ, lost
 * connections): figures are never judged.
 *
 *   ws_load -p PORT [-a 127.0.0.1] [-u /ws] [-o ORIGIN] [-c CONNS]
 *           [-s SIZE] [-d DEPTH] [-t SECONDS] [-w WARMUP] [-W PID]
 *           [-m load|idle] [-k MAX_CONNECTING] [-l LABEL] [-j]
 *           [-H 'Name: value']...
 *   ws_load -F        prints a free loopback port
 */


#include "ws_bench.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>


#define LOAD_TEMPLATES  16
#define LOAD_EVENTS     1024
#define LOAD_HEAD_MAX   4096
#define LOAD_HEADERS    8

/*
 * -j: the JSON document around the text.  "seq" is written per message, 10
 * digits at LOAD_SEQ_OFF, the first never 0; "room" is r0 to r3.
 */
#define LOAD_JSON_HEAD  "{\"type\":\"chat\",\"seq\":"
#define LOAD_JSON_ROOM  ",\"room\":\"r%u\",\"text\":\""
#define LOAD_JSON_TAIL  "\"}"
#define LOAD_SEQ_OFF    (sizeof(LOAD_JSON_HEAD) - 1)
#define LOAD_SEQ_DIGITS 10
#define LOAD_JSON_MIN   (LOAD_SEQ_OFF + LOAD_SEQ_DIGITS                     \
                         + sizeof(LOAD_JSON_ROOM) - 1 - 1                   \
                         + sizeof(LOAD_JSON_TAIL) - 1)

/* latency histogram: exact below 64 ns, then 32 buckets per power of two */
#define HIST_SUB_BITS   5
#define HIST_SUB        (1 << HIST_SUB_BITS)
#define HIST_LINEAR     64
#define HIST_MAX_EXP    44
#define HIST_BUCKETS    (HIST_LINEAR + (HIST_MAX_EXP - 6 + 1) * HIST_SUB)


typedef enum {
    L_IDLE = 0,
    L_CONNECTING,
    L_HANDSHAKE,
    L_OPEN,
    L_CLOSING,
    L_DONE
} lconn_state_e;


typedef enum {
    P_ESTABLISH = 0,
    P_RUN,
    P_DRAIN,
    P_IDLE_WAIT,
    P_IDLE_ECHO,
    P_CLOSE,
    P_END
} phase_e;


typedef struct {
    int             fd;
    lconn_state_e   state;
    unsigned        readable:1;
    unsigned        writable:1;

    char            accept[29];

    unsigned char  *out;
    size_t          out_pos;
    size_t          out_len;

    unsigned char  *in;
    size_t          in_len;

    uint64_t       *sent;           /* send times, a FIFO of depth */
    unsigned        head;
    unsigned        inflight;
    unsigned        pending;        /* messages to send */

    uint64_t        rseq;           /* echoes received */
    uint64_t        sseq;           /* messages sent */
} lconn_t;


typedef struct {
    uint64_t        count[HIST_BUCKETS];
    uint64_t        total;
    uint64_t        max;
} hist_t;


static void load_usage(void);
static void load_free_port(void);
static void load_text(unsigned char *out, size_t size, int json,
    uint64_t *rs);
static void load_json(unsigned char *out, size_t size, unsigned room,
    uint64_t *rs);
static void load_seq(unsigned char *out, uint64_t seq);
static int load_echo_differs(const unsigned char *p, uint64_t seq);
static void load_connect(lconn_t *c);
static void load_drive(lconn_t *c);
static void load_fill(lconn_t *c);
static int load_handshake(lconn_t *c);
static int load_frames(lconn_t *c, uint64_t now);
static void load_send_close(lconn_t *c);
static void load_finish(lconn_t *c, int clean);
static void load_fail(lconn_t *c, const char *fmt, ...);
static long load_cpu_ticks(long pid, long *user);
static long load_rss_kib(long pid);
static void hist_add(hist_t *h, uint64_t v);
static double hist_quantile(hist_t *h, double q);


/* options */
static const char      *opt_addr = "127.0.0.1";
static unsigned         opt_port;
static const char      *opt_path = "/ws";
static const char      *opt_origin;
static unsigned         opt_conns = 100;
static size_t           opt_size = 1024;
static unsigned         opt_depth = 1;
static double           opt_seconds = 3;
static double           opt_warmup = 0.5;
static long             opt_pid;
static int              opt_idle;
static unsigned         opt_max_connecting = 256;
static const char      *opt_label = "-";
static int              opt_json;
static const char      *opt_headers[LOAD_HEADERS];
static unsigned         opt_nheaders;

/* state */
static int              load_ep;
static uint64_t         load_rs;
static phase_e          load_phase;
static lconn_t         *load_conns;
static unsigned         load_next;          /* next connection to start */
static unsigned         load_connecting;
static unsigned         load_open;
static unsigned         load_alive;         /* not yet L_DONE */
static uint64_t         load_inflight;
static int              load_measuring;
static int              load_stopping;
static uint64_t         load_msgs;          /* echoes in the window */
static uint64_t         load_bytes;
static uint64_t         load_echoed;        /* echoes in all */
static hist_t           load_hist;
static size_t           load_frame_len;
static size_t           load_out_cap;
static size_t           load_in_cap;
static unsigned char   *load_tmpl[LOAD_TEMPLATES];
static struct sockaddr_in  load_sin;
static char             load_req_head[LOAD_HEAD_MAX];   /* up to the key */
static size_t           load_req_head_len;
static char             load_req_tail[LOAD_HEAD_MAX];   /* after it */
static size_t           load_req_tail_len;

/* failures of the instrument */
static unsigned long    load_refused;
static unsigned long    load_mismatch;
static unsigned long    load_lost;
static unsigned long    load_unclean;
static int              load_reported;


int
main(int argc, char **argv)
{
    int                  i, n, opt, timeout;
    long                 cpu0, cpu1, user0, user1, rss0, rss1, rss2, hz;
    long                 rss_half;
    unsigned             half, limit_next;
    uint64_t             t_half;
    double               secs, t_phase_s;
    uint64_t             now, t_phase, t0, t1, limit;
    unsigned             u;
    struct rlimit        rl;
    struct sigaction     sa;
    struct epoll_event   events[LOAD_EVENTS];
    char                 host[64];

    while ((opt = getopt(argc, argv, "a:p:u:o:c:s:d:t:w:W:m:k:l:jH:F"))
           != -1)
    {
        switch (opt) {
        case 'a': opt_addr = optarg; break;
        case 'p': opt_port = (unsigned) atoi(optarg); break;
        case 'u': opt_path = optarg; break;
        case 'o': opt_origin = optarg; break;
        case 'c': opt_conns = (unsigned) atoi(optarg); break;
        case 's': opt_size = (size_t) atol(optarg); break;
        case 'd': opt_depth = (unsigned) atoi(optarg); break;
        case 't': opt_seconds = atof(optarg); break;
        case 'w': opt_warmup = atof(optarg); break;
        case 'W': opt_pid = atol(optarg); break;
        case 'k': opt_max_connecting = (unsigned) atoi(optarg); break;
        case 'l': opt_label = optarg; break;
        case 'j': opt_json = 1; break;
        case 'H':
            if (opt_nheaders == LOAD_HEADERS) {
                ws_die("ws_load: at most %d -H headers", LOAD_HEADERS);
            }
            if (strchr(optarg, ':') == NULL || strpbrk(optarg, "\r\n")) {
                ws_die("ws_load: -H takes one \"Name: value\" line");
            }
            opt_headers[opt_nheaders++] = optarg;
            break;
        case 'm':
            if (strcmp(optarg, "idle") == 0) {
                opt_idle = 1;
            } else if (strcmp(optarg, "load") != 0) {
                load_usage();
            }
            break;
        case 'F':
            load_free_port();
            return 0;
        default:
            load_usage();
        }
    }

    if (opt_port == 0 || opt_conns == 0 || opt_depth == 0 || opt_size == 0
        || opt_max_connecting == 0 || opt_seconds <= 0 || opt_warmup < 0)
    {
        load_usage();
    }

    if (opt_json && opt_size < LOAD_JSON_MIN) {
        ws_die("ws_load: -j needs a SIZE of at least %zu bytes",
               (size_t) LOAD_JSON_MIN);
    }

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < opt_conns + 16) {
        ws_die("ws_load: %u connections need more open files than the "
               "limit of %lu (ulimit -n)", opt_conns,
               (unsigned long) rl.rlim_cur);
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    load_rs = ws_seed();
    hz = sysconf(_SC_CLK_TCK);

    memset(&load_sin, 0, sizeof(load_sin));
    load_sin.sin_family = AF_INET;
    load_sin.sin_port = htons(opt_port);
    if (inet_pton(AF_INET, opt_addr, &load_sin.sin_addr) != 1) {
        ws_die("ws_load: bad address \"%s\"", opt_addr);
    }

    snprintf(host, sizeof(host), "%s:%u", opt_addr, opt_port);

    /* the request in two parts: each connection's key goes between them */
    n = snprintf(load_req_head, sizeof(load_req_head),
                 "GET %s HTTP/1.1\r\n"
                 "Host: %s\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: ",
                 opt_path, host);
    if (n < 0 || (size_t) n >= sizeof(load_req_head)) {
        ws_die("ws_load: path too long");
    }
    load_req_head_len = n;

    n = snprintf(load_req_tail, sizeof(load_req_tail),
                 "\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Origin: %s%s\r\n"
                 "User-Agent: ws_load\r\n",
                 opt_origin ? "" : "http://", opt_origin ? opt_origin : host);
    if (n < 0 || (size_t) n >= sizeof(load_req_tail)) {
        ws_die("ws_load: origin too long");
    }
    load_req_tail_len = n;

    /* the -H lines, then the empty line */
    for (u = 0; u <= opt_nheaders; u++) {
        n = snprintf(load_req_tail + load_req_tail_len,
                     sizeof(load_req_tail) - load_req_tail_len, "%s\r\n",
                     u < opt_nheaders ? opt_headers[u] : "");
        if (n < 0 || (size_t) n >= sizeof(load_req_tail) - load_req_tail_len)
        {
            ws_die("ws_load: -H headers too long");
        }
        load_req_tail_len += n;
    }

    /* 24: the key in base64 */
    if (load_req_head_len + 24 + load_req_tail_len > LOAD_HEAD_MAX) {
        ws_die("ws_load: the handshake request exceeds %d bytes",
               LOAD_HEAD_MAX);
    }

    for (i = 0; i < LOAD_TEMPLATES; i++) {
        load_tmpl[i] = malloc(opt_size);
        if (load_tmpl[i] == NULL) {
            ws_die("ws_load: out of memory");
        }

        if (opt_json) {
            load_json(load_tmpl[i], opt_size, (unsigned) i % 4, &load_rs);
        } else {
            load_text(load_tmpl[i], opt_size, 0, &load_rs);
        }
    }

    load_frame_len = opt_size + (opt_size < 126 ? 6 : opt_size < 65536 ? 8
                                                                      : 14);

    /* room for every message in flight, within reason, and at least one */
    load_out_cap = load_frame_len * opt_depth;
    if (load_out_cap > 64 * 1024) {
        load_out_cap = 64 * 1024;
    }
    if (load_out_cap < load_frame_len) {
        load_out_cap = load_frame_len;
    }
    if (load_out_cap < 256) {
        load_out_cap = 256;
    }

    load_in_cap = 2 * load_frame_len;
    if (load_in_cap < 32 * 1024) {
        load_in_cap = 32 * 1024;
    }

    load_conns = calloc(opt_conns, sizeof(lconn_t));
    if (load_conns == NULL) {
        ws_die("ws_load: out of memory");
    }

    load_ep = epoll_create1(0);
    if (load_ep < 0) {
        ws_die("ws_load: epoll_create1: %s", strerror(errno));
    }

    rss0 = opt_idle && opt_pid ? load_rss_kib(opt_pid) : 0;
    rss1 = rss2 = rss_half = 0;

    /*
     * idle mode: the first half is opened alone and left idle for WARMUP
     * seconds, as the whole will be, then RSS is read (with fewer than 2
     * connections, no halves)
     */
    half = (opt_idle && opt_conns >= 2) ? opt_conns / 2 : 0;
    limit_next = half ? half : opt_conns;
    t_half = 0;
    cpu0 = cpu1 = user0 = user1 = 0;
    t0 = t1 = 0;

    load_phase = P_ESTABLISH;
    load_alive = opt_conns;
    t_phase = ws_now_ns();
    limit = 60;

    while (load_next < limit_next && load_connecting < opt_max_connecting) {
        load_connect(&load_conns[load_next++]);
    }

    while (load_phase != P_END) {

        timeout = load_phase == P_RUN ? 5 : 20;
        n = epoll_wait(load_ep, events, LOAD_EVENTS, timeout);

        if (n < 0 && errno != EINTR) {
            ws_die("ws_load: epoll_wait: %s", strerror(errno));
        }

        for (i = 0; i < n; i++) {
            lconn_t  *c = events[i].data.ptr;

            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                c->readable = 1;
            }
            if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                c->writable = 1;
            }

            load_drive(c);
        }

        if (load_phase == P_ESTABLISH && half && limit_next == half
            && load_open >= half)
        {
            if (t_half == 0) {
                t_half = ws_now_ns();

            } else if ((ws_now_ns() - t_half) / 1e9 >= opt_warmup) {
                rss_half = opt_pid ? load_rss_kib(opt_pid) : 0;
                limit_next = opt_conns;
            }
        }

        while (load_phase == P_ESTABLISH && load_next < limit_next
               && load_connecting < opt_max_connecting)
        {
            load_connect(&load_conns[load_next++]);
        }

        now = ws_now_ns();
        t_phase_s = (now - t_phase) / 1e9;

        switch (load_phase) {

        case P_ESTABLISH:
            if (load_refused || load_lost) {
                ws_die("ws_load: %lu handshakes refused, %lu connections "
                       "lost while connecting", load_refused, load_lost);
            }

            if (load_open < opt_conns) {
                if (t_phase_s > limit) {
                    ws_die("ws_load: only %u of %u connections open after "
                           "%.0f s", load_open, opt_conns, t_phase_s);
                }
                break;
            }

            t_phase = now;

            if (opt_idle) {
                load_phase = P_IDLE_WAIT;
                break;
            }

            load_phase = P_RUN;
            for (u = 0; u < opt_conns; u++) {
                load_conns[u].pending = opt_depth;
                load_drive(&load_conns[u]);
            }
            break;

        case P_RUN:
            if (!load_measuring && t0 == 0 && t_phase_s >= opt_warmup) {
                cpu0 = opt_pid ? load_cpu_ticks(opt_pid, &user0) : 0;
                t0 = ws_now_ns();
                load_msgs = 0;
                load_bytes = 0;
                memset(&load_hist, 0, sizeof(load_hist));
                load_measuring = 1;

            } else if (load_measuring
                       && (now - t0) / 1e9 >= opt_seconds)
            {
                t1 = ws_now_ns();
                cpu1 = opt_pid ? load_cpu_ticks(opt_pid, &user1) : 0;
                load_measuring = 0;
                load_stopping = 1;
                load_phase = P_DRAIN;
                t_phase = now;
            }
            break;

        case P_DRAIN:
            if (load_inflight == 0 || t_phase_s > 10) {
                if (load_inflight) {
                    fprintf(stderr, "ws_load: %llu echoes missing\n",
                            (unsigned long long) load_inflight);
                    load_lost++;
                }
                load_phase = P_CLOSE;
                t_phase = now;
                for (u = 0; u < opt_conns; u++) {
                    load_send_close(&load_conns[u]);
                }
            }
            break;

        case P_IDLE_WAIT:
            /* let the worker settle before reading its memory */
            if (t_phase_s >= opt_warmup) {
                rss1 = opt_pid ? load_rss_kib(opt_pid) : 0;
                load_phase = P_IDLE_ECHO;
                t_phase = now;
                load_stopping = 1;
                for (u = 0; u < opt_conns; u++) {
                    load_conns[u].pending = 1;
                    load_drive(&load_conns[u]);
                }
            }
            break;

        case P_IDLE_ECHO:
            if (load_echoed == opt_conns || t_phase_s > 30) {
                if (load_echoed != opt_conns) {
                    load_lost++;
                }
                rss2 = opt_pid ? load_rss_kib(opt_pid) : 0;
                load_phase = P_CLOSE;
                t_phase = now;
                for (u = 0; u < opt_conns; u++) {
                    load_send_close(&load_conns[u]);
                }
            }
            break;

        case P_CLOSE:
            if (load_alive == 0 || t_phase_s > 10) {
                for (u = 0; u < opt_conns; u++) {
                    if (load_conns[u].state != L_DONE) {
                        load_unclean++;
                        load_finish(&load_conns[u], 0);
                    }
                }
                load_phase = P_END;
            }
            break;

        case P_END:
            break;
        }
    }

    if (opt_idle) {
        printf("idle label=%s conns=%u size=%zu payload=%s "
               "rss_before_kib=%ld rss_idle_kib=%ld rss_echoed_kib=%ld "
               "idle_kib_per_conn=%.2f echoed_kib_per_conn=%.2f ",
               opt_label, opt_conns, opt_size, opt_json ? "json" : "text",
               rss0, rss1, rss2,
               (double) (rss1 - rss0) / opt_conns,
               (double) (rss2 - rss0) / opt_conns);

        if (half) {
            printf("rss_half_kib=%ld second_half_kib_per_conn=%.2f ",
                   rss_half, (double) (rss1 - rss_half) / (opt_conns - half));
        }

        printf("lost=%lu unclean=%lu\n", load_lost, load_unclean);

    } else {
        secs = (t1 - t0) / 1e9;

        printf("load label=%s conns=%u size=%zu depth=%u payload=%s "
               "seconds=%.3f msgs=%llu rate=%.1f mib_s=%.2f p50_us=%.1f "
               "p99_us=%.1f max_us=%.1f cpu_ticks=%ld hz=%ld "
               "cpu_us_per_msg=%.3f cpu_user_ticks=%ld user_us_per_msg=%.3f "
               "worker_cpu_pct=%.1f mismatch=%lu lost=%lu unclean=%lu\n",
               opt_label, opt_conns, opt_size, opt_depth,
               opt_json ? "json" : "text", secs,
               (unsigned long long) load_msgs, load_msgs / secs,
               load_bytes / secs / 1048576.0,
               hist_quantile(&load_hist, 0.50) / 1e3,
               hist_quantile(&load_hist, 0.99) / 1e3,
               load_hist.max / 1e3,
               cpu1 - cpu0, hz,
               load_msgs ? (cpu1 - cpu0) * 1e6 / hz / load_msgs : 0.0,
               user1 - user0,
               load_msgs ? (user1 - user0) * 1e6 / hz / load_msgs : 0.0,
               (cpu1 - cpu0) * 100.0 / hz / secs,
               load_mismatch, load_lost, load_unclean);
    }

    fflush(stdout);

    if (load_mismatch || load_lost || load_refused) {
        fprintf(stderr, "ws_load: the run is not valid: %lu echoes differed, "
                "%lu connections or echoes lost, %lu refused\n",
                load_mismatch, load_lost, load_refused);
        return 2;
    }

    return 0;
}


static void
load_usage(void)
{
    ws_die("usage: ws_load -p PORT [-a ADDR] [-u PATH] [-o ORIGIN] "
           "[-c CONNS] [-s SIZE] [-d DEPTH] [-t SECONDS] [-w WARMUP] "
           "[-W PID] [-m load|idle] [-k MAX_CONNECTING] [-l LABEL] [-j] "
           "[-H 'Name: value']...\n"
           "       ws_load -F");
}


static void
load_free_port(void)
{
    int                 fd;
    socklen_t           len;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sin);

    if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0
        || getsockname(fd, (struct sockaddr *) &sin, &len) < 0)
    {
        ws_die("ws_load: no free port: %s", strerror(errno));
    }

    printf("%u\n", ntohs(sin.sin_port));
    close(fd);
}


/*
 * Fills exactly size bytes with valid UTF-8 text: words of printable ASCII,
 * and about one word in six a multibyte one (2, 3 and 4-byte sequences).
 * A sequence that would not fit whole is replaced by ASCII.  With json the
 * text can go between the quotes of a JSON string as it is: the same words,
 * their quotes escaped.
 */

static void
load_text(unsigned char *out, size_t size, int json, uint64_t *rs)
{
    size_t        i, len;
    uint64_t      r;
    const char   *w, **words;

    static const char  *ascii[] = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "juliett", "kilo", "lima", "mike", "november",
        "{\"id\":42,", "\"ok\":true}", "[1,2,3]", "x=y&z", "#tag", "(note)"
    };

    static const char  *ascii_json[] = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "juliett", "kilo", "lima", "mike", "november",
        "{\\\"id\\\":42,", "\\\"ok\\\":true}", "[1,2,3]", "x=y&z", "#tag",
        "(note)"
    };

    static const char  *multi[] = {
        "na\xc3\xafve",                         /* 2-byte */
        "\xc3\xa9t\xc3\xa9",                    /* 2-byte */
        "\xd0\xbc\xd0\xb8\xd1\x80",             /* Cyrillic, 2-byte */
        "\xe2\x82\xac" "12",                    /* euro sign, 3-byte */
        "\xe6\x9d\xb1\xe4\xba\xac",             /* CJK, 3-byte */
        "\xf0\x9f\x9a\x80",                     /* emoji, 4-byte */
        "\xf0\x9d\x84\x9e" "clef"               /* 4-byte */
    };

    words = json ? ascii_json : ascii;

    i = 0;

    while (i < size) {
        r = ws_rand(rs);

        if (r % 6 == 0) {
            w = multi[(r >> 8) % (sizeof(multi) / sizeof(multi[0]))];
        } else {
            w = words[(r >> 8) % (sizeof(ascii) / sizeof(ascii[0]))];
        }

        len = strlen(w);

        if (i + len > size) {
            /* pad with printable ASCII */
            while (i < size) {
                out[i] = (unsigned char) ('a' + (i % 26));
                i++;
            }
            break;
        }

        memcpy(out + i, w, len);
        i += len;

        if (i < size) {
            out[i++] = ' ';
        }
    }
}


/*
 * Fills exactly size bytes (at least LOAD_JSON_MIN) with one JSON chat
 * message, its "seq" 1000000000; the sender writes each message's own.
 */

static void
load_json(unsigned char *out, size_t size, unsigned room, uint64_t *rs)
{
    int     n;
    size_t  len;
    char    buf[64];

    memcpy(out, LOAD_JSON_HEAD, LOAD_SEQ_OFF);
    load_seq(out + LOAD_SEQ_OFF, 0);
    len = LOAD_SEQ_OFF + LOAD_SEQ_DIGITS;

    n = snprintf(buf, sizeof(buf), LOAD_JSON_ROOM, room % 10);
    memcpy(out + len, buf, n);
    len += n;

    load_text(out + len, size - len - (sizeof(LOAD_JSON_TAIL) - 1), 1, rs);
    memcpy(out + size - (sizeof(LOAD_JSON_TAIL) - 1), LOAD_JSON_TAIL,
           sizeof(LOAD_JSON_TAIL) - 1);
}


/* the 10 digits of "seq" for message number seq, the first never 0 */

static void
load_seq(unsigned char *out, uint64_t seq)
{
    int       i;
    uint64_t  v;

    v = 1000000000ull + seq % 9000000000ull;

    for (i = LOAD_SEQ_DIGITS - 1; i >= 0; i--) {
        out[i] = (unsigned char) ('0' + v % 10);
        v /= 10;
    }
}


/* 1 if the echo p of message number seq is not what was sent */

static int
load_echo_differs(const unsigned char *p, uint64_t seq)
{
    size_t                rest;
    unsigned char         digits[LOAD_SEQ_DIGITS];
    const unsigned char  *t;

    t = load_tmpl[seq % LOAD_TEMPLATES];

    if (!opt_json) {
        return memcmp(p, t, opt_size) != 0;
    }

    load_seq(digits, seq);
    rest = LOAD_SEQ_OFF + LOAD_SEQ_DIGITS;

    return memcmp(p, t, LOAD_SEQ_OFF) != 0
           || memcmp(p + LOAD_SEQ_OFF, digits, LOAD_SEQ_DIGITS) != 0
           || memcmp(p + rest, t + rest, opt_size - rest) != 0;
}


static void
load_connect(lconn_t *c)
{
    int                  fd;
    struct epoll_event   ev;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        ws_die("ws_load: socket: %s", strerror(errno));
    }

    ws_nodelay(fd);

    c->fd = fd;
    c->state = L_CONNECTING;
    c->sent = calloc(opt_depth, sizeof(uint64_t));
    c->in = malloc(load_in_cap + 1);
    c->out = malloc(load_out_cap < LOAD_HEAD_MAX ? LOAD_HEAD_MAX
                                                 : load_out_cap);
    if (c->sent == NULL || c->in == NULL || c->out == NULL) {
        ws_die("ws_load: out of memory");
    }

    load_connecting++;

    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;

    if (connect(fd, (struct sockaddr *) &load_sin, sizeof(load_sin)) < 0
        && errno != EINPROGRESS)
    {
        ws_die("ws_load: connect to %s:%u: %s", opt_addr, opt_port,
               strerror(errno));
    }

    if (epoll_ctl(load_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        ws_die("ws_load: epoll_ctl: %s", strerror(errno));
    }
}


static void
load_drive(lconn_t *c)
{
    int            err, progress;
    char           key[25];
    size_t         room;
    ssize_t        n;
    socklen_t      len;
    unsigned char  raw[16];
    uint64_t       r;

    if (c->state == L_CONNECTING) {
        if (!c->writable) {
            return;
        }

        err = 0;
        len = sizeof(err);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);

        if (err) {
            load_fail(c, "connect: %s", strerror(err));
            return;
        }

        r = ws_rand(&load_rs);
        memcpy(raw, &r, 8);
        r = ws_rand(&load_rs);
        memcpy(raw + 8, &r, 8);
        ws_base64(key, raw, 16);

        if (ws_accept_key(c->accept, key, 24) < 0) {
            ws_die("ws_load: SHA-1 failed");
        }

        memcpy(c->out, load_req_head, load_req_head_len);
        memcpy(c->out + load_req_head_len, key, 24);
        memcpy(c->out + load_req_head_len + 24, load_req_tail,
               load_req_tail_len);
        c->out_len = load_req_head_len + 24 + load_req_tail_len;
        c->out_pos = 0;
        c->in_len = 0;
        c->state = L_HANDSHAKE;
    }

    do {
        progress = 0;

        if (c->state == L_OPEN) {
            load_fill(c);
        }

        if (c->out_len > c->out_pos && c->writable) {
            n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
                     MSG_NOSIGNAL);

            if (n > 0) {
                c->out_pos += n;
                progress = 1;

                if (c->out_pos == c->out_len) {
                    c->out_pos = 0;
                    c->out_len = 0;
                }

            } else if (n < 0 && errno == EAGAIN) {
                c->writable = 0;

            } else if (n < 0 && errno != EINTR) {
                load_fail(c, "send: %s", strerror(errno));
                return;
            }
        }

        if (!c->readable) {
            continue;
        }

        room = (c->state == L_HANDSHAKE ? LOAD_HEAD_MAX : load_in_cap)
               - c->in_len;

        if (room == 0) {
            load_fail(c, "a frame larger than the input buffer");
            return;
        }

        n = recv(c->fd, c->in + c->in_len, room, 0);

        if (n > 0) {
            c->in_len += n;
            progress = 1;

            if (c->state == L_HANDSHAKE) {
                c->in[c->in_len] = '\0';
                if (strstr((char *) c->in, "\r\n\r\n") == NULL) {
                    continue;
                }
                if (load_handshake(c) < 0) {
                    return;
                }
            }

            if (load_frames(c, ws_now_ns()) < 0) {
                return;
            }

        } else if (n == 0) {
            if (c->state == L_CLOSING) {
                load_finish(c, 1);
            } else {
                load_fail(c, "the connection was closed");
            }
            return;

        } else if (errno == EAGAIN) {
            c->readable = 0;

        } else if (errno != EINTR) {
            if (c->state == L_CLOSING) {
                load_finish(c, 0);
                load_unclean++;
            } else {
                load_fail(c, "recv: %s", strerror(errno));
            }
            return;
        }

    } while (progress && c->state != L_DONE);
}


/* builds as many pending messages as the output buffer holds */

static void
load_fill(lconn_t *c)
{
    size_t          i;
    uint64_t        r, now;
    unsigned        slot;
    unsigned char  *o, key[4], digits[LOAD_SEQ_DIGITS];

    if (c->pending == 0 || load_out_cap - c->out_len < load_frame_len) {
        return;
    }

    if (c->out_pos > 0) {
        memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }

    now = ws_now_ns();

    while (c->pending > 0 && load_out_cap - c->out_len >= load_frame_len) {
        r = ws_rand(&load_rs);
        memcpy(key, &r, 4);

        o = c->out + c->out_len;
        o += ws_frame_header(o, WS_OP_TEXT, opt_size, key);
        ws_mask_copy(o, load_tmpl[c->sseq % LOAD_TEMPLATES], opt_size, key,
                     0);

        if (opt_json) {
            load_seq(digits, c->sseq);
            for (i = 0; i < LOAD_SEQ_DIGITS; i++) {
                o[LOAD_SEQ_OFF + i] = digits[i] ^ key[(LOAD_SEQ_OFF + i) & 3];
            }
        }

        c->out_len += load_frame_len;

        slot = (c->head + c->inflight) % opt_depth;
        c->sent[slot] = now;
        c->inflight++;
        c->pending--;
        c->sseq++;
        load_inflight++;
    }
}


static int
load_handshake(lconn_t *c)
{
    char        *head, *end;
    size_t       len, rest;
    const char  *v;

    head = (char *) c->in;
    end = strstr(head, "\r\n\r\n");
    end[2] = '\0';

    if (strncmp(head, "HTTP/1.1 101 ", 13) != 0) {
        load_refused++;
        end = strstr(head, "\r\n");
        *end = '\0';
        load_fail(c, "handshake refused: \"%s\"", head);
        return -1;
    }

    v = ws_header(head, "Sec-WebSocket-Accept", &len);

    if (v == NULL || len != 28 || memcmp(v, c->accept, 28) != 0) {
        load_refused++;
        load_fail(c, "wrong or missing Sec-WebSocket-Accept in the 101");
        return -1;
    }

    rest = c->in_len - (end + 4 - head);
    memmove(c->in, end + 4, rest);
    c->in_len = rest;

    c->state = L_OPEN;
    load_connecting--;
    load_open++;

    return 0;
}


static int
load_frames(lconn_t *c, uint64_t now)
{
    size_t          off, hl;
    uint64_t        len, lat;
    unsigned        fin, opcode, masked, code;
    unsigned char   key[4];
    const unsigned char  *p;

    off = 0;

    while (c->in_len - off >= 2) {
        p = c->in + off;

        hl = ws_parse_header(p, c->in_len - off, &fin, &opcode, &masked,
                             &len, key);
        if (hl == 0) {
            break;
        }

        if (len > load_in_cap - hl) {
            load_fail(c, "a frame of %llu bytes", (unsigned long long) len);
            return -1;
        }

        if (c->in_len - off < hl + len) {
            break;
        }

        p += hl;
        off += hl + len;

        if (opcode == WS_OP_TEXT && fin && !masked && len == opt_size
            && c->inflight > 0)
        {
            if (load_echo_differs(p, c->rseq)) {
                load_mismatch++;
            }

            lat = now - c->sent[c->head];
            c->head = (c->head + 1) % opt_depth;
            c->inflight--;
            c->rseq++;
            load_inflight--;
            load_echoed++;

            if (load_measuring) {
                load_msgs++;
                load_bytes += opt_size;
                hist_add(&load_hist, lat);
            }

            if (!load_stopping) {
                c->pending++;
            }

            continue;
        }

        if (opcode == WS_OP_CLOSE) {
            if (c->state == L_CLOSING) {
                continue;       /* the answer; the end of stream follows */
            }

            code = len >= 2 ? (unsigned) p[0] << 8 | p[1] : 0;
            load_fail(c, "close frame %u \"%.*s\" from the server", code,
                      len > 2 ? (int) len - 2 : 0, p + 2);
            return -1;
        }

        if (opcode == WS_OP_PING || opcode == WS_OP_PONG) {
            continue;
        }

        load_mismatch++;
        load_fail(c, "unexpected frame: opcode %u, fin %u, %llu bytes",
                  opcode, fin, (unsigned long long) len);
        return -1;
    }

    if (off > 0) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }

    return 0;
}


/* queues a masked close frame, status 1000 */

static void
load_send_close(lconn_t *c)
{
    uint64_t        r;
    unsigned char  *o, key[4], body[2] = { 0x03, 0xe8 };

    if (c->state != L_OPEN) {
        return;
    }

    r = ws_rand(&load_rs);
    memcpy(key, &r, 4);

    if (c->out_pos > 0) {
        memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }

    if (load_out_cap - c->out_len < 8) {
        load_unclean++;
        load_finish(c, 0);
        return;
    }

    o = c->out + c->out_len;
    o += ws_frame_header(o, WS_OP_CLOSE, 2, key);
    ws_mask_copy(o, body, 2, key, 0);
    c->out_len += 8;
    c->state = L_CLOSING;

    load_drive(c);
}


static void
load_finish(lconn_t *c, int clean)
{
    (void) clean;

    if (c->state == L_DONE || c->state == L_IDLE) {
        return;
    }

    if (c->state == L_CONNECTING || c->state == L_HANDSHAKE) {
        load_connecting--;
    }

    if (c->state == L_OPEN || c->state == L_CLOSING) {
        load_open--;
    }

    load_inflight -= c->inflight;
    c->inflight = 0;

    close(c->fd);
    free(c->in);
    free(c->out);
    free(c->sent);
    c->in = NULL;
    c->out = NULL;
    c->sent = NULL;
    c->state = L_DONE;
    load_alive--;
}


static void
load_fail(lconn_t *c, const char *fmt, ...)
{
    va_list  ap;

    if (load_reported++ < 5) {
        fprintf(stderr, "ws_load: connection %ld: ", (long) (c - load_conns));
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }

    load_lost++;
    load_finish(c, 0);
}


/* utime + stime of the process in clock ticks; *user: utime alone */

static long
load_cpu_ticks(long pid, long *user)
{
    int          i;
    char         path[64], buf[1024], *p;
    long         utime, stime;
    FILE        *f;
    size_t       n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);

    f = fopen(path, "r");
    if (f == NULL) {
        ws_die("ws_load: %s: %s", path, strerror(errno));
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';

    /* the fields after the command name, which may hold spaces */
    p = strrchr(buf, ')');
    if (p == NULL) {
        ws_die("ws_load: cannot parse %s", path);
    }

    /* p + 2 is field 3 (state); utime and stime are fields 14 and 15 */
    p += 2;
    for (i = 3; i < 14; i++) {
        p = strchr(p, ' ');
        if (p == NULL) {
            ws_die("ws_load: cannot parse %s", path);
        }
        p++;
    }

    if (sscanf(p, "%ld %ld", &utime, &stime) != 2) {
        ws_die("ws_load: cannot parse %s", path);
    }

    *user = utime;

    return utime + stime;
}


static long
load_rss_kib(long pid)
{
    char   path[64], line[256];
    long   kib;
    FILE  *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", pid);

    f = fopen(path, "r");
    if (f == NULL) {
        ws_die("ws_load: %s: %s", path, strerror(errno));
    }

    kib = -1;

    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) {
            break;
        }
    }

    fclose(f);

    if (kib < 0) {
        ws_die("ws_load: no VmRSS in %s", path);
    }

    return kib;
}


static void
hist_add(hist_t *h, uint64_t v)
{
    unsigned  e, idx;

    if (v < HIST_LINEAR) {
        idx = (unsigned) v;

    } else {
        e = 63 - __builtin_clzll(v);
        if (e > HIST_MAX_EXP) {
            e = HIST_MAX_EXP;
            v = (2ull << HIST_MAX_EXP) - 1;
        }
        idx = HIST_LINEAR + (e - 6) * HIST_SUB
              + (unsigned) ((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
    }

    h->count[idx]++;
    h->total++;

    if (v > h->max) {
        h->max = v;
    }
}


/* the value at quantile q: the middle of the bucket that holds it */

static double
hist_quantile(hist_t *h, double q)
{
    unsigned  i, e, sub;
    uint64_t  want, seen, lo, width;

    if (h->total == 0) {
        return 0;
    }

    want = (uint64_t) (q * h->total);
    if (want >= h->total) {
        want = h->total - 1;
    }

    seen = 0;

    for (i = 0; i < HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen > want) {
            break;
        }
    }

    if (i < HIST_LINEAR) {
        return i;
    }

    e = (i - HIST_LINEAR) / HIST_SUB + 6;
    sub = (i - HIST_LINEAR) % HIST_SUB;
    width = 1ull << (e - HIST_SUB_BITS);
    lo = (1ull << e) + sub * width;

    return lo + width / 2.0;
}
