
/*
 * Copyright (C) ngx_ws_guard authors
 *
 * The benchmark's WebSocket echo backend: one thread, epoll (edge
 * triggered), RFC 6455 server side.  It answers a handshake with 101 and
 * the Sec-WebSocket-Accept for the client's key, then echoes every data
 * frame as it arrives (same FIN and opcode, payload unmasked, so fragmented
 * messages come back fragmented the same way), answers ping with pong,
 * ignores pong, answers close with close and then closes the connection.
 * Payloads are streamed: a frame of any size needs no more memory than the
 * connection's output buffer.
 *
 *   ws_echo [-a 127.0.0.1] [-p port] [-P portfile]
 *
 * With port 0 (the default) the kernel picks a free port; -P writes the
 * port chosen to portfile once the socket listens.  SIGTERM or SIGINT stops
 * it.
 */


#include "ws_bench.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/epoll.h>


#define ECHO_HEAD_MAX  8192
#define ECHO_OUT       (128 * 1024)
#define ECHO_READ      (64 * 1024)
#define ECHO_EVENTS    512


typedef enum {
    ECHO_HANDSHAKE = 0,
    ECHO_OPEN,
    ECHO_CLOSING
} echo_state_e;


typedef struct {
    int             fd;
    echo_state_e    state;
    unsigned        readable:1;
    unsigned        writable:1;

    /* handshake */
    char           *head;
    size_t          head_len;

    /* the frame being parsed */
    unsigned char   hdr[WS_MAX_HEADER];
    size_t          hdr_len;
    uint64_t        remaining;
    unsigned char   key[4];
    size_t          key_off;
    unsigned        in_payload:1;
    unsigned        drop:1;
    unsigned        close_frame:1;

    /* bytes for the client */
    unsigned char  *out;
    size_t          out_pos;
    size_t          out_len;
} echo_conn_t;


static void echo_accept(int lfd);
static void echo_drive(echo_conn_t *c);
static int echo_handshake(echo_conn_t *c, const unsigned char *p, size_t n);
static int echo_frames(echo_conn_t *c, const unsigned char *p, size_t n);
static void echo_close(echo_conn_t *c);
static void echo_stop(int signo);


static int                     echo_ep;
static volatile sig_atomic_t   echo_quit;
static unsigned char           echo_buf[ECHO_READ];
static unsigned long           echo_open;


int
main(int argc, char **argv)
{
    int                  lfd, one, i, n, opt;
    FILE                *f;
    socklen_t            slen;
    const char          *addr, *portfile;
    struct sigaction     sa;
    struct sockaddr_in   sin;
    struct epoll_event   ev, events[ECHO_EVENTS];
    unsigned             port;

    addr = "127.0.0.1";
    port = 0;
    portfile = NULL;

    while ((opt = getopt(argc, argv, "a:p:P:")) != -1) {
        switch (opt) {
        case 'a':
            addr = optarg;
            break;
        case 'p':
            port = (unsigned) atoi(optarg);
            break;
        case 'P':
            portfile = optarg;
            break;
        default:
            ws_die("usage: ws_echo [-a addr] [-p port] [-P portfile]");
        }
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = echo_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (lfd < 0) {
        ws_die("ws_echo: socket: %s", strerror(errno));
    }

    one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);

    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        ws_die("ws_echo: bad address \"%s\"", addr);
    }

    if (bind(lfd, (struct sockaddr *) &sin, sizeof(sin)) < 0) {
        ws_die("ws_echo: bind %s:%u: %s", addr, port, strerror(errno));
    }

    if (listen(lfd, 4096) < 0) {
        ws_die("ws_echo: listen: %s", strerror(errno));
    }

    slen = sizeof(sin);
    getsockname(lfd, (struct sockaddr *) &sin, &slen);
    port = ntohs(sin.sin_port);

    echo_ep = epoll_create1(0);
    if (echo_ep < 0) {
        ws_die("ws_echo: epoll_create1: %s", strerror(errno));
    }

    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(echo_ep, EPOLL_CTL_ADD, lfd, &ev);

    if (portfile) {
        f = fopen(portfile, "w");
        if (f == NULL) {
            ws_die("ws_echo: %s: %s", portfile, strerror(errno));
        }
        fprintf(f, "%u\n", port);
        fclose(f);
    }

    while (!echo_quit) {
        n = epoll_wait(echo_ep, events, ECHO_EVENTS, 1000);

        for (i = 0; i < n; i++) {
            echo_conn_t  *c = events[i].data.ptr;

            if (c == NULL) {
                echo_accept(lfd);
                continue;
            }

            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                c->readable = 1;
            }

            if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                c->writable = 1;
            }

            echo_drive(c);
        }
    }

    close(lfd);

    return 0;
}


