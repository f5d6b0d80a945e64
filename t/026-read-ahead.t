# ws_guard_read_ahead: once a read fills what nginx asked for, the guard
# reads the rest of a burst in bigger reads into a buffer of its own.
# Bursts of hundreds of frames in one write, both ways, through a real
# WebSocket server (python3-websockets) and the raw upstream: every message
# must arrive once and in order, and a violation in the middle of a burst
# must cut it at the violating frame, whatever the read-ahead size.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

# a second listener of the server, with a small send buffer (TEST 14)
$ENV{TEST_NGINX_SNDBUF_PORT} = WSGuard::free_port();

use_policy_blocks();

# N masked text frames of 60 bytes, the K-th starting "mK "; frame BAD
# (0: none) carries WHAT instead of its last byte.

sub burst {
    my ($n, $bad, $what) = @_;
    $bad = 0 unless defined $bad;
    my @f;
    for my $k (1 .. $n) {
        my $p = "m$k ";
        $p .= 'x' x (60 - length $p);
        substr($p, -length $what) = $what if $k == $bad;
        push @f, masked_frame(payload => $p);
    }
    return @f;
}

# What session() or upstream_received() described, with the run of "text
# mK" lines summed up: "texts: N, 1 to N in order" (or the numbers as they
# came), then the other lines.

sub summary {
    my ($out) = @_;
    my (@k, @other);
    for my $l (split /\n/, $out) {
        if ($l =~ /^text m(\d+) x*(?: \(masked\))?$/) {
            push @k, $1;
        } else {
            push @other, $l;
        }
    }
    my $in_order = join(',', @k) eq join(',', 1 .. scalar @k);
    my $texts = 'texts: ' . scalar(@k)
                . ($in_order ? (@k ? ", 1 to $k[-1] in order" : '')
                             : ': ' . join(',', @k));
    return join("\n", $texts, @other);
}

# A client burst of 600 frames to the raw upstream, frame 300 not UTF-8:
# what the client got and what the upstream recorded, summed up.

sub client_cut {
    my ($name) = @_;
    my $c = session(path => "/raw/sink/$name", wait => 2,
                    send => [ burst(600, 300, "\xff") ]);
    return "client:\n" . summary($c) . "\nupstream:\n"
           . summary(upstream_received("/sink/$name", 1));
}

run_tests();

__DATA__

=== TEST 1: a burst of 600 client messages to the echo server, the default read-ahead
--- ws_client
main::summary(session(path => '/ws', wait => 2, send => [ main::burst(600) ]))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- error_log
ws guard staging at the end: client 0, upstream 0
--- no_error_log
ws_guard:
[error]



=== TEST 2: the same with a read-ahead that frames straddle (5k)
--- policy
ws_guard_read_ahead 5k;
--- ws_client
main::summary(session(path => '/ws', wait => 2, send => [ main::burst(600) ]))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- no_error_log
ws_guard:
[error]



=== TEST 3: the same without read-ahead
--- policy
ws_guard_read_ahead off;
--- ws_client
main::summary(session(path => '/ws', wait => 2, send => [ main::burst(600) ]))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- no_error_log
ws_guard:
[error]



=== TEST 4: a bad frame in the middle of a client burst: the upstream gets what came before it, then the close
--- ws_client
main::client_cut('ra4')
--- ws_expect
client:
texts: 0
101
close 1007 invalid utf-8
eof
upstream:
texts: 299, 1 to 299 in order
close 1007 invalid utf-8 (masked)
closed
--- error_log
ws_guard: client frame violation: invalid utf-8, closing with 1007



=== TEST 5: the same with a read-ahead of 5k
--- policy
ws_guard_read_ahead 5k;
--- ws_client
main::client_cut('ra5')
--- ws_expect
client:
texts: 0
101
close 1007 invalid utf-8
eof
upstream:
texts: 299, 1 to 299 in order
close 1007 invalid utf-8 (masked)
closed



=== TEST 6: a burst of 600 upstream messages with the 101
--- ws_client
main::summary(session(path => '/raw/send-many/600/60/0/ra6', wait => 2))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- error_log
ws guard staging at the end: client 0, upstream 0
--- no_error_log
ws_guard:
[error]



=== TEST 7: a bad frame in the middle of an upstream burst: the client gets what came before it, then the close
--- ws_client
my $c = session(path => '/raw/send-many/600/60/300/ra7', wait => 2);
"client:\n" . main::summary($c) . "\nupstream:\n"
. main::summary(upstream_received('/send-many/600/60/300/ra7', 1))
--- ws_expect
client:
texts: 299, 1 to 299 in order
101
close 1007 invalid utf-8
eof
upstream:
texts: 0
close 1007 invalid utf-8 (masked)
closed
--- error_log
ws_guard: upstream frame violation: invalid utf-8, closing with 1007



