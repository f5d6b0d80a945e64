# Bearer tokens (directives.md, sections 1-3): the RFC 6750 responses,
# $ws_guard_result, dry run, and the log: one line per refusal, naming the
# reason, never the token.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

no_shuffle();

# a fixed token: HS256 over fixed claims (exp in 2001), so that sections
# evaluated at different times see the same bytes

our $Expired;

sub WSGuard::expired_token {
    $Expired ||= mint('HS256', 'hmac.jwks',
                      '{"sub":"mallory","exp":1000000000}');
    return $Expired;
}

{
    no warnings 'once';
    *Test::Base::Filter::expired_token = \&WSGuard::expired_token;
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

    location /headers {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file \$TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header X-Sub \$ws_guard_jwt_claim_sub;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: no token: 401 with a bare Bearer challenge
--- raw_request eval
handshake(path => '/ws')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer
X-Result: token
--- error_log
ws_guard: token missing, status 401



=== TEST 2: garbage: 401 with error="invalid_token"
--- raw_request eval
handshake(path => '/ws', headers => { Authorization => 'Bearer garbage' })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
X-Result: token
--- error_log
ws_guard: token refused: malformed token, status 401



=== TEST 3: a valid token: 101 and $ws_guard_result "ok", nothing logged
--- ws_client
try_token('/ws', mint('EdDSA', 'ed25519.key', '{"sub":"a"}'))
--- ws_expect
101 ok
--- no_error_log
ws_guard:
[error]



=== TEST 4: the refusal never reaches the upstream
--- ws_client
my $before = raw_upstream_log();
my $r = try_token('/ws/never', 'garbage');
my $after = raw_upstream_log();
"$r\n" . ($after =~ m{open /ws/never} ? 'reached upstream' : 'not reached')
--- ws_expect
401 token Bearer error="invalid_token"
not reached



=== TEST 5: one line per refusal, none holds the token
--- log_level: info
--- raw_request eval
handshake(path => '/ws', headers => { Authorization => 'Bearer ' . expired_token() })
--- error_code: 401
--- grep_error_log eval
qr/ws_guard: .*/
--- grep_error_log_out eval
qr/\Aws_guard: token refused: token expired, status 401, client: [^\n]*\n\z/
--- no_error_log eval
[ (split /\./, expired_token())[1], (split /\./, expired_token())[2], 'eyJ' ]



=== TEST 6: no token fragment in the log for any refusal
--- log_level: info
--- jwt_config
ws_guard_jwt_require_scope admin;
--- ws_client
my @t = (
    mint('RS256', 'rsa2.key', '{"sub":"x"}', '{"kid":"rsa"}'),
    mint('ES256', 'ec256.key', '{"sub":"x","scope":"user"}'),
    mint('HS256', 'hmac.jwks', '{"sub":"x","exp":"now-5"}'),
    mint('HS256', 'hmac.jwks', '{"sub":"x"}', '{"kid":"nope"}'),
    'not.a.token', 'A' x 9000,
);
my @r = map { try_token('/ws', $_) } @t;
my $log = error_log_text();
my @lines = $log =~ /(ws_guard: .*?), status/g;
my $leak = 0;
for my $t (@t) {
    for my $part (grep { length > 6 } split /\./, $t) {
        $leak++ if index($log, substr($part, 0, 16)) >= 0;
    }
}
CORE::join "\n", @r, @lines, "leaks: $leak"
--- ws_expect
401 token Bearer error="invalid_token"
403 scope Bearer error="insufficient_scope", scope="admin"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
ws_guard: token refused: bad signature
ws_guard: insufficient scope: missing scope "admin"
ws_guard: token refused: token expired
ws_guard: token refused: unknown kid
ws_guard: token refused: bad base64url
ws_guard: token refused: token too long
leaks: 0
--- http_config
    large_client_header_buffers 4 16k;



=== TEST 7: dry run: a missing token is logged, the handshake goes on without a challenge
--- jwt_config
ws_guard_dry_run on;
--- raw_request eval
handshake(path => '/ws')
--- error_code: 101
--- response_headers
X-Result: token
!WWW-Authenticate
--- error_log
ws_guard: dry run: token missing, status 401 would be returned
--- abort
--- timeout: 1



=== TEST 8: dry run: invalid, expired and out-of-scope tokens all go on
--- jwt_config
ws_guard_dry_run on;
ws_guard_jwt_require_scope admin;
--- ws_client
CORE::join "\n",
    try_token('/ws', 'garbage'),
    try_token('/ws', expired_token()),
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"sub":"x","scope":"user"}')),
    try_token('/ws', mint('HS256', 'hmac.jwks', '{"sub":"x","scope":"admin"}'))
--- ws_expect
101 token
101 token
101 scope
101 ok
--- grep_error_log eval
qr/ws_guard: .*?would be returned/
--- grep_error_log_out
ws_guard: dry run: token refused: malformed token, status 401 would be returned
ws_guard: dry run: token refused: token expired, status 401 would be returned
ws_guard: dry run: insufficient scope: missing scope "admin", status 403 would be returned



=== TEST 9: dry run: claims of a valid token lacking scope still reach the upstream; of an invalid one not
--- jwt_config
ws_guard_dry_run on;
ws_guard_jwt_require_scope admin;
--- ws_client
my $user = mint('HS256', 'hmac.jwks', '{"sub":"bob","scope":"user"}');
my $out = ws_client('/headers', '-H', "Authorization: Bearer $user", '--recv', '1')
        . ws_client('/headers', '-H', 'Authorization: Bearer ' . expired_token(), '--recv', '1');
my @sub = map { /"x-sub": "([^"]*)"/ ? $1 : '(none)' } grep { /^recv / } split /\n/, $out;
CORE::join "\n", @sub
--- ws_expect
bob
(none)



