# Bearer tokens (directives.md, section 3): ws_guard_jwt_expiry.  When the
# token's exp (plus ws_guard_jwt_leeway) passes while the WebSocket is
# open, the guard closes it with 1008 "token expired".  Real client, real
# echo upstream; tokens minted by PyJWT a moment before they are used.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;
use Time::HiRes ();

no_shuffle();

# connects with a token expiring in $exp seconds, sends one message and
# waits for a second one that never comes; returns the client's output and
# how long it took

sub WSGuard::wait_close {
    my ($exp, $timeout, $claims) = @_;
    $claims ||= qq({"sub":"a","exp":"now+$exp"});
    my $t = mint('HS256', 'hmac.jwks', $claims);
    my $start = Time::HiRes::time();
    my $out = ws_client('/echo', '-H', "Authorization: Bearer $t",
                        '--send', 'hi', '--recv', '2',
                        '--timeout', $timeout);
    return ($out, Time::HiRes::time() - $start);
}

add_block_preprocessor(sub {
    my $block = shift;
    my $extra = defined $block->jwt_config ? $block->jwt_config : '';
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    location /echo {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file \$TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 30s;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: the connection is closed with 1008 when exp passes
(nothing names a claim here: the token itself is freed at the upgrade, its
exp kept)
--- ws_client
my ($out, $took) = wait_close(3, 9);
$out . ($took < 8 ? "in time\n" : "too late: $took\n")
--- ws_expect
open
recv hi
close 1008 token expired
in time
--- error_log
ws guard token: 0 members kept
ws_guard: token expired, closing with 1008
--- timeout: 12



=== TEST 2: the default is close; ignore keeps the connection open
--- jwt_config
ws_guard_jwt_expiry ignore;
--- ws_client
my ($out) = wait_close(2, 5);
$out
--- ws_expect
open
recv hi
timeout
--- no_error_log
token expired
--- timeout: 10



=== TEST 3: the leeway delays the close as it delays the refusal
--- jwt_config
ws_guard_jwt_leeway 4s;
--- ws_client
# exp is in whole seconds and the close timer too: without the leeway the
# close would come within about a second
my ($out, $took) = wait_close(1, 10);
$out . ($took >= 2.5 ? "after the leeway\n" : "too early: $took\n")
--- ws_expect
open
recv hi
close 1008 token expired
after the leeway
--- timeout: 15



=== TEST 4: a token without exp is never closed for it
--- ws_client
my ($out) = wait_close(0, 3, '{"sub":"a"}');
$out
--- ws_expect
open
recv hi
timeout
--- timeout: 10



=== TEST 5: dry run: the expiry is logged, the connection stays
--- jwt_config
ws_guard_dry_run on;
--- ws_client
my ($out) = wait_close(2, 5);
$out
--- ws_expect
open
recv hi
timeout
--- error_log
ws_guard: dry run: token expired
--- timeout: 10