static void
echo_stop(int signo)
{
    (void) signo;
    echo_quit = 1;
}


static void
echo_accept(int lfd)
{
    int                  fd;
    echo_conn_t         *c;
    struct epoll_event   ev;

    for ( ;; ) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                fprintf(stderr, "ws_echo: accept: %s\n", strerror(errno));
            }
            return;
        }

        ws_nodelay(fd);

        c = calloc(1, sizeof(echo_conn_t));
        if (c == NULL) {
            ws_die("ws_echo: out of memory");
        }

        c->fd = fd;
        c->writable = 1;

        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;

        if (epoll_ctl(echo_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            ws_die("ws_echo: epoll_ctl: %s", strerror(errno));
        }

        echo_open++;
    }
}


/*
 * Writes what is pending and reads what the output buffer has room for,
 * until neither makes progress.  Nothing is read while the output is full,
 * so a slow reader slows its writer down.
 */

static void
echo_drive(echo_conn_t *c)
{
    size_t   room;
    ssize_t  n;
    int      progress;

    do {
        progress = 0;

        if (c->out_len > c->out_pos && c->writable) {
            n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
                     MSG_NOSIGNAL);

            if (n > 0) {
                c->out_pos += n;
                progress = 1;

            } else if (n < 0 && errno == EAGAIN) {
                c->writable = 0;

            } else if (n < 0 && errno != EINTR) {
                echo_close(c);
                return;
            }
        }

        if (c->out_pos == c->out_len) {
            c->out_pos = 0;
            c->out_len = 0;

            if (c->state == ECHO_CLOSING) {
                echo_close(c);
                return;
            }
        }

        if (!c->readable || c->state == ECHO_CLOSING) {
            continue;
        }

        if (c->state == ECHO_HANDSHAKE) {
            room = ECHO_HEAD_MAX - c->head_len;

        } else {
            if (c->out_pos > 0) {
                memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
                c->out_len -= c->out_pos;
                c->out_pos = 0;
            }

            /*
             * The output of n bytes read is at most n bytes plus the frame
             * header whose start was read before (server headers are
             * shorter than masked client headers).
             */
            room = ECHO_OUT - c->out_len;
            room = room > WS_MAX_HEADER ? room - WS_MAX_HEADER : 0;
        }

        if (room == 0) {
            continue;
        }

        if (room > ECHO_READ) {
            room = ECHO_READ;
        }

        n = recv(c->fd, echo_buf, room, 0);

        if (n > 0) {
            progress = 1;

            if (c->state == ECHO_HANDSHAKE) {
                if (echo_handshake(c, echo_buf, n) < 0) {
                    echo_close(c);
                    return;
                }

            } else if (echo_frames(c, echo_buf, n) < 0) {
                echo_close(c);
                return;
            }

        } else if (n == 0) {
            echo_close(c);
            return;

        } else if (errno == EAGAIN) {
            c->readable = 0;

        } else if (errno != EINTR) {
            echo_close(c);
            return;
        }

    } while (progress);
}


