# Bearer tokens (directives.md, section 3): every JWS algorithm end to end
# through nginx to the real echo upstream, every key file form, and the
# signature and key-choice refusals.  Tokens are minted by PyJWT
# (t/lib/jwt/mint.py), never by the module's own code.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

no_shuffle();

our $Keys = "$ENV{TEST_NGINX_TOP}/t/lib/jwt";

# (alg, private key, kid)
our @Algs = (
    [ 'HS256', 'hmac.jwks', 'hmac' ],
    [ 'HS384', 'hmac.jwks', 'hmac' ],
    [ 'HS512', 'hmac.jwks', 'hmac' ],
    [ 'RS256', 'rsa.key', 'rsa' ],
    [ 'RS384', 'rsa.key', 'rsa' ],
    [ 'RS512', 'rsa.key', 'rsa' ],
    [ 'PS256', 'rsa.key', 'rsa' ],
    [ 'PS384', 'rsa.key', 'rsa' ],
    [ 'PS512', 'rsa.key', 'rsa' ],
    [ 'ES256', 'ec256.key', 'ec256' ],
    [ 'ES384', 'ec384.key', 'ec384' ],
    [ 'ES512', 'ec521.key', 'ec521' ],
    [ 'EdDSA', 'ed25519.key', 'ed25519' ],
);

# one line per algorithm: what the independent client saw

sub WSGuard::each_alg {
    my (%o) = @_;
    my $out = '';
    for my $a (@Algs) {
        my $t = mint($a->[0], $a->[1], '{"sub":"alice","exp":"now+300"}',
                     $o{kid} ? qq({"kid":"$a->[2]"}) : undef);
        my $r = ws_client($o{path} || '/echo',
                          '-H', "Authorization: Bearer $t",
                          '--send', "hello $a->[0]");
        $r =~ s/\n+\z//;
        $r =~ s/\n/; /g;
        $out .= "$a->[0]: $r\n";
    }
    return $out;
}

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value('config', <<'_EOC_');
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    add_header X-Result $ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";

    location /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }

    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: all 13 algorithms, keys chosen by kid from a JWKS, end to end
--- ws_client
each_alg(kid => 1)
--- ws_expect
HS256: open; recv hello HS256; closed 1000
HS384: open; recv hello HS384; closed 1000
HS512: open; recv hello HS512; closed 1000
RS256: open; recv hello RS256; closed 1000
RS384: open; recv hello RS384; closed 1000
RS512: open; recv hello RS512; closed 1000
PS256: open; recv hello PS256; closed 1000
PS384: open; recv hello PS384; closed 1000
PS512: open; recv hello PS512; closed 1000
ES256: open; recv hello ES256; closed 1000
ES384: open; recv hello ES384; closed 1000
ES512: open; recv hello ES512; closed 1000
EdDSA: open; recv hello EdDSA; closed 1000
--- no_error_log
ws_guard:



=== TEST 2: tokens without kid: every key is tried
--- ws_client
each_alg(kid => 0)
--- ws_expect
HS256: open; recv hello HS256; closed 1000
HS384: open; recv hello HS384; closed 1000
HS512: open; recv hello HS512; closed 1000
RS256: open; recv hello RS256; closed 1000
RS384: open; recv hello RS384; closed 1000
RS512: open; recv hello RS512; closed 1000
PS256: open; recv hello PS256; closed 1000
PS384: open; recv hello PS384; closed 1000
PS512: open; recv hello PS512; closed 1000
ES256: open; recv hello ES256; closed 1000
ES384: open; recv hello ES384; closed 1000
ES512: open; recv hello ES512; closed 1000
EdDSA: open; recv hello EdDSA; closed 1000
--- no_error_log
ws_guard:



=== TEST 3: PEM public keys (no kid): a token's unknown kid falls back to them
--- config
    location /echo {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/hmac.jwks;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.pub.pem;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec256.pub.pem;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec384.pub.pem;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec521.pub.pem;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ed25519.pub.pem;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
each_alg(kid => 1)
--- ws_expect
HS256: open; recv hello HS256; closed 1000
HS384: open; recv hello HS384; closed 1000
HS512: open; recv hello HS512; closed 1000
RS256: open; recv hello RS256; closed 1000
RS384: open; recv hello RS384; closed 1000
RS512: open; recv hello RS512; closed 1000
PS256: open; recv hello PS256; closed 1000
PS384: open; recv hello PS384; closed 1000
PS512: open; recv hello PS512; closed 1000
ES256: open; recv hello ES256; closed 1000
ES384: open; recv hello ES384; closed 1000
ES512: open; recv hello ES512; closed 1000
EdDSA: open; recv hello EdDSA; closed 1000
--- no_error_log
ws_guard:



=== TEST 4: certificates and a PKCS#1 RSA public key
--- config
    location /echo {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec256.crt;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ed25519.crt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /echo-rsa-crt {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.crt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /echo-rsa-pkcs1 {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.pkcs1.pem;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $out = '';
for my $c (['ES256', 'ec256.key', '/echo'], ['EdDSA', 'ed25519.key', '/echo'],
           ['RS256', 'rsa.key', '/echo-rsa-crt'],
           ['PS384', 'rsa.key', '/echo-rsa-pkcs1'],
           ['RS256', 'rsa.key', '/echo'])
{
    my $t = mint($c->[0], $c->[1], '{"sub":"bob"}');
    my $r = ws_client($c->[2], '-H', "Authorization: Bearer $t",
                      '--send', 'x');
    $r =~ s/\n+\z//;
    $r =~ s/\n/; /g;
    $out .= "$c->[0] $c->[2]: $r\n";
}
$out
--- ws_expect
ES256 /echo: open; recv x; closed 1000
EdDSA /echo: open; recv x; closed 1000
RS256 /echo-rsa-crt: open; recv x; closed 1000
PS384 /echo-rsa-pkcs1: open; recv x; closed 1000
RS256 /echo: status 401
--- error_log
ws_guard: token refused: no key for algorithm, status 401



=== TEST 5: alg none is refused
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('none', '-', '{"sub":"admin"}') })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
X-Result: token
--- error_log
ws_guard: token refused: alg none, status 401



=== TEST 6: alg "NoNe" is refused as well
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('none', '-', '{"sub":"admin"}', '{"alg":"NoNe"}') })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
--- error_log
ws_guard: token refused: alg none, status 401



=== TEST 7: algorithm confusion: HS256 keyed with the RSA public key's PEM
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.pub.pem;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my @r;
# control: the same key file takes a genuine RS256 token
push @r, status_of(ws_raw(handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('RS256', 'rsa.key', '{"sub":"a"}') }), 0.5));
push @r, status_of(ws_raw(handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('HS256', 'rsa.pub.pem', '{"sub":"a"}') }), 0.5));
push @r, status_of(ws_raw(handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('HS256', 'rsa.pkcs1.pem', '{"sub":"a"}') }), 0.5));
join "\n", @r
--- ws_expect
HTTP/1.1 101
HTTP/1.1 401
HTTP/1.1 401
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: no key for algorithm, status 401
ws_guard: token refused: no key for algorithm, status 401



=== TEST 8: algorithm confusion against a JWKS whose RSA key has a kid
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('HS256', 'rsa.pub.pem', '{"sub":"a"}', '{"kid":"rsa"}') })
--- error_code: 401
--- error_log
ws_guard: token refused: no key for algorithm, status 401



=== TEST 9: ws_guard_jwt_algorithms refuses a valid token of another algorithm
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        ws_guard_jwt_algorithms ES256 EdDSA;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my @r;
for my $c (['RS256', 'rsa.key'], ['HS256', 'hmac.jwks'], ['ES256', 'ec256.key'],
           ['EdDSA', 'ed25519.key'], ['ES384', 'ec384.key'])
{
    my $r = ws_raw(handshake(path => '/ws', headers => {
        Authorization => 'Bearer ' . mint($c->[0], $c->[1], '{"sub":"a"}') }), 0.5);
    push @r, "$c->[0] " . status_of($r) . ' ' . header_of($r, 'X-Result');
}
join "\n", @r
--- ws_expect
RS256 HTTP/1.1 401 token
HS256 HTTP/1.1 401 token
ES256 HTTP/1.1 101 ok
EdDSA HTTP/1.1 101 ok
ES384 HTTP/1.1 401 token
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: algorithm not allowed, status 401
ws_guard: token refused: algorithm not allowed, status 401
ws_guard: token refused: algorithm not allowed, status 401