=== TEST 8: drop mode in a burst: only the denied message goes, the rest passes in order
--- policy
ws_guard_deny_pattern client "BAD$";
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/ra8', wait => 2,
                send => [ main::burst(600, 300, 'BAD') ]);
my $u = upstream_received('/sink/ra8', 0);
my @k = $u =~ /^text m(\d+) /mg;
"client:\n" . main::summary($c) . "\nupstream: " . scalar(@k) . " texts, "
. (join(',', @k) eq join(',', 1 .. 299, 301 .. 600) ? 'all but 300 in order'
                                                    : join(',', @k))
--- ws_expect
client:
texts: 0
101
upstream: 599 texts, all but 300 in order
--- error_log
message dropped



=== TEST 9: every message of a burst dropped (buffer mode): no staging buffer is kept while the connection idles
--- policy
ws_guard_inspect buffer;
ws_guard_deny_pattern client "^m";
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/ra9', wait => 1,
                send => [ main::burst(3000) ]);
my $u = upstream_received('/sink/ra9', 1);
"client:\n" . main::summary($c) . "\nupstream:\n" . main::summary($u)
--- ws_expect
client:
texts: 0
101
upstream:
texts: 0
closed
--- error_log
ws guard staging at the end: client 0, upstream 0



=== TEST 10: buffer mode in a burst: every message held whole and passed
--- policy
ws_guard_inspect buffer;
ws_guard_deny_pattern client "BAD$";
--- ws_client
main::summary(session(path => '/ws', wait => 2, send => [ main::burst(600) ]))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- no_error_log
ws_guard:
[error]



=== TEST 11: read-ahead smaller than nginx's buffer does nothing, and works
--- policy
ws_guard_read_ahead 1k;
--- ws_client
main::summary(session(path => '/ws', wait => 2, send => [ main::burst(600) ]))
--- ws_expect
texts: 600, 1 to 600 in order
101



=== TEST 12: an upstream burst goes to the client in writes of nginx's buffer and the staged bytes after it, and nginx counts every byte the upstream sent and every byte sent to the client
--- http_config
log_format ra_bytes "upstream_bytes_received=$upstream_bytes_received bytes_sent=$bytes_sent";
--- policy
access_log logs/access.log ra_bytes;
--- ws_client
main::summary(session(path => '/raw/send-many/600/60/0/ra12', wait => 2))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- error_log eval
qr/ws guard send through: \d+ \+ [1-9]\d*, sent [1-9]/
--- access_log
upstream_bytes_received=37329 bytes_sent=37388
--- no_error_log
ws_guard:
[error]



=== TEST 13: the same without read-ahead: nginx's own sends, the same counts
--- http_config
log_format ra_bytes "upstream_bytes_received=$upstream_bytes_received bytes_sent=$bytes_sent";
--- policy
ws_guard_read_ahead off;
access_log logs/access.log ra_bytes;
--- ws_client
main::summary(session(path => '/raw/send-many/600/60/0/ra13', wait => 2))
--- ws_expect
texts: 600, 1 to 600 in order
101
--- access_log
upstream_bytes_received=37329 bytes_sent=37388
--- no_error_log
ws guard send through
ws_guard:
[error]



=== TEST 14: the largest read-ahead, a client that reads only after a second, through a listener with the smallest send buffer: writes come up short in the staged bytes, and 2.5 MB of messages arrive whole and in order
--- config eval
"listen 127.0.0.1:$ENV{TEST_NGINX_SNDBUF_PORT} sndbuf=1k;\n"
. guarded_locations('ws_guard_read_ahead 1m;')
--- ws_client
main::summary(session(path => '/raw/send-many/40000/60/0/ra14', wait => 3,
                      read_delay => 1, port => $ENV{TEST_NGINX_SNDBUF_PORT}))
--- ws_expect
texts: 40000, 1 to 40000 in order
101
--- error_log eval
qr/ws guard send through: 4096 \+ \d+, sent [1-9]\d{4,}, short/
--- no_error_log
ws_guard:
[error]



=== TEST 15: a size over 1m stops nginx
--- config
    location /ws { ws_guard_read_ahead 2m; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "2m": a size from 1 to 1024k, or "off" in .*nginx\.conf:\d+/



=== TEST 16: zero stops nginx ("off" turns it off)
--- config
    location /ws { ws_guard_read_ahead 0; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "0": a size from 1 to 1024k, or "off"/



=== TEST 17: not a size stops nginx
--- config
    location /ws { ws_guard_read_ahead 16q; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "16q": a size from 1 to 1024k, or "off"/



=== TEST 18: twice in one location stops nginx
--- config
    location /ws { ws_guard_read_ahead 8k; ws_guard_read_ahead 16k; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_read_ahead" directive is duplicate/
