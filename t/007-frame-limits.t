# UTF-8 (1007), sizes (1009), message types (1003), lifetime and idle
# timeouts (1001), shutdown (1001): each from a peer that checks nothing.

use lib 't/lib';
use WSGuard 'no_plan';
use WSRate;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $policy = $block->policy;
    $policy = '' unless defined $policy;
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        $policy
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

sub client_sends {
    my ($name, @frames) = @_;
    my $c = session(path => "/ws/sink/$name", send => [ @frames ]);
    return "client:\n$c\nupstream:\n" . upstream_received("/sink/$name", 1);
}

sub upstream_sends {
    my ($name, $bytes) = @_;
    my $path = '/send/' . unpack('H*', $bytes) . "/$name";
    my $c = session(path => "/ws$path");
    return "client:\n$c\nupstream:\n" . upstream_received($path, 1);
}

run_tests();

__DATA__

=== TEST 1: invalid UTF-8 in a client text message
--- ws_client
main::client_sends('utf8', masked_frame(payload => "caf\xc3\xa9"),
                   masked_frame(payload => "bad \xff byte"))
--- ws_expect
client:
101
close 1007 invalid utf-8
eof
upstream:
text café (masked)
close 1007 invalid utf-8 (masked)
closed
--- error_log
ws_guard: client frame violation: invalid utf-8, closing with 1007



=== TEST 2: overlong encoding, surrogate, above U+10FFFF
--- ws_client
join "\n", map { (split /\n/, main::client_sends("bad$_->[0]", masked_frame(payload => $_->[1])))[2] }
    ([1, "\xc0\xaf"], [2, "\xed\xa0\x80"], [3, "\xf4\x90\x80\x80"], [4, "\xe0\x80\xaf"])
--- ws_expect
close 1007 invalid utf-8
close 1007 invalid utf-8
close 1007 invalid utf-8
close 1007 invalid utf-8



=== TEST 3: a code point split across fragments, checked frame by frame
--- ws_client
my $r = main::client_sends('split2', masked_frame(fin => 0, payload => "caf\xc3"),
                   masked_frame(opcode => 0, fin => 0, payload => "\xa9 \xe2\x82"),
                   masked_frame(opcode => 9, payload => 'between'),
                   masked_frame(opcode => 0, payload => "\xac"));
my @l = split /\n/, $r;
join "\n", $l[1], scalar(grep { /\(masked\)/ } @l), $l[-1]
--- ws_expect
101
4
closed
--- no_error_log
ws_guard:



=== TEST 4: a text message ending inside a code point
--- ws_client
main::client_sends('trunc', masked_frame(fin => 0, payload => "ok"),
                   masked_frame(opcode => 0, payload => "\xe2\x82"))
--- ws_expect_like
^client:\n101\nclose 1007 invalid utf-8\neof\nupstream:\ntext ok \(masked\) \(not final\)\nclose 1007 invalid utf-8 \(masked\)\nclosed$



=== TEST 5: invalid UTF-8 from the upstream reaches the client as 1007
--- ws_client
main::upstream_sends('utf8', frame(payload => "good") . frame(payload => "\xfe"))
--- ws_expect
client:
101
text good
close 1007 invalid utf-8
eof
upstream:
close 1007 invalid utf-8 (masked)
closed



=== TEST 6: ws_guard_utf8 off lets invalid UTF-8 through (counted)
--- policy
ws_guard_utf8 off;
--- ws_client
my @l = split /\n/, main::client_sends('utf8off2', masked_frame(payload => "\xff\xfe"));
join "\n", $l[1], scalar(grep { /^text .*\(masked\)/ } @l), $l[-1]
--- ws_expect
101
1
closed
--- no_error_log
ws_guard:



=== TEST 7: max frame size: at the limit passes, one byte over is 1009
--- policy
ws_guard_max_frame_size 100;
--- ws_client
main::client_sends('frame100', masked_frame(opcode => 2, payload => 'a' x 100),
                   masked_frame(opcode => 2, payload => 'b' x 101))
--- ws_expect
client:
101
close 1009 frame too big
eof
upstream:
binary 100 bytes (masked)
close 1009 frame too big (masked)
closed



=== TEST 8: max message size adds fragments up
--- policy
ws_guard_max_message_size 10;
--- ws_client
main::client_sends('msg10', masked_frame(fin => 0, payload => '12345'),
                   masked_frame(opcode => 0, fin => 0, payload => '67890'),
                   masked_frame(opcode => 0, payload => 'x'))
--- ws_expect
client:
101
close 1009 message too big
eof
upstream:
text 12345 (masked) (not final)
cont 3637383930 (masked) (not final)
close 1009 message too big (masked)
closed



=== TEST 9: the default message limit is 1m
--- ws_client
my @l = split /\n/, main::client_sends('msg1m', masked_frame(opcode => 2, payload => 'a' x (1024 * 1024)),
                   masked_frame(opcode => 2, payload => 'b' x (1024 * 1024 + 1)));
join "\n", @l[1, 2]
--- ws_expect
101
close 1009 message too big



