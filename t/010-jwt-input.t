# Bearer tokens (directives.md, section 3): malformed and hostile input.
# Every one is a 401 with error="invalid_token" and one log line naming
# the reason; nginx keeps serving.  Payloads that are not what a token
# should hold are signed properly (PyJWT over the raw bytes), so that the
# refusal comes from parsing them, not from the signature.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

no_shuffle();

sub WSGuard::raw { return mint_raw('HS256', 'hmac.jwks', @_) }

{
    no warnings 'once';
    *Test::Base::Filter::raw = \&WSGuard::raw;
}

# each token tried in turn; one line "status: reason" each

sub WSGuard::reasons {
    my @out;
    for my $t (@_) {
        my $r = try_token('/ws', $t);
        my @l = error_log_text() =~ /ws_guard: token refused: (.*?), status/g;
        push @out, "$r: " . ($l[-1] // '(nothing logged)');
    }
    return CORE::join "\n", @out;
}

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value('config', <<'_EOC_');
    large_client_header_buffers 4 64k;

    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
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

=== TEST 1: structure: parts, base64url, header JSON
--- ws_client
my $ok = raw('{"sub":"a"}');
my ($h, $p, $s) = split /\./, $ok;
reasons(
    'x', "$h.$p", "$h.$p.$s.x", "$h.$p.$s.x.y", "..", "$h..$s", ".$p.$s",
    "$h.$p.$s=", "$h+.$p.$s", "$h.$p.$s/", "$h.$p.!$s",
    b64url('[1,2]') . ".$p.$s", b64url('"HS256"') . ".$p.$s",
    b64url('{"alg":"HS256"') . ".$p.$s", b64url('') . ".$p.$s",
    b64url('{"typ":"JWT"}') . ".$p.$s", b64url('{"alg":1}') . ".$p.$s",
    b64url('{"alg":"HS256","kid":7}') . ".$p.$s",
    b64url('{"alg":"HS256","alg":"none"}') . ".$p.$s",
)
--- ws_expect
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": bad base64url
401 token Bearer error="invalid_token": bad base64url
401 token Bearer error="invalid_token": bad base64url
401 token Bearer error="invalid_token": bad base64url
401 token Bearer error="invalid_token": header is not a JSON object
401 token Bearer error="invalid_token": header is not a JSON object
401 token Bearer error="invalid_token": header is not a JSON object
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": missing alg
401 token Bearer error="invalid_token": missing alg
401 token Bearer error="invalid_token": kid is not a string
401 token Bearer error="invalid_token": duplicate member



=== TEST 2: payloads that are not a JSON object, properly signed (an empty one is no JWS)
--- ws_client
reasons(map { raw($_) } '[1,2]', '"sub"', '42', 'null', 'true', '', '{',
        '{"sub":"a"', '{"sub":"a"}x', '{"sub":"a"}{}', "{\"sub\":\"a\x00\"}",
        "{\"sub\":\"\xff\xfe\"}", '{sub:"a"}',
        '{"a":01}', '{"a":1.}', '{"a":-}', "\xef\xbb\xbf{}")
--- ws_expect
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": malformed token
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object
401 token Bearer error="invalid_token": payload is not a JSON object



=== TEST 3: duplicate claims, at the top and nested
--- ws_client
reasons(map { raw($_) } '{"sub":"alice","sub":"admin"}',
        '{"exp":{now+60},"exp":{now-60}}', '{"a":{"b":1,"b":2}}',
        '{"a":[{"x":1,"x":1}]}', '{"sub":"a","s\u0075b":"b"}')
--- ws_expect
401 token Bearer error="invalid_token": duplicate member
401 token Bearer error="invalid_token": duplicate member
401 token Bearer error="invalid_token": duplicate member
401 token Bearer error="invalid_token": duplicate member
401 token Bearer error="invalid_token": duplicate member



=== TEST 4: wrongly typed registered claims
--- ws_client
reasons(map { raw($_) } '{"exp":"tomorrow"}', '{"exp":null}', '{"exp":true}',
        '{"exp":[1]}', '{"nbf":"0"}', '{"iat":{}}', '{"iss":1}',
        '{"iss":["a"]}', '{"aud":1}', '{"aud":["a",1]}', '{"aud":{"a":1}}',
        '{"scope":["a"]}', '{"scp":[1]}', '{"scp":{"a":1}}')
--- ws_expect
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "nbf"
401 token Bearer error="invalid_token": wrongly typed claim "iat"
401 token Bearer error="invalid_token": wrongly typed claim "iss"
401 token Bearer error="invalid_token": wrongly typed claim "iss"
401 token Bearer error="invalid_token": wrongly typed claim "aud"
401 token Bearer error="invalid_token": wrongly typed claim "aud"
401 token Bearer error="invalid_token": wrongly typed claim "aud"
401 token Bearer error="invalid_token": wrongly typed claim "scope"
401 token Bearer error="invalid_token": wrongly typed claim "scp"
401 token Bearer error="invalid_token": wrongly typed claim "scp"



=== TEST 5: huge, negative and odd numbers in time claims
--- ws_client
reasons(map { raw($_) } '{"exp":1e400}', '{"exp":-1}', '{"exp":1e20}',
        '{"exp":253402300800}',
        '{"exp":99999999999999999999999999999999999999999999999999999999}',
        '{"nbf":-1e400}', '{"iat":-0.5}', '{"exp":' . ('9' x 5000) . '}')
--- ws_expect
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "exp"
401 token Bearer error="invalid_token": wrongly typed claim "nbf"
401 token Bearer error="invalid_token": wrongly typed claim "iat"
401 token Bearer error="invalid_token": wrongly typed claim "exp"



=== TEST 6: times at the edges that are valid
--- ws_client
CORE::join "\n", map { try_token('/ws', raw($_)) }
    '{"exp":253402300799}', '{"exp":{now+60}.999}', '{"exp":1e10}',
    '{"nbf":0,"iat":0}', '{"nbf":{now-1}.5}', '{"exp":{now+60},"other":1e400}',
    '{"iat":1e-400}'
--- ws_expect
101 ok
101 ok
101 ok
101 ok
101 ok
101 ok
101 ok



=== TEST 7: fractional times are rounded the strict way
--- ws_client
reasons(map { raw($_) } '{"exp":{now}.9}', '{"nbf":{now+1}.1}')
--- ws_expect
401 token Bearer error="invalid_token": token expired
401 token Bearer error="invalid_token": token not yet valid



=== TEST 8: deep nesting is refused, not recursed into
--- ws_client
reasons(raw('{"a":' . ('[' x 40) . (']' x 40) . '}'),
        raw('{"a":' . ('[' x 2800) . (']' x 2800) . '}'),
        mint('HS256', 'hmac.jwks', '{"sub":"a"}', '{"x":' . ('{"y":' x 40) . '1' . ('}' x 40) . '}'))
--- ws_expect
401 token Bearer error="invalid_token": JSON nested too deeply
401 token Bearer error="invalid_token": JSON nested too deeply
401 token Bearer error="invalid_token": JSON nested too deeply



=== TEST 9: the 8 KiB limit: the longest token that fits passes, one byte more does not
--- ws_client
my $pad = sub { raw('{"pad":"' . ('x' x shift) . '"}') };
my $n = 6060;
$n++ while length($pad->($n + 1)) <= 8192;
my ($fit, $over) = ($pad->($n), $pad->($n + 1));
CORE::join "\n", 'lengths: ' . (length($fit) > 8188 && length($fit) <= 8192 ? 'fit' : 'off')
    . ' ' . (length($over) > 8192 ? 'over' : 'not over'),
    try_token('/ws', $fit), reasons($over, 'A' x 60000)
--- ws_expect
lengths: fit over
101 ok
401 token Bearer error="invalid_token": token too long
401 token Bearer error="invalid_token": token too long



=== TEST 10: many members within the limit
--- ws_client
my $claims = '{' . CORE::join(',', map { "\"c$_\":$_" } 1 .. 450) . '}';
my $t = raw($claims);
(length $t <= 8192 ? 'fits' : 'too long: ' . length $t) . "\n" . try_token('/ws', $t)
--- ws_expect
fits
101 ok



=== TEST 11: nginx survives it all and still serves valid tokens
--- ws_client
my @junk = ("\x01\x02", '%00', 'e' x 3000, '.' x 5000, 'eyJ' . ('A' x 8000),
            raw('{"a":"' . ('\u0000' x 1000) . '"}'));
my @r = map { try_token('/ws', $_) } @junk;
push @r, try_token('/ws', mint('ES512', 'ec521.key', '{"sub":"a"}'));
CORE::join "\n", @r
--- ws_expect
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
401 token Bearer error="invalid_token"
101 ok
101 ok
--- no_error_log
[alert]
[crit]
[emerg]