=== TEST 10: unknown kid
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('RS256', 'rsa.key', '{"sub":"a"}', '{"kid":"retired-2019"}') })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer error="invalid_token"
--- error_log
ws_guard: token refused: unknown kid, status 401



=== TEST 11: signed by another key under a known kid: bad signature
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('RS256', 'rsa2.key', '{"sub":"a"}', '{"kid":"rsa"}') })
--- error_code: 401
--- error_log
ws_guard: token refused: bad signature, status 401



=== TEST 12: tampered payload
--- ws_client
my @r;
for my $c (['RS256', 'rsa.key'], ['HS256', 'hmac.jwks'], ['ES256', 'ec256.key'],
           ['EdDSA', 'ed25519.key'])
{
    my $t = mint($c->[0], $c->[1], '{"sub":"alice","role":"user"}');
    my ($h, $p, $s) = split /\./, $t;
    # control: the token as minted passes
    my $ok = status_of(ws_raw(handshake(path => '/ws', headers => {
        Authorization => "Bearer $t" }), 0.5));
    my $forged = join '.', $h, b64url('{"sub":"alice","role":"admin"}'), $s;
    my $bad = status_of(ws_raw(handshake(path => '/ws', headers => {
        Authorization => "Bearer $forged" }), 0.5));
    push @r, "$c->[0] $ok, tampered $bad";
}
join "\n", @r
--- ws_expect
RS256 HTTP/1.1 101, tampered HTTP/1.1 401
HS256 HTTP/1.1 101, tampered HTTP/1.1 401
ES256 HTTP/1.1 101, tampered HTTP/1.1 401
EdDSA HTTP/1.1 101, tampered HTTP/1.1 401
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: bad signature, status 401
ws_guard: token refused: bad signature, status 401
ws_guard: token refused: bad signature, status 401
ws_guard: token refused: bad signature, status 401



=== TEST 13: a signature two bytes short
--- raw_request eval
my ($h, $p, $s) = split /\./, mint('ES256', 'ec256.key', '{"sub":"a"}');
$s =~ tr{-_}{+/};
my $t = CORE::join '.', $h, $p, b64url(substr(MIME::Base64::decode_base64($s), 0, -2));
handshake(path => '/ws', headers => { Authorization => "Bearer $t" })
--- error_code: 401
--- error_log
ws_guard: token refused: bad signature, status 401



=== TEST 14: an ES256 token where only a P-384 key is configured
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec384.pub.pem;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('ES256', 'ec256.key', '{"sub":"a"}') })
--- error_code: 401
--- error_log
ws_guard: token refused: no key for algorithm, status 401



=== TEST 15: a crit header is refused
--- raw_request eval
handshake(path => '/ws', headers => {
    Authorization => 'Bearer ' . mint('HS256', 'hmac.jwks', '{"sub":"a"}', '{"crit":["exp"]}') })
--- error_code: 401
--- error_log
ws_guard: token refused: unsupported crit header, status 401



=== TEST 16: key files at server level; a location's own key file replaces them
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/rsa.jwks;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";

    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }

    location /ws-ec {
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/ec256.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- ws_client
my $rs = mint('RS256', 'rsa.key', '{"sub":"a"}', '{"kid":"rsa"}');
my $es = mint('ES256', 'ec256.key', '{"sub":"a"}', '{"kid":"ec256"}');
my @r;
for my $c (['/ws', $rs], ['/ws', $es], ['/ws-ec', $rs], ['/ws-ec', $es]) {
    push @r, "$c->[0] " . status_of(ws_raw(handshake(path => $c->[0],
        headers => { Authorization => "Bearer $c->[1]" }), 0.5));
}
join "\n", @r
--- ws_expect
/ws HTTP/1.1 101
/ws HTTP/1.1 401
/ws-ec HTTP/1.1 401
/ws-ec HTTP/1.1 101
