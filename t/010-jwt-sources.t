# Bearer tokens (directives.md, section 3): where the token comes from
# (Authorization, ws_guard_jwt_token, the subprotocol prefix), what reaches
# the upstream (the subprotocol entry removed, claims in headers), and the
# $ws_guard_jwt_* variables.  The echo upstream's /headers path sends back
# the request headers it received as its first message.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;
use JSON::PP ();

no_shuffle();

sub WSGuard::hs {
    return mint('HS256', 'hmac.jwks', shift || '{"sub":"alice"}');
}

# the headers the echo upstream saw, from ws_client output with --recv 1

sub WSGuard::upstream_headers {
    my $out = shift;
    my ($json) = $out =~ /^recv (\{.*\})$/m or return undef;
    return JSON::PP::decode_json($json);
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
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file \$TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    $extra
    add_header X-Result \$ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection "upgrade";

    location /ws {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT;
    }

    location /headers {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: Authorization: Bearer, the scheme in any case
--- ws_client
my $t = hs();
CORE::join "\n", map { try_token('/ws', undef, { Authorization => $_ }) }
    "Bearer $t", "bearer $t", "BEARER $t", "Bearer    $t", "Bearer\t$t",
    "Bearer $t   "
--- ws_expect
101 ok
101 ok
101 ok
101 ok
101 ok
101 ok
--- no_error_log
ws_guard:



=== TEST 2: other schemes and an empty Bearer carry no token
--- ws_client
my $t = hs();
CORE::join "\n", map { try_token('/ws', undef, { Authorization => $_ }) }
    "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer", "Bearer    ", "Bearertoken $t",
    "$t", "Token $t"
--- ws_expect
401 token Bearer
401 token Bearer
401 token Bearer
401 token Bearer
401 token Bearer
401 token Bearer
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token missing, status 401
ws_guard: token missing, status 401
ws_guard: token missing, status 401
ws_guard: token missing, status 401
ws_guard: token missing, status 401
ws_guard: token missing, status 401



=== TEST 3: ws_guard_jwt_token $arg_access_token replaces Authorization
--- jwt_config
ws_guard_jwt_token $arg_access_token;
--- ws_client
my $t = hs();
CORE::join "\n",
    try_token("/ws?access_token=$t"),
    try_token("/ws?x=1&access_token=$t&y=2"),
    try_token('/ws', $t),
    try_token('/ws?access_token=', $t),
    try_token('/ws?access_token=garbage')
--- ws_expect
101 ok
101 ok
401 token Bearer
401 token Bearer
401 token Bearer error="invalid_token"



=== TEST 4: ws_guard_jwt_token $cookie_session
--- jwt_config
ws_guard_jwt_token $cookie_session;
--- ws_client
my $t = hs();
CORE::join "\n",
    try_token('/ws', undef, { Cookie => "theme=dark; session=$t; lang=en" }),
    try_token('/ws', undef, { Cookie => "theme=dark" }),
    try_token('/ws', $t)
--- ws_expect
101 ok
401 token Bearer
401 token Bearer



=== TEST 5: a real client through nginx to the echo server with each source
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";

    location /auth {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location /arg {
        ws_guard_jwt_token $arg_access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location /cookie {
        ws_guard_jwt_token $cookie_session;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location /sub {
        ws_guard_jwt_subprotocol bearer.;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- ws_client
my $t = mint('ES256', 'ec256.key', '{"sub":"alice","exp":"now+60"}', '{"kid":"ec256"}');
ws_client('/auth', '-H', "Authorization: Bearer $t", '--send', 'via header')
. ws_client("/arg?access_token=$t", '--send', 'via arg')
. ws_client('/cookie', '-H', "Cookie: session=$t", '--send', 'via cookie')
. ws_client('/sub', '--subprotocol', 'chat', '--subprotocol', "bearer.$t",
            '--send', 'via subprotocol')
. ws_client('/sub', '--subprotocol', 'chat', '--send', 'none')
--- ws_expect
open
recv via header
closed 1000
open
recv via arg
closed 1000
open
recv via cookie
closed 1000
open
subprotocol chat
recv via subprotocol
closed 1000
status 401



=== TEST 6: the subprotocol entry with the token never reaches the upstream; the others do
--- jwt_config
ws_guard_jwt_subprotocol bearer.;
--- ws_client
my $t = hs('{"sub":"alice"}');
my $out = ws_client('/headers', '--subprotocol', 'chat', '--subprotocol',
                    "bearer.$t", '--subprotocol', 'v2.chat', '--recv', '1');
my $h = upstream_headers($out);
my ($first) = split /\n/, $out;
CORE::join "\n", $first, ($out =~ /^(subprotocol .*)$/m),
    'upstream saw: ' . (defined $h ? $h->{'sec-websocket-protocol'} : 'nothing'),
    'token upstream: ' . (index($out, (split /\./, $t)[2]) >= 0 ? 'yes' : 'no')
--- ws_expect
open
subprotocol chat
upstream saw: chat, v2.chat
token upstream: no



=== TEST 7: a token entry offered alone: Sec-WebSocket-Protocol is not sent upstream at all
--- jwt_config
ws_guard_jwt_subprotocol bearer.;
--- ws_client
my $t = hs('{"sub":"alice"}');
my $out = ws_client('/headers', '--subprotocol', "bearer.$t", '--recv', '1');
my $h = upstream_headers($out);
my ($first) = split /\n/, $out;
CORE::join "\n", $first,
    'protocol header upstream: '
        . (exists $h->{'sec-websocket-protocol'} ? 'yes' : 'no'),
    'token upstream: ' . (index($out, (split /\./, $t)[2]) >= 0 ? 'yes' : 'no')
--- ws_expect
open
protocol header upstream: no
token upstream: no



=== TEST 8: subprotocol entries over several header lines
--- jwt_config
ws_guard_jwt_subprotocol bearer.;
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        ws_guard_jwt_subprotocol bearer.;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/reqhead;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $t = hs('{"sub":"alice"}');
my $req = handshake(path => '/ws');
$req =~ s/\r\n\r\n\z/\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: bearer.$t , mqtt\r\n\r\n/;
my $r = ws_raw($req, 0.5);
my ($head, $frame) = split /\r\n\r\n/, $r, 2;
my @p = $frame =~ /^Sec-WebSocket-Protocol: ([^\r\n]*)/mgi;
CORE::join "\n", status_of($r), map({ "sent: $_" } @p),
    'token upstream: ' . (index($frame, (split /\./, $t)[2]) >= 0 ? 'yes' : 'no')
--- ws_expect
HTTP/1.1 101
sent: chat
sent: mqtt
token upstream: no



=== TEST 9: precedence: the subprotocol entry first, then Authorization
--- jwt_config
ws_guard_jwt_subprotocol bearer.;
--- ws_client
my $t = hs();
CORE::join "\n",
    # a subprotocol token wins over a bad Authorization
    try_token('/ws', 'garbage', { 'Sec-WebSocket-Protocol' => "chat, bearer.$t" }),
    # without a token entry, Authorization is used
    try_token('/ws', $t, { 'Sec-WebSocket-Protocol' => 'chat' }),
    try_token('/ws', $t),
    # a bad subprotocol token is not rescued by a good Authorization
    try_token('/ws', $t, { 'Sec-WebSocket-Protocol' => 'bearer.garbage' }),
    # two token entries are refused
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "bearer.$t, bearer.$t" }),
    # an entry that is the prefix alone carries an empty token
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "bearer." }),
    # the prefix is case-sensitive, as subprotocol names are
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "Bearer.$t" })
--- ws_expect
101 ok
101 ok
101 ok
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer
--- grep_error_log eval
qr/ws_guard: .*?, status \d+/
--- grep_error_log_out
ws_guard: token refused: malformed token, status 401
ws_guard: token refused: several tokens in Sec-WebSocket-Protocol, status 401
ws_guard: token refused: malformed token, status 401
ws_guard: token missing, status 401