static int
echo_handshake(echo_conn_t *c, const unsigned char *p, size_t n)
{
    int          len;
    char        *end, accept[29];
    size_t       key_len, head, rest;
    const char  *key;

    if (c->head == NULL) {
        c->head = malloc(ECHO_HEAD_MAX + 1);
        if (c->head == NULL) {
            ws_die("ws_echo: out of memory");
        }
    }

    memcpy(c->head + c->head_len, p, n);
    c->head_len += n;
    c->head[c->head_len] = '\0';

    end = strstr(c->head, "\r\n\r\n");

    if (end == NULL) {
        return c->head_len < ECHO_HEAD_MAX ? 0 : -1;
    }

    end[2] = '\0';
    head = end + 4 - c->head;

    c->out = malloc(ECHO_OUT);
    if (c->out == NULL) {
        ws_die("ws_echo: out of memory");
    }

    key = ws_header(c->head, "Sec-WebSocket-Key", &key_len);

    if (strncmp(c->head, "GET ", 4) != 0 || key == NULL
        || ws_accept_key(accept, key, key_len) < 0)
    {
        len = snprintf((char *) c->out, ECHO_OUT,
                       "HTTP/1.1 400 Bad Request\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n");
        c->out_len = len;
        c->state = ECHO_CLOSING;
        free(c->head);
        c->head = NULL;
        return 0;
    }

    len = snprintf((char *) c->out, ECHO_OUT,
                   "HTTP/1.1 101 Switching Protocols\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    c->out_len = len;
    c->state = ECHO_OPEN;

    rest = c->head_len - head;
    memcpy(echo_buf, c->head + head, rest);

    free(c->head);
    c->head = NULL;

    /* frames pipelined with the handshake */
    return rest ? echo_frames(c, echo_buf, rest) : 0;
}


static int
echo_frames(echo_conn_t *c, const unsigned char *p, size_t n)
{
    size_t          k, hl, take;
    uint64_t        len;
    unsigned        fin, opcode, masked, out_op;
    unsigned char  *o;

    while (n > 0) {

        if (c->in_payload) {
            take = n < c->remaining ? n : (size_t) c->remaining;

            if (!c->drop) {
                ws_mask_copy(c->out + c->out_len, p, take, c->key, c->key_off);
                c->out_len += take;
            }

            c->key_off += take;
            c->remaining -= take;
            p += take;
            n -= take;

            if (c->remaining == 0) {
                c->in_payload = 0;
                if (c->close_frame) {
                    c->state = ECHO_CLOSING;
                    return 0;
                }
            }

            continue;
        }

        /* collect a whole header in c->hdr */

        k = WS_MAX_HEADER - c->hdr_len;
        k = k < n ? k : n;
        memcpy(c->hdr + c->hdr_len, p, k);

        hl = ws_parse_header(c->hdr, c->hdr_len + k, &fin, &opcode, &masked,
                             &len, c->key);

        if (hl == 0) {
            c->hdr_len += k;
            return 0;
        }

        /* the header's bytes among those just copied */
        take = hl - c->hdr_len;
        p += take;
        n -= take;
        c->hdr_len = 0;

        if (!masked) {
            return -1;      /* a client frame must be masked */
        }

        c->drop = 0;
        c->close_frame = 0;
        out_op = opcode;

        switch (opcode) {
        case WS_OP_CONT:
        case WS_OP_TEXT:
        case WS_OP_BINARY:
            break;
        case WS_OP_PING:
            out_op = WS_OP_PONG;
            break;
        case WS_OP_PONG:
            c->drop = 1;
            break;
        case WS_OP_CLOSE:
            c->close_frame = 1;
            break;
        default:
            return -1;
        }

        if (!c->drop) {
            o = c->out + c->out_len;
            c->out_len += ws_frame_header(o, out_op, len, NULL);
            if (!fin) {
                o[0] &= 0x7f;
            }
        }

        c->remaining = len;
        c->key_off = 0;
        c->in_payload = 1;

        if (len == 0) {
            c->in_payload = 0;
            if (c->close_frame) {
                c->state = ECHO_CLOSING;
                return 0;
            }
        }
    }

    return 0;
}


static void
echo_close(echo_conn_t *c)
{
    close(c->fd);
    free(c->head);
    free(c->out);
    free(c);
    echo_open--;
}