=== TEST 10: message types: binary refused with 1003
--- policy
ws_guard_message_types text;
--- ws_client
main::client_sends('types', masked_frame(payload => 'text is fine'),
                   masked_frame(opcode => 2, payload => "\x01"))
--- ws_expect
client:
101
close 1003 binary messages not allowed
eof
upstream:
text text is fine (masked)
close 1003 binary messages not allowed (masked)
closed



=== TEST 11: message types: text refused from the upstream
--- policy
ws_guard_message_types binary;
--- ws_client
main::upstream_sends('types', frame(opcode => 2, payload => "\x01") . frame(payload => 'no'))
--- ws_expect
client:
101
binary 01
close 1003 text messages not allowed
eof
upstream:
close 1003 text messages not allowed (masked)
closed



=== TEST 12: max lifetime closes with 1001 both ways
--- policy
ws_guard_max_lifetime 1s;
--- ws_client
my $c = session(path => '/ws/sink/life', wait => 3,
                send => [ masked_frame(payload => 'hi') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/life', 1)
--- ws_expect
client:
101
close 1001 connection lifetime exceeded
eof
upstream:
text hi (masked)
close 1001 connection lifetime exceeded (masked)
closed
--- error_log
ws_guard: connection lifetime exceeded, closing with 1001



=== TEST 13: idle timeout: traffic keeps the connection, silence closes it
--- policy
ws_guard_idle_timeout 1s;
--- ws_client
my $c = session(path => '/ws/sink/idle', delay => 0.6, wait => 2.5,
                send => [ masked_frame(payload => 'a'), masked_frame(payload => 'b'),
                          masked_frame(payload => 'c') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/idle', 1)
--- ws_expect
client:
101
close 1001 idle timeout
eof
upstream:
text a (masked)
text b (masked)
text c (masked)
close 1001 idle timeout (masked)
closed



=== TEST 14: a close frame from the client passes and the close completes
--- ws_client
my $c = session(path => '/ws/sink/clientclose',
                send => [ masked_frame(opcode => 8, payload => pack('n', 1000) . 'bye') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/clientclose', 1)
--- ws_expect
client:
101
upstream:
close 1000 bye (masked)
closed
--- no_error_log
ws_guard:



=== TEST 15: a close frame from the upstream reaches the client
--- ws_client
main::upstream_sends('close', frame(opcode => 8, payload => pack('n', 1001) . 'going'))
--- ws_expect
client:
101
close 1001 going
upstream:
closed
--- no_error_log
ws_guard:



=== TEST 16: a violation mid-frame after part of it went on: the upstream is cut off
--- ws_client
my $f = masked_frame(payload => ('a' x 100) . "\xff");
my $c = session(path => '/ws/sink/midframe', delay => 0.2,
                send => [ substr($f, 0, 60), substr($f, 60) ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/midframe', 1)
--- ws_expect
client:
101
close 1007 invalid utf-8
eof
upstream:
partial 60 bytes
closed



=== TEST 17: a close the client cannot be given (a frame from the upstream never ends) ends both connections after the wait
The upstream sends the header of a 100-byte text frame and 10 bytes of it,
then nothing; the client then sends invalid UTF-8.  Its close frame must
wait for the frame boundary, which never comes: after 5 s the guard's
deadline ends both connections.
--- ws_client
my $t0 = time;
my $c = session(path => '/ws/send/816461616161616161616161/sink/unended',
                delay => 0.3, wait => 9,
                send => [ masked_frame(payload => "\xff") ]);
my $took = time - $t0;
"client:\n$c\n" . ($took >= 4 && $took <= 8 ? "after the wait\n"
                                              : "after $took s\n")
--- ws_expect
client:
101
partial 12 bytes
eof
after the wait
--- error_log
ws_guard: client frame violation: invalid utf-8, closing with 1007
ws_guard: close not completed in time, closing connections
--- timeout: 15



=== TEST 18: the deadlines of several connections, set out of order, each come in time; one that ends first leaves no deadline behind
--- config
    location /long/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_idle_timeout 3s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /mid/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_max_lifetime 2s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /short/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_idle_timeout 1s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $t0 = time;
my $l = ws_open('/long/sink/l');
my $m = ws_open('/mid/sink/m');
my $x = ws_open('/short/sink/x');
my $s = ws_open('/short/sink/s');
ws_close($x);
my ($out, $last) = ('', 0);
for my $p (['short', $s, 1], ['mid', $m, 2], ['long', $l, 3]) {
    my $d = ws_read($p->[1], 6);
    my $t = time - $t0;
    $out .= "$p->[0]: $d\n"
            . ($t >= $p->[2] - 0.2 && $t < $p->[2] + 0.9 && $t > $last
               ? "in time\n" : sprintf("at %.2f s\n", $t));
    $last = $t;
}
$out
--- ws_expect
short: close 1001 idle timeout
eof
in time
mid: close 1001 connection lifetime exceeded
eof
in time
long: close 1001 idle timeout
eof
in time
--- error_log
ws_guard: idle timeout, closing with 1001
ws_guard: connection lifetime exceeded, closing with 1001
--- timeout: 12
