# Bad configuration stops nginx with an emerg line naming what and where.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an origin without a scheme
--- config
    location /ws { ws_guard on; ws_guard_origin app.example.com; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "app\.example\.com": not an origin \(no scheme\).* in .*nginx\.conf:\d+/



=== TEST 2: an origin with a path
--- config
    location /ws { ws_guard_origin https://app.example.com/chat; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "https:\/\/app\.example\.com\/chat": not an origin \(bad host\)/



=== TEST 3: a bad regex
--- config
    location /ws { ws_guard_origin "~https://(app"; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "~https:\/\/\(app": pcre2_compile\(\) failed/



=== TEST 4: a scheme without a default port needs a port
--- config
    location /ws { ws_guard_origin chrome-extension://abcdef; }
--- must_die
--- error_log eval
qr/\[emerg\] .*scheme "chrome-extension" has no default port, give one/



=== TEST 5: an empty wildcard domain
--- config
    location /ws { ws_guard_origin "https://*."; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "https:\/\/\*\.": /



=== TEST 6: an unknown log level
--- config
    location /ws { ws_guard_log_level debug; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "debug" in .*nginx\.conf:\d+/



=== TEST 7: a subprotocol that is not a token
--- config
    location /ws { ws_guard_subprotocols chat "a,b"; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "a,b": a subprotocol must be a token/



=== TEST 8: ws_guard_origin_missing takes allow or deny
--- config
    location /ws { ws_guard_origin_missing maybe; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "maybe" in .*nginx\.conf:\d+/



=== TEST 9: a wildcard over an IP literal
--- config
    location /ws { ws_guard_origin "https://*.[::1]"; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "https:\/\/\*\.\[::1\]"/



=== TEST 10: every directive accepts http, server and location contexts
--- http_config
    ws_guard_dry_run off;
    ws_guard_log_level notice;
    ws_guard_origin https://app.example.com;
    ws_guard_origin_missing deny;
    ws_guard_require_tls off;
    ws_guard_subprotocols chat;
    ws_guard_deflate strip;
--- config
    ws_guard on;
    location /t { ws_guard off; return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