=== TEST 10: precedence: the subprotocol entry, then ws_guard_jwt_token
--- jwt_config
ws_guard_jwt_subprotocol access_token.;
ws_guard_jwt_token $arg_token;
--- ws_client
my $t = hs();
CORE::join "\n",
    try_token("/ws?token=garbage", undef, { 'Sec-WebSocket-Protocol' => "access_token.$t" }),
    try_token("/ws?token=$t", undef, { 'Sec-WebSocket-Protocol' => 'chat' }),
    try_token('/ws', $t)
--- ws_expect
101 ok
101 ok
401 token Bearer



=== TEST 11: the token entry is removed before ws_guard_subprotocols is checked
--- jwt_config
ws_guard_jwt_subprotocol bearer.;
ws_guard_subprotocols chat;
--- ws_client
my $t = hs();
CORE::join "\n",
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "chat, bearer.$t" }),
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "mqtt, bearer.$t" })
--- ws_expect
101 ok
400 subprotocol
--- error_log
ws_guard: subprotocol "mqtt" not allowed, status 400



=== TEST 12: ws_guard_jwt_subprotocol off turns an inherited prefix off
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_jwt on;
    ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    ws_guard_jwt_subprotocol bearer.;
    add_header X-Result $ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";

    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
    location /ws-off {
        ws_guard_jwt_subprotocol off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- ws_client
my $t = hs();
CORE::join "\n",
    try_token('/ws', undef, { 'Sec-WebSocket-Protocol' => "bearer.$t" }),
    try_token('/ws-off', undef, { 'Sec-WebSocket-Protocol' => "bearer.$t" }),
    try_token('/ws-off', $t)
--- ws_expect
101 ok
401 token Bearer
101 ok



=== TEST 13: claims and header members reach the upstream through proxy_set_header
--- config
    location /headers {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header X-Sub $ws_guard_jwt_claim_sub;
        proxy_set_header X-Aud $ws_guard_jwt_claim_aud;
        proxy_set_header X-Exp $ws_guard_jwt_claim_exp;
        proxy_set_header X-Admin $ws_guard_jwt_claim_admin;
        proxy_set_header X-Ratio $ws_guard_jwt_claim_ratio;
        proxy_set_header X-Name $ws_guard_jwt_claim_name;
        proxy_set_header X-Obj $ws_guard_jwt_claim_obj;
        proxy_set_header X-Mixed $ws_guard_jwt_claim_mixed;
        proxy_set_header X-None $ws_guard_jwt_claim_none;
        proxy_set_header X-Alg $ws_guard_jwt_header_alg;
        proxy_set_header X-Kid $ws_guard_jwt_header_kid;
    }
--- ws_client
my $t = mint('RS256', 'rsa.key', '{"sub":"alice@example.com","aud":["chat","billing"],"exp":4102444800,"admin":false,"ratio":1.5e3,"name":"Zoe \"q\" \\\\ back","obj":{"a":1},"mixed":["a",1]}', '{"kid":"rsa"}');
my $h = upstream_headers(ws_client('/headers', '-H', "Authorization: Bearer $t", '--recv', '1'));
CORE::join "\n", map { "$_: " . (defined $h->{$_} ? $h->{$_} : '(not sent)') }
    qw(x-sub x-aud x-exp x-admin x-ratio x-name x-obj x-mixed x-none x-alg x-kid)
--- ws_expect
x-sub: alice@example.com
x-aud: chat,billing
x-exp: 4102444800
x-admin: false
x-ratio: 1500.0
x-name: Zoe "q" \ back
x-obj: (not sent)
x-mixed: (not sent)
x-none: (not sent)
x-alg: RS256
x-kid: rsa



=== TEST 14: a claim with CR or LF is not found, so it cannot split a header
--- config
    location /headers {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header X-Sub $ws_guard_jwt_claim_sub;
        proxy_set_header X-Name $ws_guard_jwt_claim_name;
    }
--- ws_client
my $t = hs('{"sub":"alice","name":"x\r\nX-Admin: true"}');
my $h = upstream_headers(ws_client('/headers', '-H', "Authorization: Bearer $t", '--recv', '1'));
CORE::join "\n", map { "$_: " . (defined $h->{$_} ? $h->{$_} : '(not sent)') }
    qw(x-sub x-name x-admin)
--- ws_expect
x-sub: alice
x-name: (not sent)
x-admin: (not sent)



=== TEST 15: claim variables in the access log; empty without a verified token
--- http_config
    log_format jwt '$request_uri $ws_guard_result sub=$ws_guard_jwt_claim_sub kid=$ws_guard_jwt_header_kid';
--- config
    location /headers {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        access_log logs/jwt_access.log jwt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $ok = mint('HS256', 'hmac.jwks', '{"sub":"alice"}', '{"kid":"hmac"}');
my $expired = mint('HS256', 'hmac.jwks', '{"sub":"mallory","exp":"now-10"}', '{"kid":"hmac"}');
ws_client('/headers?1', '-H', "Authorization: Bearer $ok", '--send', 'x');
ws_client('/headers?2', '-H', "Authorization: Bearer $expired", '--send', 'x');
ws_client('/headers?3', '--send', 'x');
my $log = '';
for (1 .. 40) {
    open my $fh, '<', "$Test::Nginx::Util::ServRoot/logs/jwt_access.log" or next;
    local $/;
    $log = <$fh>;
    last if ($log =~ tr/\n//) >= 3;
    select undef, undef, undef, 0.05;
}
CORE::join "\n", sort split /\n/, $log
--- ws_expect
/headers?1 ok sub=alice kid=hmac
/headers?2 token sub=- kid=-
/headers?3 token sub=- kid=-
--- error_log
ws guard token: 2 members kept



=== TEST 16: requests without Upgrade pass untouched, no token needed
--- config
    location /plain.txt {
        ws_guard on;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
    }
--- user_files
>>> plain.txt
plain
--- request
GET /plain.txt
--- response_body
plain
--- no_error_log
ws_guard:



=== TEST 17: a long list of offers with the token entry: the rest is kept whole
--- http_config
    log_format protos '$http_sec_websocket_protocol';
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        ws_guard_jwt_subprotocol b.;
        access_log logs/protos.log protos;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
# comma-only separators: the rewritten list (", ") is longer than the input
my $t = hs();
my $r = ws_raw(handshake(path => '/ws', headers => {
    'Sec-WebSocket-Protocol' => CORE::join(',', map { "p$_" } 1 .. 1500) . ",b.$t" }), 0.3);
my $log = '';
for (1 .. 40) {
    open my $fh, '<', "$Test::Nginx::Util::ServRoot/logs/protos.log" or next;
    local $/;
    $log = <$fh>;
    last if length $log;
    select undef, undef, undef, 0.05;
}
$log =~ s/\s+\z//;
CORE::join "\n", status_of($r),
    ($log eq CORE::join(', ', map { "p$_" } 1 .. 1500) ? 'kept whole' : 'changed: ' . length $log)
--- ws_expect
HTTP/1.1 101
kept whole
