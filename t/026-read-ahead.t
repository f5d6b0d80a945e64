# ws_guard_read_ahead: once a read fills what nginx asked for, the guard
# reads the rest of a burst in bigger reads into a buffer of its own.
# Bursts of hundreds of frames in one write, both ways, through a real
# WebSocket server (python3-websockets) and the raw upstream: every message
# must arrive once and in order, and a violation in the middle of a burst
# must cut it at the violating frame, whatever the read-ahead size.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

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



=== TEST 12: a size over 1m stops nginx
--- config
    location /ws { ws_guard_read_ahead 2m; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "2m": a size from 1 to 1024k, or "off" in .*nginx\.conf:\d+/



=== TEST 13: zero stops nginx ("off" turns it off)
--- config
    location /ws { ws_guard_read_ahead 0; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "0": a size from 1 to 1024k, or "off"/



=== TEST 14: not a size stops nginx
--- config
    location /ws { ws_guard_read_ahead 16q; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "16q": a size from 1 to 1024k, or "off"/



=== TEST 15: twice in one location stops nginx
--- config
    location /ws { ws_guard_read_ahead 8k; ws_guard_read_ahead 16k; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_read_ahead" directive is duplicate/
