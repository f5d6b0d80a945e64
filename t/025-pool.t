# What an idle guarded connection keeps: the guard's pool is made at the
# handshake sized to what the location's policy keeps (context, token,
# zone holds, connection state, message policy states, rate buckets,
# timer, inflaters), and that is exactly one block: nothing left over,
# nothing in a second block (docs/performance.md, "Memory per
# connection").  The debug line after the upgrade says so.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

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
        $policy
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->http_config) {
        $block->set_value('http_config', <<'_EOC_');
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m rate=1000r/s
                        conn=100;
    ws_guard_limit_zone $http_x_tenant zone=tenant:1m conn=100;
_EOC_
    }
});

sub token {
    return mint('HS256', 'hmac.jwks',
                '{"sub":"alice","exp":"now+600","scope":"read write"}');
}

run_tests();

__DATA__

=== TEST 1: the frame guard alone
--- ws_client
ws_client('/ws', '--send', 'hi')
--- ws_expect
open
recv hi
closed 1000
--- error_log eval
qr/ws guard pool: \d+ bytes, 0 left, one block/
--- no_error_log
ws_guard:



=== TEST 2: the full policy: token (expiry closes: a timer), schema both ways, scope rules, deny patterns both ways, a rate and two zones
--- policy
ws_guard_jwt on;
ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/hmac.jwks;
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_schema server $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_message_scope client /type delete admin;
ws_guard_deny_pattern client "^GET ";
ws_guard_deny_pattern server "^HTTP/";
ws_guard_rate messages=100r/s bytes=1m/s;
ws_guard_rate messages=1000r/s direction=client;
ws_guard_limit zone=perip;
ws_guard_limit zone=tenant;
--- ws_client
ws_client('/ws', '-H', 'Authorization: Bearer ' . main::token(),
          '-H', 'X-Tenant: t1',
          '--send', '{"type":"say","room":"r1","text":"hi"}')
--- ws_expect
open
recv {"type":"say","room":"r1","text":"hi"}
closed 1000
--- error_log eval
qr/ws guard pool: \d+ bytes, 0 left, one block/
--- no_error_log
ws_guard:



=== TEST 3: lifetime and idle limits: the timer
--- policy
ws_guard_max_lifetime 1h;
ws_guard_idle_timeout 10m;
--- ws_client
ws_client('/ws', '--send', 'hi')
--- ws_expect
open
recv hi
closed 1000
--- error_log eval
qr/ws guard pool: \d+ bytes, 0 left, one block/
--- no_error_log
ws_guard:



=== TEST 4: permessage-deflate negotiated and inspected: two inflaters
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_deflate inspect;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_DEFLATE_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--deflate', '--send', 'compressed ' x 20)
--- ws_expect eval
"open\nextensions permessage-deflate\nrecv " . ('compressed ' x 20) . "\nclosed 1000\n"
--- error_log eval
qr/ws guard pool: \d+ bytes, 0 left, one block/
--- no_error_log
ws_guard:
