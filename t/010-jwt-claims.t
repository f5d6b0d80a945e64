# Bearer tokens (directives.md, section 3): time claims, leeway, issuer,
# audience, lifetime, scopes and ws_guard_jwt_require.  Tokens are minted
# by PyJWT (t/lib/jwt/mint.py) with times relative to the moment the test
# runs.  The upstream is the permissive raw upstream: every refusal comes
# from the guard.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

no_shuffle();

sub WSGuard::hs {
    return mint('HS256', 'hmac.jwks', shift);
}

{
    no warnings 'once';
    *Test::Base::Filter::hs = \&WSGuard::hs;
}

add_block_preprocessor(sub {
    my $block = shift;
    my $extra = defined $block->jwt_config ? $block->jwt_config : '';
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file \$TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        $extra
        add_header X-Result \$ws_guard_result always;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: an expired token
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . hs('{"sub":"a","exp":"now-60"}') })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
X-Result: token
--- error_log
ws_guard: token refused: token expired, status 401



=== TEST 2: exp exactly now is expired; a minute ahead is not
--- ws_client
CORE::join "\n", try_token('/ws', hs('{"exp":"now"}')),
                 try_token('/ws', hs('{"exp":"now+60"}'))
--- ws_expect
401 token Bearer error="invalid_token"
101 ok



=== TEST 3: not yet valid (nbf)
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . hs('{"sub":"a","nbf":"now+300","exp":"now+600"}') })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
--- error_log
ws_guard: token refused: token not yet valid, status 401



=== TEST 4: issued in the future (iat)
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . hs('{"sub":"a","iat":"now+300"}') })
--- error_code: 401
--- error_log
ws_guard: token refused: token issued in the future, status 401



=== TEST 5: leeway lets a recently expired token, an early nbf and iat pass
--- jwt_config
ws_guard_jwt_leeway 2m;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"exp":"now-60"}')),
    try_token('/ws', hs('{"nbf":"now+60"}')),
    try_token('/ws', hs('{"iat":"now+60"}')),
    try_token('/ws', hs('{"exp":"now-300"}')),
    try_token('/ws', hs('{"nbf":"now+300"}'))
--- ws_expect
101 ok
101 ok
101 ok
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: token expired, status 401
ws_guard: token refused: token not yet valid, status 401



=== TEST 6: issuer
--- jwt_config
ws_guard_jwt_issuer https://id.example.com https://login.example.org;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"iss":"https://login.example.org"}')),
    try_token('/ws', hs('{"iss":"https://id.example.com"}')),
    try_token('/ws', hs('{"iss":"https://evil.example.net"}')),
    try_token('/ws', hs('{"iss":"https://id.example.com/"}')),
    try_token('/ws', hs('{"sub":"no iss"}'))
--- ws_expect
101 ok
101 ok
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: wrong issuer, status 401
ws_guard: token refused: wrong issuer, status 401
ws_guard: token refused: wrong issuer, status 401



=== TEST 7: audience as a string and as an array
--- jwt_config
ws_guard_jwt_audience api.example.com;
ws_guard_jwt_audience chat;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"aud":"api.example.com"}')),
    try_token('/ws', hs('{"aud":"chat"}')),
    try_token('/ws', hs('{"aud":["billing","chat"]}')),
    try_token('/ws', hs('{"aud":["billing","admin"]}')),
    try_token('/ws', hs('{"aud":"billing"}')),
    try_token('/ws', hs('{"aud":[]}')),
    try_token('/ws', hs('{"sub":"no aud"}'))
--- ws_expect
101 ok
101 ok
101 ok
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: wrong audience, status 401
ws_guard: token refused: wrong audience, status 401
ws_guard: token refused: wrong audience, status 401
ws_guard: token refused: wrong audience, status 401



=== TEST 8: without ws_guard_jwt_audience, any aud or none is fine
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"aud":"whatever"}')),
    try_token('/ws', hs('{"sub":"no aud"}'))
--- ws_expect
101 ok
101 ok



=== TEST 9: max lifetime
--- jwt_config
ws_guard_jwt_max_lifetime 1h;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"iat":"now-10","exp":"now+1800"}')),
    try_token('/ws', hs('{"exp":"now+3500"}')),
    try_token('/ws', hs('{"sub":"no exp"}')),
    try_token('/ws', hs('{"exp":"now+7200"}')),
    try_token('/ws', hs('{"iat":"now-7000","exp":"now+60"}'))
