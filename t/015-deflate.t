# ws_guard_deflate inspect: permessage-deflate is negotiated and every
# compressed message is inflated for inspection, its inflated size bounded.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $policy = $block->policy;
    $policy = '' unless defined $policy;
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_deflate inspect;
        $policy
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_DEFLATE_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /raw/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_deflate inspect;
        $policy
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /strip {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_DEFLATE_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

sub pmd_session {
    my ($name, @frames) = @_;
    my $c = session(path => "/raw/sink/pmd/$name",
                    headers => { 'Sec-WebSocket-Extensions' =>
                                 'permessage-deflate; client_no_context_takeover' },
                    send => [ @frames ]);
    return "client:\n$c\nupstream:\n" . upstream_received("/sink/pmd/$name", 1);
}

run_tests();

__DATA__

=== TEST 1: inspect: compression is negotiated end to end and messages arrive intact
--- ws_client
my $out = ws_client('/ws', '--deflate', '--send', 'compressed ' x 50, '--send', 'héllo',
                    '--send-size', 200000);
my ($a) = $out =~ /^sent \d+ (\w+)$/m;
my ($b) = $out =~ /^recv-bytes \d+ (\w+)$/m;
$out =~ s/^(sent|recv-bytes) .*\n//mg;
$out =~ s/(recv (compressed )+)/recv compressed x50\n/;
$out =~ s/\n\n/\n/;
$out . ($a && $b && $a eq $b ? "intact" : "damaged")
--- policy
--- ws_expect
open
extensions permessage-deflate
recv compressed x50
recv héllo
closed 1000
intact
--- no_error_log
ws_guard:



=== TEST 2: strip (the default): the same client gets no compression
--- ws_client
ws_client('/strip', '--deflate', '--send', 'plain')
--- ws_expect
open
extensions none
recv plain
closed 1000






=== TEST 4: invalid UTF-8 inside a compressed message (counted)
--- ws_client
my $r = main::pmd_session('utf8b', masked_frame(rsv => 4, payload => deflate_raw('fine')),
                  masked_frame(rsv => 4, payload => deflate_raw("bad \xff")));
my @l = split /\n/, $r;
join "\n", @l[1, 2, 3], scalar(grep { /\(masked\)/ } @l), $l[-1]
--- ws_expect
101
close 1007 invalid utf-8
eof
2
closed



=== TEST 5: a compression bomb stops at the message size limit with 1009
--- policy
ws_guard_max_message_size 64k;
--- ws_client
my $r = main::pmd_session('bomb', masked_frame(opcode => 2, rsv => 4,
                                                payload => deflate_raw("\0" x (4 * 1024 * 1024))));
(split /\n/, $r)[2]
--- ws_expect
close 1009 message too big
--- error_log
ws_guard: client frame violation: message too big, closing with 1009



=== TEST 6: corrupt compressed data closes with 1007
--- ws_client
my $r = main::pmd_session('corrupt', masked_frame(rsv => 4, payload => "\xff\xff\xff\xff"));
(split /\n/, $r)[2]
--- ws_expect
close 1007 invalid compressed data



=== TEST 7: RSV1 on a continuation frame is a protocol error
--- ws_client
my $r = main::pmd_session('rsvcont', masked_frame(fin => 0, payload => 'a'),
                          masked_frame(opcode => 0, rsv => 4, payload => 'b'));
(split /\n/, $r)[2]
--- ws_expect
close 1002 rsv bits set



=== TEST 8: a compressed message from the upstream is inflated and checked
--- ws_client
my $f = frame(rsv => 4, payload => deflate_raw('ok')) . frame(rsv => 4, payload => deflate_raw("\xc3\x28"));
session(path => '/raw/send/' . unpack('H*', $f) . '/pmd/up',
        headers => { 'Sec-WebSocket-Extensions' => 'permessage-deflate' })
--- ws_expect_like
^101\ntext .*\nclose 1007 invalid utf-8\neof$



=== TEST 9: parameters the client did not offer get the client a 502
--- config
    location /raw/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_deflate inspect;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
handshake(path => '/raw/ext/permessage-deflate;%20client_max_window_bits=10',
          headers => { 'Sec-WebSocket-Extensions' => 'permessage-deflate' })
--- error_code: 502
--- error_log
ws_guard: upstream 101 refused: permessage-deflate parameters the client did not allow



=== TEST 10: a malformed permessage-deflate response gets the client a 502
--- config
    location /raw/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_deflate inspect;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
handshake(path => '/raw/ext/permessage-deflate;%20foo=1',
          headers => { 'Sec-WebSocket-Extensions' => 'permessage-deflate' })
--- error_code: 502
--- error_log
ws_guard: upstream 101 refused: bad permessage-deflate response: unknown permessage-deflate parameter
