# Bearer tokens (directives.md, section 3): configuration errors stop nginx
# with an emerg line naming the file or parameter and what is wrong; good
# configurations load and inherit.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a key file that does not exist
--- config
    location /ws {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/nope.jwks;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*open\(\) ".*\/t\/lib\/jwt\/nope\.jwks" failed \(2: No such file or directory\) in .*nginx\.conf:\d+/



=== TEST 2: a key file that is not JSON nor PEM
--- config
    location /ws {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/mint.py;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/t\/lib\/jwt\/mint\.py": \S.* in .*nginx\.conf:\d+/



=== TEST 3: a JWKS with a syntax error
--- user_files
>>> bad.jwks
{"keys": [{"kty": "oct", "k": "c2VjcmV0"},]}
--- config
    location /ws {
        ws_guard_jwt_key_file ../html/bad.jwks;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/html\/bad\.jwks": \S/



=== TEST 4: a JWKS with an unsupported key type
--- user_files
>>> bad.jwks
{"keys": [{"kty": "foo", "k": "c2VjcmV0"}]}
--- config
    location /ws {
        ws_guard_jwt_key_file ../html/bad.jwks;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/html\/bad\.jwks": JWKS key \d+: unsupported kty "foo"/



=== TEST 5: an RSA key of 1024 bits is refused
--- config
    location /ws {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa1024.pub.pem;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/rsa1024\.pub\.pem": .*(2048|short|small)/



=== TEST 6: a private key is not a key file
--- config
    location /ws {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec256.key;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/ec256\.key": \S/



=== TEST 7: an empty key file
--- user_files
>>> empty.pem
--- config
    location /ws {
        ws_guard_jwt_key_file ../html/empty.pem;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid key file ".*\/html\/empty\.pem": \S/



=== TEST 8: a directory is not a key file
--- config
    location /ws {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*key file ".*\/t\/lib\/jwt" is not a regular file/



=== TEST 9: a relative key file path is relative to the configuration directory
--- user_files
>>> keys/hmac.jwks
{"keys": [{"kty": "oct", "kid": "rel", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file ../html/keys/hmac.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
try_token('/ws', mint('HS256', "$Test::Nginx::Util::ServRoot/html/keys/hmac.jwks", '{"sub":"a"}'))
--- ws_expect
101



=== TEST 10: an unknown algorithm
--- config
    location /ws { ws_guard_jwt_algorithms RS256 HS999; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "HS999" in .*nginx\.conf:\d+/



=== TEST 11: "none" is not an algorithm one can allow
--- config
    location /ws { ws_guard_jwt_algorithms none; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "none" in .*nginx\.conf:\d+/



=== TEST 12: algorithm names are case-sensitive
--- config
    location /ws { ws_guard_jwt_algorithms rs256; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "rs256"/



=== TEST 13: ws_guard_jwt_algorithms twice at one level
--- config
    location /ws {
        ws_guard_jwt_algorithms RS256;
        ws_guard_jwt_algorithms ES256;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_jwt_algorithms" directive is duplicate/



=== TEST 14: ws_guard_jwt on without any key file
--- config
    location /ws {
        ws_guard on;
        ws_guard_jwt on;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*ws_guard_jwt is on but no ws_guard_jwt_key_file/



=== TEST 15: ws_guard_jwt on inherited into a location without keys anywhere
--- config
    ws_guard_jwt on;
    location /ws { ws_guard on; }
--- must_die
--- error_log eval
qr/\[emerg\] .*ws_guard_jwt is on but no ws_guard_jwt_key_file/



=== TEST 16: keys at http level serve every server and location
--- http_config
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    ws_guard_jwt on;
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
CORE::join "\n", try_token('/ws', mint('PS256', 'rsa.key', '{"sub":"a"}')), try_token('/ws')
--- ws_expect
101 ok
401 token Bearer



=== TEST 17: an empty ws_guard_jwt_require value
--- config
    location /ws { ws_guard_jwt_require ""; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "": empty value/



=== TEST 18: ws_guard_jwt_require with an unknown variable
--- config
    location /ws { ws_guard_jwt_require $no_such_variable; }
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown "no_such_variable" variable/



=== TEST 19: other directives of the section: bad values
--- config
    location /ws { ws_guard_jwt_expiry sometimes; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "sometimes"/



=== TEST 20: ws_guard_jwt_max_lifetime takes a time or off
--- config
    location /ws { ws_guard_jwt_max_lifetime forever; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "forever": a time or "off"/



=== TEST 21: ws_guard_jwt_leeway takes a time
--- config
    location /ws { ws_guard_jwt_leeway soon; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_jwt_leeway" directive invalid value/



=== TEST 22: every directive of the section, well formed, at every level
--- http_config
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    ws_guard_jwt_algorithms RS256 PS256 ES256 ES384 ES512 EdDSA HS256 HS384 HS512 RS384 RS512 PS384 PS512;
    ws_guard_jwt_issuer https://id.example.com;
    ws_guard_jwt_audience api;
    ws_guard_jwt_leeway 30s;
    ws_guard_jwt_max_lifetime 1h;
    ws_guard_jwt_require_scope chat;
    ws_guard_jwt_require $ws_guard_jwt_claim_sub;
    ws_guard_jwt_expiry ignore;
    ws_guard_jwt_token $arg_token;
    ws_guard_jwt_subprotocol bearer.;
    ws_guard_jwt off;
--- config
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec256.jwks;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.crt;
    ws_guard_jwt_expiry close;
    ws_guard_jwt_max_lifetime off;

    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_algorithms ES256;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $c = '{"sub":"a","iss":"https://id.example.com","aud":"api","scope":"chat","exp":"now+60"}';
CORE::join "\n",
    try_token('/ws?token=' . mint('ES256', 'ec256.key', $c)),
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => 'bearer.' . mint('ES256', 'ec256.key', $c) }),
    try_token('/ws?token=' . mint('RS256', 'rsa.key', $c))
--- ws_expect
101
101
401 Bearer error="invalid_token"

