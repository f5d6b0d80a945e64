# The module loads, and with the guard off (or on, for requests without
# Upgrade) nginx behaves as without it.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: plain HTTP request, module loaded, guard off
--- config
    location /t { return 200 "hello\n"; }
--- request
GET /t
--- response_body
hello
--- no_error_log
[error]
ws_guard



=== TEST 2: plain HTTP request in a guarded location passes untouched
--- config
    location /t {
        ws_guard on;
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- no_error_log
ws_guard



=== TEST 3: proxied WebSocket with the guard off (real client and server)
--- config
    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--send', 'hello', '--send', 'world')
--- ws_expect
open
recv hello
recv world
closed 1000
--- no_error_log
[error]



=== TEST 4: proxied WebSocket through a guarded location (real client and server)
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
ws_client('/ws', '--origin', 'http://example.com', '--send', 'hello')
--- ws_expect
open
recv hello
closed 1000
--- no_error_log
[error]
