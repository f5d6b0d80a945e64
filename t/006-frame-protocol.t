# RFC 6455 protocol checks on the upgraded connection, in both directions
# (directives.md section 4, close 1002, 1007).  The offending peer is a raw
# client or the raw upstream, neither of which validates anything, so only
# the guard can produce these close frames.  Each test checks the close
# frame the other side receives and that the offending side gets one too.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value('config', <<'_EOC_');
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

# A client sends "ok" then the bad frame; the upstream records.

sub client_violation {
    my ($name, @bad) = @_;
    my $c = session(path => "/ws/sink/$name",
                    send => [ masked_frame(payload => 'ok'), @bad ]);
    return "client:\n$c\nupstream:\n" . upstream_received("/sink/$name", 1);
}

# The upstream sends HEX right after the 101; the client just listens.

sub upstream_violation {
    my ($name, $bytes) = @_;
    my $path = '/send/' . unpack('H*', $bytes) . "/$name";
    my $c = session(path => "/ws$path");
    return "client:\n$c\nupstream:\n" . upstream_received($path, 1);
}

run_tests();

__DATA__

=== TEST 1: control: valid frames pass both ways untouched
--- ws_client
my $c = session(path => '/ws/sink/valid',
                send => [ masked_frame(payload => 'hello'),
                          masked_frame(opcode => 2, payload => "\x00\xff"),
                          masked_frame(opcode => 9, payload => 'p') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/valid', 1)
--- ws_expect
client:
101
upstream:
text hello (masked)
binary 00ff (masked)
ping p (masked)
closed
--- no_error_log
ws_guard:



=== TEST 2: unmasked client frame
--- ws_client
main::client_violation('unmasked', frame(payload => 'bad'))
--- ws_expect
client:
101
close 1002 unmasked client frame
eof
upstream:
text ok (masked)
close 1002 unmasked client frame (masked)
closed
--- error_log
ws_guard: client frame violation: unmasked client frame, closing with 1002



=== TEST 3: RSV1 without a negotiated extension
--- ws_client
main::client_violation('rsv1', masked_frame(payload => 'x', rsv => 4))
--- ws_expect
client:
101
close 1002 rsv bits set
eof
upstream:
text ok (masked)
close 1002 rsv bits set (masked)
closed



=== TEST 4: RSV3
--- ws_client
main::client_violation('rsv3', masked_frame(payload => 'x', rsv => 1))
--- ws_expect_like
close 1002 rsv bits set\neof\nupstream:\ntext ok \(masked\)\nclose 1002 rsv bits set \(masked\)\nclosed



=== TEST 5: reserved data opcode 3
--- ws_client
main::client_violation('op3', masked_frame(opcode => 3, payload => 'x'))
--- ws_expect
client:
101
close 1002 reserved opcode
eof
upstream:
text ok (masked)
close 1002 reserved opcode (masked)
closed



=== TEST 6: reserved control opcode 0xB
--- ws_client
main::client_violation('opb', masked_frame(opcode => 0xb))
--- ws_expect_like
^client:\n101\nclose 1002 reserved opcode\neof\nupstream:\ntext ok \(masked\)\nclose 1002 reserved opcode \(masked\)\nclosed$



=== TEST 7: fragmented control frame
--- ws_client
main::client_violation('fragping', masked_frame(opcode => 9, fin => 0, payload => 'p'))
--- ws_expect_like
^client:\n101\nclose 1002 fragmented control frame\neof\nupstream:\ntext ok \(masked\)\nclose 1002 fragmented control frame \(masked\)\nclosed$



=== TEST 8: control frame longer than 125 bytes
--- ws_client
main::client_violation('longping', masked_frame(opcode => 9, payload => 'x' x 126))
--- ws_expect_like
^client:\n101\nclose 1002 control frame too long\neof\nupstream:\ntext ok \(masked\)\nclose 1002 control frame too long \(masked\)\nclosed$



=== TEST 9: continuation frame outside a fragmented message
--- ws_client
main::client_violation('cont', masked_frame(opcode => 0, payload => 'x'))
--- ws_expect_like
^client:\n101\nclose 1002 continuation without message\neof\nupstream:\ntext ok \(masked\)\nclose 1002 continuation without message \(masked\)\nclosed$



=== TEST 10: a new data frame inside a fragmented message
--- ws_client
main::client_violation('newdata', masked_frame(fin => 0, payload => 'part'),
                       masked_frame(payload => 'new'))
--- ws_expect_like
^client:\n101\nclose 1002 data frame inside fragmented message\neof\nupstream:\ntext ok \(masked\)\ntext part \(masked\) \(not final\)\nclose 1002 data frame inside fragmented message \(masked\)\nclosed$



=== TEST 11: close frame with a 1-byte payload
--- ws_client
main::client_violation('close1', masked_frame(opcode => 8, payload => "\x03"))
--- ws_expect_like
^client:\n101\nclose 1002 close frame payload of 1 byte\neof\nupstream:\ntext ok \(masked\)\nclose 1002 close frame payload of 1 byte \(masked\)\nclosed$



=== TEST 12: close frame with an invalid code (1005)
--- ws_client
main::client_violation('close1005', masked_frame(opcode => 8, payload => pack('n', 1005)))
--- ws_expect_like
^client:\n101\nclose 1002 invalid close code\neof\nupstream:\ntext ok \(masked\)\nclose 1002 invalid close code \(masked\)\nclosed$



=== TEST 13: close frame with an invalid code (999, 1016, 2999, 5000)
--- ws_client
join "\n", map { my $c = session(path => "/ws/sink/closecode$_",
                      send => [ masked_frame(opcode => 8, payload => pack('n', $_)) ]);
                 (split /\n/, $c)[1] } (999, 1016, 2999, 5000)
--- ws_expect
close 1002 invalid close code
close 1002 invalid close code
close 1002 invalid close code
close 1002 invalid close code



=== TEST 14: close reason that is not UTF-8
--- ws_client
main::client_violation('closeutf8', masked_frame(opcode => 8, payload => pack('n', 1000) . "\xc3\x28"))
--- ws_expect_like
^client:\n101\nclose 1007 invalid utf-8 in close reason\neof\nupstream:\ntext ok \(masked\)\nclose 1007 invalid utf-8 in close reason \(masked\)\nclosed$



=== TEST 15: 64-bit length with the top bit set
--- ws_client
main::client_violation('len64', masked_frame(payload => 'x', len => 0x8000000000000001, len_bytes => 8))
--- ws_expect_like
^client:\n101\nclose 1002 64-bit length top bit set\neof\nupstream:\ntext ok \(masked\)\nclose 1002 64-bit length top bit set \(masked\)\nclosed$



=== TEST 16: length not minimally encoded (16-bit for 5 bytes)
--- ws_client
main::client_violation('len16', masked_frame(payload => 'hello', len_bytes => 2))
--- ws_expect_like
^client:\n101\nclose 1002 length not minimally encoded\neof\nupstream:\ntext ok \(masked\)\nclose 1002 length not minimally encoded \(masked\)\nclosed$



=== TEST 17: length not minimally encoded (64-bit for 200 bytes)
--- ws_client
main::client_violation('len64min', masked_frame(payload => 'x' x 200, len_bytes => 8))
--- ws_expect_like
^client:\n101\nclose 1002 length not minimally encoded\neof



=== TEST 18: upstream: masked server frame
--- ws_client
main::upstream_violation('masked', masked_frame(payload => 'bad'))
--- ws_expect
client:
101
close 1002 masked server frame
eof
upstream:
close 1002 masked server frame (masked)
closed
--- error_log
ws_guard: upstream frame violation: masked server frame, closing with 1002



=== TEST 19: upstream: a good frame passes, then a reserved opcode closes
--- ws_client
main::upstream_violation('op4', frame(payload => 'fine') . frame(opcode => 4, payload => 'x'))
--- ws_expect
client:
101
text fine
close 1002 reserved opcode
eof
upstream:
close 1002 reserved opcode (masked)
closed



=== TEST 20: upstream: RSV bits
--- ws_client
main::upstream_violation('rsv', frame(payload => 'x', rsv => 2))
--- ws_expect_like
^client:\n101\nclose 1002 rsv bits set\neof\nupstream:\nclose 1002 rsv bits set \(masked\)\nclosed$



=== TEST 21: upstream: fragmented control frame and continuation without message
--- ws_client
main::upstream_violation('ctl', frame(opcode => 10, fin => 0))
. "\n" . main::upstream_violation('cont', frame(opcode => 0, payload => 'x'))
--- ws_expect_like
close 1002 fragmented control frame\neof.*close 1002 continuation without message\neof



=== TEST 22: upstream: non-minimal length and invalid close code
--- ws_client
main::upstream_violation('len', frame(payload => 'abc', len_bytes => 2))
. "\n" . main::upstream_violation('code', frame(opcode => 8, payload => pack('n', 1006)))
--- ws_expect_like
close 1002 length not minimally encoded\neof.*close 1002 invalid close code\neof



=== TEST 23: a violation split across reads is found all the same
--- ws_client
my $bad = frame(payload => 'unmasked');
my $c = session(path => '/ws/sink/split', delay => 0.1,
                send => [ masked_frame(payload => 'ok'), substr($bad, 0, 1), substr($bad, 1) ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/split', 1)
--- ws_expect
client:
101
close 1002 unmasked client frame
eof
upstream:
text ok (masked)
close 1002 unmasked client frame (masked)
closed



=== TEST 24: $ws_guard_close_code, _reason and _violation in the access log
--- http_config
    log_format wsg "$ws_guard_close_code|$ws_guard_close_reason|$ws_guard_violation|$ws_guard_messages_in|$ws_guard_messages_out";
--- config
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        access_log logs/ws.log wsg;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
session(path => '/ws/sink/vars', send => [ masked_frame(payload => 'a'),
        masked_frame(payload => 'b'), frame(payload => 'c') ]);
upstream_received('/sink/vars', 1);
select(undef, undef, undef, 0.3);
open my $fh, "<", "$Test::Nginx::Util::ServRoot/logs/ws.log" or die "ws.log: $!";
local $/; my $l = <$fh>; $l
--- ws_expect
1002|unmasked client frame|protocol|2|0



=== TEST 25: dry run: the violation is logged and everything passes
--- config
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_dry_run on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $c = session(path => '/ws/sink/dry', send => [ masked_frame(payload => 'a'),
        frame(payload => 'unmasked'), masked_frame(payload => 'after') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/dry', 1)
--- ws_expect
client:
101
upstream:
text a (masked)
text unmasked
text after (masked)
closed
--- error_log
ws_guard: dry run: client frame violation: unmasked client frame, close 1002 would be sent
