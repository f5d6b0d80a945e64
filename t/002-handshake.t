# The upgrade request checks (directives.md, sections 1 and 2).  The
# upstream is the permissive raw upstream, which answers 101 to anything, so
# every refusal here can only come from the guard.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value('config', <<'_EOC_');
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /open {
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: a valid handshake is proxied and answered with 101
--- ws_client
ws_raw(handshake(path => '/ws'), 0.5) =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 101
--- no_error_log
ws_guard:



=== TEST 2: control: without the guard, the raw upstream upgrades h2c
--- ws_client
ws_raw(handshake(path => '/open', headers => { Upgrade => 'h2c' }), 0.5)
    =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 101



=== TEST 3: Upgrade h2c is refused with 400
--- raw_request eval
handshake(path => '/ws', headers => { Upgrade => 'h2c' })
--- error_code: 400
--- response_headers
X-Result: handshake
--- error_log
ws_guard: upgrade to "h2c" refused, status 400



=== TEST 4: Upgrade with websocket and another token is refused
--- raw_request eval
handshake(path => '/ws', headers => { Upgrade => 'websocket, h2c' })
--- error_code: 400
--- error_log
ws_guard: upgrade to "h2c" refused



=== TEST 5: Upgrade token is case-insensitive
--- ws_client
ws_raw(handshake(path => '/ws', headers => { Upgrade => 'WebSocket' }), 0.5)
    =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 101



=== TEST 6: a refused upgrade never reaches the upstream
--- ws_client
my $before = raw_upstream_log();
my $r = ws_raw(handshake(path => '/ws/never', headers => { Upgrade => 'h2c' }), 0.5);
my $after = raw_upstream_log();
($r =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none') . "\n"
    . ($after =~ m{open /ws/never} ? "reached upstream" : "not reached")
--- ws_expect
HTTP/1.1 400
not reached



=== TEST 7: method other than GET
--- raw_request eval
handshake(path => '/ws', method => 'POST')
--- error_code: 400
--- error_log
ws_guard: bad handshake: method is not GET, status 400



=== TEST 8: HTTP/1.0
--- raw_request eval
handshake(path => '/ws', version => 'HTTP/1.0')
--- error_code: 400
--- error_log
ws_guard: bad handshake: HTTP version before 1.1



=== TEST 9: no upgrade token in Connection
--- raw_request eval
handshake(path => '/ws', headers => { Connection => 'keep-alive' })
--- error_code: 400
--- response_headers
X-Result: handshake
--- error_log
ws_guard: bad handshake: no "upgrade" token in Connection



=== TEST 10: Connection is a list; "upgrade" anywhere in it will do
--- ws_client
ws_raw(handshake(path => '/ws', headers => { Connection => 'keep-alive, Upgrade' }), 0.5)
    =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 101



=== TEST 11: no Sec-WebSocket-Key
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Key' => undef })
--- error_code: 400
--- error_log
ws_guard: bad handshake: Sec-WebSocket-Key is not base64 of 16 bytes



=== TEST 12: Sec-WebSocket-Key of 15 bytes
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Key' => 'AAAAAAAAAAAAAAAAAAAA' })
--- error_code: 400
--- error_log
Sec-WebSocket-Key is not base64 of 16 bytes



=== TEST 13: Sec-WebSocket-Key of 17 bytes
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Key' => 'AAAAAAAAAAAAAAAAAAAAAAA=' })
--- error_code: 400
--- error_log
Sec-WebSocket-Key is not base64 of 16 bytes



=== TEST 14: Sec-WebSocket-Key with characters outside base64
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZ*==' })
--- error_code: 400
--- error_log
Sec-WebSocket-Key is not base64 of 16 bytes



=== TEST 15: two Sec-WebSocket-Key headers
--- raw_request eval
my $h = handshake(path => '/ws');
$h =~ s/\r\n\r\n$/\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n/;
$h
--- error_code: 400
--- error_log
Sec-WebSocket-Key is not base64 of 16 bytes



=== TEST 16: request with a body
--- raw_request eval
handshake(path => '/ws', headers => { 'Content-Length' => 5 }, body => 'hello')
--- error_code: 400
--- error_log
ws_guard: bad handshake: request has a body



=== TEST 17: chunked request body
--- raw_request eval
handshake(path => '/ws', headers => { 'Transfer-Encoding' => 'chunked' }, body => "5\r\nhello\r\n0\r\n\r\n")
--- error_code: 400
--- error_log
ws_guard: bad handshake: request has a body



=== TEST 18: Sec-WebSocket-Version 8 gets 426 naming 13
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Version' => '8' })
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13
X-Result: version
--- raw_response_headers_like: ^HTTP/1.1 426 Upgrade Required\r\n
--- error_log
ws_guard: unsupported Sec-WebSocket-Version, status 426



=== TEST 19: no Sec-WebSocket-Version gets 426
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Version' => undef })
--- error_code: 426
--- response_headers
Sec-WebSocket-Version: 13



=== TEST 20: TLS required, plain-text handshake gets 403
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_require_tls on;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
handshake(path => '/ws')
--- error_code: 403
--- response_headers
X-Result: tls
--- error_log
ws_guard: handshake without TLS refused, status 403



=== TEST 21: TLS required, wss:// handshake passes (real client and server)
--- config
    listen $TEST_NGINX_SSL_PORT ssl;
    ssl_certificate $TEST_NGINX_CERT;
    ssl_certificate_key $TEST_NGINX_CERT_KEY;

    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_require_tls on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client("wss://127.0.0.1:$ENV{TEST_NGINX_SSL_PORT}/ws", '--insecure',
          '--send', 'over tls')
. ws_client('/ws', '--send', 'plain')
--- ws_expect
open
recv over tls
closed 1000
status 403



=== TEST 22: subprotocols: an allowed offer passes and is selected
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_subprotocols chat v2.chat.example;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--subprotocol', 'v2.chat.example', '--subprotocol', 'chat',
          '--send', 'hi')
--- ws_expect
open
subprotocol v2.chat.example
recv hi
closed 1000
--- no_error_log
ws_guard:



=== TEST 23: subprotocols: any other offer gets 400
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_subprotocols chat;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
handshake(path => '/ws', headers => { 'Sec-WebSocket-Protocol' => 'chat, mqtt' })
--- error_code: 400
--- response_headers
X-Result: subprotocol
--- error_log
ws_guard: subprotocol "mqtt" not allowed, status 400



=== TEST 24: subprotocols: no offer at all passes
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_subprotocols chat;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--send', 'hi')
--- ws_expect
open
recv hi
closed 1000



=== TEST 25: dry run: a refused upgrade is logged and proxied
--- config
    location /ws {
        ws_guard on;
        ws_guard_dry_run on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_raw(handshake(path => '/ws', headers => { Upgrade => 'h2c' }), 0.5)
    =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 101
--- error_log
ws_guard: dry run: upgrade to "h2c" refused, status 400 would be returned



=== TEST 26: dry run: every failed check is logged, the handshake proceeds
--- config
    location /ws {
        ws_guard on;
        ws_guard_dry_run on;
        ws_guard_require_tls on;
        ws_guard_origin https://app.example.com;
        ws_guard_subprotocols chat;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $r = ws_raw(handshake(path => '/ws', headers => {
    Origin => 'https://evil.example.net', 'Sec-WebSocket-Protocol' => 'mqtt' }), 0.5);
my $s = $r =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none';
$s .= "\n" . ($r =~ /^(X-Result: \w+)/m ? $1 : 'no result');
$s
--- ws_expect
HTTP/1.1 101
X-Result: tls
--- error_log
ws_guard: dry run: handshake without TLS refused, status 403 would be returned
ws_guard: dry run: origin "https://evil.example.net" not allowed, status 403 would be returned
ws_guard: dry run: subprotocol "mqtt" not allowed, status 400 would be returned



=== TEST 27: log level warn
--- config
    location /ws {
        ws_guard on;
        ws_guard_log_level warn;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => { Upgrade => 'h2c' })
--- error_code: 400
--- error_log eval
qr/\[warn\] .*ws_guard: upgrade to "h2c" refused/
--- no_error_log
[error]



=== TEST 28: log level info is below the test log level's default filter? logged at info
--- config
    location /ws {
        ws_guard on;
        ws_guard_log_level info;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => { Upgrade => 'h2c' })
--- error_code: 400
--- error_log eval
qr/\[info\] .*ws_guard: upgrade to "h2c" refused/



=== TEST 29: satisfy any cannot turn a guard refusal into access
--- config
    location /ws {
        satisfy any;
        allow all;
        ws_guard on;
        ws_guard_origin https://app.example.com;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
handshake(path => '/ws', headers => { Origin => 'https://evil.example.net' })
--- error_code: 403



=== TEST 30: satisfy any: an accepted handshake does not bypass auth_basic
--- config
    location /ws {
        satisfy any;
        deny all;
        auth_basic "x";
        auth_basic_user_file $TEST_NGINX_TOP/t/lib/empty.htpasswd;
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_raw(handshake(path => '/ws'), 0.5) =~ /^(HTTP\/1.1 \d+)/ ? $1 : 'none'
--- ws_expect
HTTP/1.1 401



=== TEST 31: permessage-deflate is stripped from the request sent upstream
--- ws_client
my $r = ws_raw(handshake(path => '/ws', headers => {
    'Sec-WebSocket-Extensions' => 'permessage-deflate; client_max_window_bits, x-custom; a=1' }), 0.5);
my ($ext) = $r =~ /^Sec-WebSocket-Extensions: ([^\r]*)\r$/mi;
defined $ext ? "sent: $ext" : "sent: none"
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/reqhead;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_expect
sent: x-custom; a=1



=== TEST 32: an offer of permessage-deflate alone is removed entirely
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/reqhead;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $r = ws_raw(handshake(path => '/ws', headers => {
    'Sec-WebSocket-Extensions' => 'permessage-deflate' }), 0.5);
my ($head, $frame) = split /\r\n\r\n/, $r, 2;
my @ext = $frame =~ /^(Sec-WebSocket-Extensions|Keep-Alive):/mgi;
($head =~ /^(HTTP\/1.1 \d+)/ ? "$1" : 'none')
. ($frame =~ m{GET /reqhead HTTP/1.1} ? "\nrequest seen" : "\nno request")
. "\nheaders: " . scalar(@ext)
--- ws_expect
HTTP/1.1 101
request seen
headers: 0



=== TEST 33: a long extension list is rewritten without overflow
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/reqhead;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $r = ws_raw(handshake(path => '/ws', headers => {
    'Sec-WebSocket-Extensions' => join(',', ('a') x 3000) . ',permessage-deflate' }), 0.5);
my ($ext) = $r =~ /^Sec-WebSocket-Extensions: ([^\r]*)\r$/mi;
defined $ext && $ext eq join(', ', ('a') x 3000) ? 'rewritten' : 'wrong'
--- ws_expect
rewritten



=== TEST 34: $ws_guard_result is "ok" for an accepted handshake
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_raw(handshake(path => '/ws'), 0.5) =~ /^(X-Result: \w+)/m ? $1 : 'none'
--- ws_expect
X-Result: ok
