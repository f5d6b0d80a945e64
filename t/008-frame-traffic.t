# Valid traffic through the guard, with a real WebSocket server (python3-
# websockets) and real clients: every message must arrive intact.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

use_policy_blocks();

run_tests();

__DATA__

=== TEST 1: fragments with control frames between them, raw client to the echo server
--- ws_client
session(path => '/ws', send => [
    masked_frame(fin => 0, payload => 'Hel'),
    masked_frame(opcode => 9, payload => 'ping1'),
    masked_frame(opcode => 0, fin => 0, payload => 'lo '),
    masked_frame(opcode => 10, payload => 'unsolicited'),
    masked_frame(opcode => 0, payload => 'world') ])
--- ws_expect
101
pong ping1
text Hello world
--- no_error_log
ws_guard:
[error]



=== TEST 2: a code point split across fragments, echoed whole
--- ws_client
session(path => '/ws', send => [
    masked_frame(fin => 0, payload => "caf\xc3"),
    masked_frame(opcode => 0, fin => 0, payload => "\xa9 \xe2"),
    masked_frame(opcode => 0, payload => "\x82\xac") ])
--- ws_expect
101
text café €



=== TEST 3: a frame sent one byte per write
--- ws_client
my $f = masked_frame(payload => 'one byte at a time');
session(path => '/ws', delay => 0.01, send => [ split //, $f ])
--- ws_expect
101
text one byte at a time



=== TEST 4: frames pipelined with the handshake (in the same write)
--- ws_client
session(path => '/ws', send => [ masked_frame(payload => 'first'),
                                 masked_frame(opcode => 2, payload => "\x01\x02") ])
--- ws_expect
101
text first
binary 0102



=== TEST 5: frames pipelined with the 101 (in the same write from the upstream)
--- ws_client
session(path => '/raw/send/' . unpack('H*', frame(payload => 'with the 101')
                                            . frame(opcode => 2, payload => "\xff")) . '/p')
--- ws_expect
101
text with the 101
binary ff



=== TEST 6: a 101 and a large first frame in one write (more than the proxy buffer)
--- ws_client
session(path => '/raw/send-big/6000/x')
--- ws_expect
101
text 6000 bytes



=== TEST 7: the same with a frame of 100000 bytes
--- ws_client
session(path => '/raw/send-big/100000/y')
--- ws_expect
101
text 100000 bytes



=== TEST 8: upstream frames one byte per write
--- ws_client
session(path => '/raw/slow-send/' . unpack('H*', frame(payload => 'slowly')
                                            . frame(opcode => 9, payload => 'x')) . '/s', wait => 2)
--- ws_expect
101
text slowly
ping x



=== TEST 9: a 10 MiB message arrives intact (independent client, hash compared)
--- policy
ws_guard_max_message_size 16m;
--- ws_client
my $out = ws_client('/ws', '--send-size', 10 * 1024 * 1024, '--timeout', 30);
my ($sent) = $out =~ /^sent \d+ (\w+)$/m;
my ($got) = $out =~ /^recv-bytes (\d+ \w+)$/m;
defined $sent && defined $got && $got eq (10 * 1024 * 1024) . " $sent"
    ? "intact" : "damaged:\n$out"
--- ws_expect
intact
--- timeout: 60



=== TEST 10: thousands of small messages both ways at once
--- ws_client
ws_client('/ws', '--flood', 5000, '--timeout', 30)
--- ws_expect
open
flood 5000 ok
closed 1000
--- timeout: 60



=== TEST 11: a fragmented message from the independent client
--- ws_client
ws_client('/ws', '--send-fragments', 'frag|mented|message')
--- ws_expect
open
recv fragmentedmessage
closed 1000



=== TEST 12: TLS on the client side
--- config
    listen $TEST_NGINX_SSL_PORT ssl;
    ssl_certificate $TEST_NGINX_CERT;
    ssl_certificate_key $TEST_NGINX_CERT_KEY;

    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_max_message_size 4m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $out = ws_client("wss://127.0.0.1:$ENV{TEST_NGINX_SSL_PORT}/ws", '--insecure',
                    '--send', 'secure', '--send-size', 3000000, '--flood', 500);
$out =~ s/^(sent|recv-bytes) \d+ (\w+)$/$1 $2/mg;
my ($a, $b) = $out =~ /^sent (\w+)\n.*^recv-bytes (\w+)/ms;
$out =~ s/^(sent|recv-bytes) \w+\n//mg;
$out . ($a && $a eq $b ? "intact" : "damaged")
--- ws_expect
open
recv secure
flood 500 ok
closed 1000
intact



=== TEST 13: TLS on the upstream side
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_max_message_size 4m;
        proxy_pass https://127.0.0.1:$TEST_NGINX_ECHO_TLS_PORT;
        proxy_ssl_verify off;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $out = ws_client('/ws', '--send', 'to a TLS upstream', '--send-size', 3000000);
my ($a) = $out =~ /^sent \d+ (\w+)$/m;
my ($b) = $out =~ /^recv-bytes \d+ (\w+)$/m;
$out =~ s/^(sent|recv-bytes) .*\n//mg;
$out . ($a && $b && $a eq $b ? "intact" : "damaged")
--- ws_expect
open
recv to a TLS upstream
closed 1000
intact



=== TEST 14: TLS on both sides, raw fragments and one byte per write
--- config
    listen $TEST_NGINX_SSL_PORT ssl;
    ssl_certificate $TEST_NGINX_CERT;
    ssl_certificate_key $TEST_NGINX_CERT_KEY;

    location /ws {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass https://127.0.0.1:$TEST_NGINX_ECHO_TLS_PORT;
        proxy_ssl_verify off;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client("wss://127.0.0.1:$ENV{TEST_NGINX_SSL_PORT}/ws", '--insecure',
          '--send-fragments', 'a|b|c', '--flood', 1000)
--- ws_expect
open
recv abc
flood 1000 ok
closed 1000



=== TEST 15: per-connection counts in the access log
--- http_config
    log_format wsc "$ws_guard_messages_in $ws_guard_messages_out $ws_guard_bytes_in $ws_guard_bytes_out [$ws_guard_close_code]";
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        access_log logs/wsc.log wsc;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--send', 'abc', '--send', 'defgh');
select(undef, undef, undef, 0.3);
open my $fh, '<', "$Test::Nginx::Util::ServRoot/logs/wsc.log" or die "wsc.log: $!";
local $/; my $l = <$fh>; $l
--- ws_expect
2 2 28 16 [-]



=== TEST 16: a close starting while the upstream's next frame header is half read still reaches the client
(the upstream sends a frame one byte per write, then the first byte of the next one; the client then violates)
--- ws_client
my $c = session(path => '/raw/slow-send/' . unpack('H*', frame(payload => 'ab')) . '81',
                delay => 0.5, send => [ frame(payload => 'unmasked') ]);
$c
--- ws_expect
101
text ab
close 1002 unmasked client frame
eof