=== TEST 10: dry run: every unmet requirement gets a line
--- jwt_config
ws_guard_dry_run on;
ws_guard_jwt_require_scope admin;
ws_guard_jwt_require $ws_guard_jwt_claim_tenant $ws_guard_jwt_claim_team;
--- ws_client
try_token('/ws', mint('HS256', 'hmac.jwks', '{"sub":"x","team":"t"}'))
--- ws_expect
101 scope
--- grep_error_log eval
qr/ws_guard: .*?would be returned/
--- grep_error_log_out
ws_guard: dry run: insufficient scope: missing scope "admin", status 403 would be returned
ws_guard: dry run: insufficient scope: ws_guard_jwt_require "$ws_guard_jwt_claim_tenant" not met, status 403 would be returned



=== TEST 11: the origin check comes first; its result is the one reported
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin https://app.example.com;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => { Origin => 'https://evil.example.net' })
--- error_code: 403
--- response_headers
X-Result: origin
!WWW-Authenticate
--- error_log
ws_guard: origin "https://evil.example.net" not allowed, status 403
--- no_error_log
token missing



=== TEST 12: ws_guard_log_level applies to token refusals
--- jwt_config
ws_guard_log_level warn;
--- raw_request eval
handshake(path => '/ws')
--- error_code: 401
--- error_log eval
qr/\[warn\] .*ws_guard: token missing, status 401/
--- no_error_log
[error]



=== TEST 13: satisfy any cannot turn a token refusal into access; the challenge stays
--- config
    location /ws {
        satisfy any;
        allow all;
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => { Authorization => 'Bearer x.y.z' })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"



=== TEST 14: without ws_guard_jwt (or with it off) no token is asked for
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
try_token('/ws')
--- ws_expect
101 ok



=== TEST 15: ws_guard off: ws_guard_jwt on alone checks nothing
--- config
    location /ws {
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
try_token('/ws')
--- ws_expect
101