--- ws_expect
101 ok
101 ok
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: token has no exp, status 401
ws_guard: token refused: token lifetime too long, status 401
ws_guard: token refused: token lifetime too long, status 401



=== TEST 10: max lifetime off (the default) accepts a token without exp
--- jwt_config
ws_guard_jwt_max_lifetime off;
--- ws_client
try_token('/ws', hs('{"sub":"forever"}'))
--- ws_expect
101 ok



=== TEST 11: scopes from "scope" (space-separated) and "scp" (array or string)
--- jwt_config
ws_guard_jwt_require_scope chat:read chat:write;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"scope":"openid chat:write chat:read"}')),
    try_token('/ws', hs('{"scp":["chat:read","chat:write"]}')),
    try_token('/ws', hs('{"scp":"chat:write chat:read"}')),
    try_token('/ws', hs('{"scope":"chat:read"}')),
    try_token('/ws', hs('{"scp":["chat:read"]}')),
    try_token('/ws', hs('{"scope":"chat:read chat:writer"}')),
    try_token('/ws', hs('{"sub":"no scope"}'))
--- ws_expect
101 ok
101 ok
101 ok
403 scope Bearer error="insufficient_scope", scope="chat:read chat:write"
403 scope Bearer error="insufficient_scope", scope="chat:read chat:write"
403 scope Bearer error="insufficient_scope", scope="chat:read chat:write"
403 scope Bearer error="insufficient_scope", scope="chat:read chat:write"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: insufficient scope: missing scope "chat:write", status 403
ws_guard: insufficient scope: missing scope "chat:write", status 403
ws_guard: insufficient scope: missing scope "chat:write", status 403
ws_guard: insufficient scope: missing scope "chat:read", status 403



=== TEST 12: an invalid token is 401 even when the scope is missing too
--- jwt_config
ws_guard_jwt_require_scope admin;
--- ws_client
try_token('/ws', hs('{"scope":"user","exp":"now-5"}'))
--- ws_expect
401 token Bearer error="invalid_token"
--- error_log
ws_guard: token refused: token expired, status 401



=== TEST 13: ws_guard_jwt_require with a claim variable
--- jwt_config
ws_guard_jwt_require $ws_guard_jwt_claim_tenant;
--- ws_client
CORE::join "\n",
    try_token('/ws', hs('{"tenant":"acme"}')),
    try_token('/ws', hs('{"tenant":7}')),
    try_token('/ws', hs('{"sub":"no tenant"}')),
    try_token('/ws', hs('{"tenant":""}')),
    try_token('/ws', hs('{"tenant":"0"}')),
    try_token('/ws', hs('{"tenant":0}')),
    try_token('/ws', hs('{"tenant":null}')),
    try_token('/ws', hs('{"tenant":{"id":"acme"}}'))
--- ws_expect
101 ok
101 ok
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403



=== TEST 14: ws_guard_jwt_require: several values, all must hold; a map on a claim
--- http_config
    map $ws_guard_jwt_claim_role $ws_is_admin {
        admin    1;
        default  0;
    }
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        ws_guard_jwt_require $ws_guard_jwt_claim_tenant;
        ws_guard_jwt_require $ws_is_admin "$ws_guard_jwt_header_kid";
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $kid = '{"kid":"hmac"}';
CORE::join "\n",
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"tenant":"a","role":"admin"}', $kid)),
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"tenant":"a","role":"user"}', $kid)),
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"role":"admin"}', $kid)),
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"tenant":"a","role":"admin"}'))
--- ws_expect
101 ok
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
403 scope Bearer error="insufficient_scope"
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_is_admin" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403
ws_guard: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_header_kid" not met, status 403



=== TEST 15: scope and require inherit; a location may replace them
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    ws_guard_jwt_require_scope read;
    ws_guard_jwt_issuer https://id.example.com;
    add_header X-Result $ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";

    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }

    location /ws-admin {
        ws_guard_jwt_require_scope admin;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- ws_client
my $read = hs('{"iss":"https://id.example.com","scope":"read"}');
my $admin = hs('{"iss":"https://id.example.com","scope":"admin"}');
CORE::join "\n",
    try_token('/ws', $read), try_token('/ws', $admin),
    try_token('/ws-admin', $read), try_token('/ws-admin', $admin),
    try_token('/ws-admin', hs('{"scope":"admin"}'))
--- ws_expect
101 ok
403 scope Bearer error="insufficient_scope", scope="read"
403 scope Bearer error="insufficient_scope", scope="admin"
101 ok
401 token Bearer error="invalid_token"
