# Per-connection rates (ws_guard_rate) and what happens over them
# (ws_guard_limit_action close | drop | delay), with real clients, the
# real echo server and the recording raw upstream.

use lib 't/lib';
use WSGuard 'no_plan';
use WSRate;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $policy = $block->policy;
    $policy = '' unless defined $policy;
    if (!defined $block->http_config || $block->http_config eq '') {
        $block->set_value('http_config', <<'_EOC_');
    log_format wsg '$request_uri $ws_guard_result $ws_guard_violation '
                   '$ws_guard_close_code $ws_guard_messages_in';
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        $policy
        access_log logs/ws.log wsg;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /raw/ {
        ws_guard on;
        ws_guard_origin any;
        $policy
        access_log logs/ws.log wsg;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

sub WSGuard::texts { join '', map { masked_frame(payload => "m$_") } @_ }

sub WSGuard::access_log_line {
    my ($uri) = @_;
    my $f = "$Test::Nginx::Util::ServRoot/logs/ws.log";
    my $line = wait_for(sub {
        open my $fh, '<', $f or return;
        my ($l) = grep { /^\Q$uri\E / } <$fh>;
        return $l;
    });
    $line = '' unless defined $line;
    chomp $line;
    return $line;
}

run_tests();

__DATA__

=== TEST 1: a burst within the limit passes whole (independent client, echo)
--- policy
ws_guard_rate messages=1r/m burst=9;
--- ws_client
ws_client('/ws', map { ('--send', "m$_") } 1 .. 10)
--- ws_expect
open
recv m1
recv m2
recv m3
recv m4
recv m5
recv m6
recv m7
recv m8
recv m9
recv m10
closed 1000
--- no_error_log
ws_guard:



=== TEST 2: messages at the configured rate pass, however many
--- policy
ws_guard_rate messages=20r/s burst=0;
--- ws_client
my $c = ws_open('/ws');
my @got;
for my $i (1 .. 8) {
    ws_send($c, masked_frame(payload => "m$i"));
    push @got, ws_read($c, 0.07);
}
ws_close($c);
join "\n", $c->{status}, @got
--- ws_expect
101
text m1
text m2
text m3
text m4
text m5
text m6
text m7
text m8
--- no_error_log
ws_guard:



=== TEST 3: a flood closes with 1008, both ways; the upstream got what passed
--- policy
ws_guard_rate messages=1r/m burst=2;
--- ws_client
my $client = session(path => '/raw/sink/flood', send => [ texts(1 .. 6) ]);
"client:\n$client\nupstream:\n" . upstream_received('/sink/flood', 1)
--- ws_expect
client:
101
close 1008 rate limit exceeded
eof
upstream:
text m1 (masked)
text m2 (masked)
text m3 (masked)
close 1008 rate limit exceeded (masked)
closed
--- error_log
ws_guard: client message rate exceeded (connection), closing with 1008



=== TEST 4: a flood from the independent client against the echo server
--- policy
ws_guard_rate messages=5r/s burst=4;
--- ws_client
ws_client('/ws', '--recv', 0, '--flood', 200)
--- ws_expect_like
^open\nclose 1008 rate limit exceeded$
--- error_log
closing with 1008



=== TEST 5: $ws_guard_violation and the close code in the access log
--- policy
ws_guard_rate messages=1r/m;
--- ws_client
session(path => '/ws?log5', send => [ texts(1 .. 3) ]);
access_log_line('/ws?log5')
--- ws_expect
/ws?log5 ok rate 1008 1



=== TEST 6: drop discards the excess only, the connection stays (count at /sink)
--- policy
ws_guard_rate messages=1r/m burst=2;
ws_guard_limit_action drop;
--- ws_client
my $client = session(path => '/raw/sink/drop', send => [ texts(1 .. 6),
    masked_frame(opcode => 9, payload => 'still open') ]);
"client:\n$client\nupstream:\n" . upstream_received('/sink/drop', 1)
--- ws_expect
client:
101
upstream:
text m1 (masked)
text m2 (masked)
text m3 (masked)
ping still open (masked)
closed
--- error_log
ws_guard: client message rate exceeded (connection), message dropped
--- no_error_log
closing with



=== TEST 7: drop removes a fragmented message whole; control frames in it pass
--- policy
ws_guard_rate messages=1r/m;
ws_guard_limit_action drop;
--- ws_client
my $client = session(path => '/raw/sink/frag', send => [
    masked_frame(payload => 'first'),
    masked_frame(fin => 0, payload => 'Hel'),
    masked_frame(opcode => 9, payload => 'p'),
    masked_frame(opcode => 0, fin => 0, payload => 'lo '),
    masked_frame(opcode => 0, payload => 'world'),
    masked_frame(opcode => 9, payload => 'q') ]);
"client:\n$client\nupstream:\n" . upstream_received('/sink/frag', 1)
--- ws_expect
client:
101
upstream:
text first (masked)
ping p (masked)
ping q (masked)
closed



=== TEST 8: the dropped messages and the connection's counts, in the access log
--- policy
ws_guard_rate messages=1r/m burst=1;
ws_guard_limit_action drop;
--- ws_client
session(path => '/ws?log8', send => [ texts(1 .. 5) ]);
access_log_line('/ws?log8')
--- ws_expect
/ws?log8 ok rate - 5



=== TEST 9: delay passes everything, in order, no faster than the rate
--- policy
ws_guard_rate messages=10r/s burst=0;
ws_guard_limit_action delay;
--- ws_client
my $t0 = Time::HiRes::time();
my $out = ws_client('/ws', '--recv', 0, '--flood', 16, '--timeout', 10);
my $dt = Time::HiRes::time() - $t0;
# 16 messages at 10/s: the first at once, 15 more 100 ms apart
$out . ($dt >= 1.4 ? "slow enough\n" : "too fast: $dt s\n")
--- ws_expect
open
flood 16 ok
closed 1000
slow enough
--- error_log
delaying the message
--- no_error_log
closing with



=== TEST 10: delay holds the bytes in the socket: nothing lost, nothing reordered
--- policy
ws_guard_rate messages=20r/s burst=4;
ws_guard_limit_action delay;
--- ws_client
my $client = session(path => '/raw/sink/delay', wait => 2,
                     send => [ texts(1 .. 20) ]);
my $up = upstream_received('/sink/delay', 1);
my @m = $up =~ /^text (m\d+) \(masked\)$/mg;
"client:\n$client\nupstream: " . join(' ', @m)
--- ws_expect
client:
101
upstream: m1 m2 m3 m4 m5 m6 m7 m8 m9 m10 m11 m12 m13 m14 m15 m16 m17 m18 m19 m20



=== TEST 11: a byte rate: what fits passes, then 1008
--- policy
ws_guard_rate bytes=1k/s;
--- ws_client
my $client = session(path => '/raw/sink/bytes', send => [
    masked_frame(opcode => 2, payload => 'a' x 600),
    masked_frame(opcode => 2, payload => 'b' x 600) ]);
"client:\n$client\nupstream:\n" . upstream_received('/sink/bytes', 1)
--- ws_expect
client:
101
close 1008 rate limit exceeded
eof
upstream:
binary 600 bytes (masked)
close 1008 rate limit exceeded (masked)
closed
--- error_log
ws_guard: client byte rate exceeded (connection), closing with 1008



=== TEST 12: a message larger than the byte bucket passes when the bucket is empty
--- policy
ws_guard_rate bytes=1k/s;
ws_guard_limit_action drop;
--- ws_client
my $c = ws_open('/raw/sink/big');
ws_send($c, masked_frame(opcode => 2, payload => 'a' x 5000),
            masked_frame(opcode => 2, payload => 'b'));
ws_read($c, 0.5);
ws_close($c);
upstream_received('/sink/big', 1)
--- ws_expect
binary 5000 bytes (masked)
closed



=== TEST 13: direction=server limits what the upstream sends, client frames pass
--- policy
ws_guard_rate messages=1r/m burst=1 direction=server;
--- ws_client
my $hex = unpack('H*', join '', map { frame(payload => "s$_") } 1 .. 4);
my $client = session(path => "/raw/send/$hex/srv",
                     send => [ texts(1 .. 4) ]);
"client:\n$client\nupstream:\n" . upstream_received("/send/$hex/srv", 1)
--- ws_expect_like
^client:
101
text s1
text s2
close 1008 rate limit exceeded
eof
upstream:
(text m\d \(masked\)\n)*close 1008 rate limit exceeded \(masked\)
closed$
--- error_log
ws_guard: upstream message rate exceeded (connection), closing with 1008



=== TEST 14: direction=client (the default) leaves the upstream's frames alone
--- policy
ws_guard_rate messages=1r/m;
--- ws_client
my $hex = unpack('H*', join '', map { frame(payload => "s$_") } 1 .. 4);
session(path => "/raw/send/$hex/cli")
--- ws_expect
101
text s1
text s2
text s3
text s4
--- no_error_log
ws_guard:



=== TEST 15: two ws_guard_rate lines, one per direction
--- policy
ws_guard_rate messages=1r/m burst=5 direction=client;
ws_guard_rate messages=1r/m burst=1 direction=both;
--- ws_client
session(path => '/raw/sink/two', send => [ texts(1 .. 3) ])
--- ws_expect
101
close 1008 rate limit exceeded
eof



=== TEST 16: dry run: logged and counted, nothing enforced
--- policy
ws_guard_rate messages=1r/m;
ws_guard_dry_run on;
--- ws_client
my $out = session(path => '/ws?dry', send => [ texts(1 .. 4) ]);
$out . "\n" . access_log_line('/ws?dry')
--- ws_expect
101
text m1
text m2
text m3
text m4
/ws?dry ok rate - 4
--- error_log
ws_guard: dry run: client message rate exceeded (connection), close 1008 would be sent



=== TEST 17: rate log lines are throttled to one a second per connection
--- policy
ws_guard_rate messages=1r/m;
ws_guard_limit_action drop;
--- ws_client
session(path => '/raw/sink/throttle', send => [ texts(1 .. 50) ]);
open my $fh, '<', "$Test::Nginx::Util::ServRoot/logs/error.log" or die;
my $n = grep { /message rate exceeded.*throttle/ } <$fh>;
$n <= 2 ? "few lines" : "$n lines"
--- ws_expect
few lines



=== TEST 18: ws_guard_log_level applies to rate lines
--- policy
ws_guard_rate messages=1r/m;
ws_guard_log_level warn;
--- ws_client
session(path => '/raw/sink/level', send => [ texts(1 .. 2) ]);
--- ws_expect
101
close 1008 rate limit exceeded
eof
--- error_log eval
qr/\[warn\] .*ws_guard: client message rate exceeded/



=== TEST 19: rate given per minute
--- policy
ws_guard_rate messages=600r/m burst=1;
--- ws_client
my $c = ws_open('/ws');
ws_send($c, texts(1 .. 2));
my $a = ws_read($c, 0.3);
ws_send($c, texts(3));
my $b = ws_read($c, 0.3);
ws_send($c, texts(4 .. 5));
my $d = ws_read($c, 1, qr/m5/);
ws_send($c, texts(6));
my $e = ws_read($c, 1);
join "\n", $a, '--', $b, '--', $d, '--', $e
--- ws_expect
text m1
text m2
--
text m3
--
text m4
text m5
--
close 1008 rate limit exceeded
eof



=== TEST 20: inheritance: a location's own ws_guard_rate replaces the server's
--- config
    ws_guard_rate messages=1r/m;
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_rate messages=1r/m burst=3;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /inherit {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
session(path => '/ws', send => [ texts(1 .. 4) ]) . "\n--\n"
. session(path => '/inherit', send => [ texts(1 .. 2) ])
--- ws_expect_like
^101
text m1
text m2
text m3
text m4
--
101
(text m1\n)?close 1008 rate limit exceeded
eof$



=== TEST 21: without burst=, the bucket holds one second of the rate
--- policy
ws_guard_rate messages=5r/s;
--- ws_client
my $a = session(path => '/raw/sink/b5', send => [ texts(1 .. 5) ]);
my $b = session(path => '/raw/sink/b6', send => [ texts(1 .. 6) ]);
"$a\n--\n$b"
--- ws_expect
101
--
101
close 1008 rate limit exceeded
eof



=== TEST 22: burst=0: one message, then one per 1/rate
--- policy
ws_guard_rate messages=5r/s burst=0;
--- ws_client
session(path => '/raw/sink/b0', send => [ texts(1 .. 2) ])
. "\n" . upstream_received('/sink/b0', 1)
--- ws_expect
101
close 1008 rate limit exceeded
eof
text m1 (masked)
close 1008 rate limit exceeded (masked)
closed
