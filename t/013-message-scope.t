# Per-message authorization: a client message whose JSON value at a
# pointer equals a value needs a scope in the handshake token (minted by
# PyJWT), followed as the message streams.

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
        ws_guard_jwt on;
        ws_guard_jwt_key_file \$TEST_NGINX_TOP/t/lib/jwt/all.jwks;
        ws_guard_message_scope client /action delete admin;
        ws_guard_message_scope client /action publish write;
        ws_guard_message_scope client /meta/level json:5 ops;
        $policy
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

sub token {
    my ($scope) = @_;
    return mint('HS256', 'hmac.jwks',
                '{"sub":"alice","exp":"now+600","scope":"' . $scope . '"}');
}

sub as_user {
    my ($scope, @args) = @_;
    return ws_client('/ws', '-H', 'Authorization: Bearer ' . token($scope),
                     @args);
}

run_tests();

__DATA__

=== TEST 1: messages no rule names pass; a rule's scope present passes
--- ws_client
main::as_user('read write', '--send', '{"action":"read"}',
              '--send', '{"action":"publish","text":"hi"}')
--- ws_expect
open
recv {"action":"read"}
recv {"action":"publish","text":"hi"}
closed 1000
--- no_error_log
ws_guard:



=== TEST 1a: once upgraded the token keeps of its claims only the scope the rules read
(sub and exp are named by nothing), and the rules still find it: publish
needs "write"
--- ws_client
main::as_user('read write', '--send', '{"action":"publish","text":"hi"}',
              '--send', '{"action":"read"}')
--- ws_expect
open
recv {"action":"publish","text":"hi"}
recv {"action":"read"}
closed 1000
--- error_log
ws guard token: 1 members kept
--- no_error_log
ws_guard:



=== TEST 1b: after the trim a scope the token lacks is still refused
--- ws_client
main::as_user('read write', '--send', '{"action":"delete","id":7}', '--recv', 1)
--- ws_expect
open
close 1008 insufficient scope
--- error_log
ws guard token: 1 members kept
ws_guard: client message violation: insufficient scope, closing with 1008



=== TEST 2: a rule's scope missing closes with 1008
--- ws_client
main::as_user('read write', '--send', '{"action":"delete","id":7}', '--recv', 1)
--- ws_expect
open
close 1008 insufficient scope
--- error_log
ws_guard: client message violation: insufficient scope, closing with 1008



=== TEST 3: the admin scope allows delete
--- ws_client
main::as_user('read admin', '--send', '{"id":7,"action":"delete"}')
--- ws_expect
open
recv {"id":7,"action":"delete"}
closed 1000



=== TEST 4: a JSON (non-string) rule value (5.0 equals 5)
(the close goes out at once, the echo of the first message may not come)
--- ws_client
main::as_user('read', '--send', '{"meta":{"level":4}}', '--send', '{"meta":{"level":5.0}}', '--recv', 2)
--- ws_expect_like
^open\n(recv \{"meta":\{"level":4\}\}\n)?close 1008 insufficient scope$



=== TEST 5: scp as an array
--- ws_client
ws_client('/ws', '-H', 'Authorization: Bearer '
          . mint('HS256', 'hmac.jwks', '{"sub":"bob","exp":"now+600","scp":["read","admin"]}'),
          '--send', '{"action":"delete"}')
--- ws_expect
open
recv {"action":"delete"}
closed 1000



=== TEST 6: ws_guard_message_scope_default deny refuses messages no rule names
--- policy
ws_guard_message_scope_default deny;
--- ws_client
main::as_user('admin', '--send', '{"action":"delete"}', '--send', '{"action":"chat"}', '--recv', 2)
--- ws_expect_like
^open\n(recv \{"action":"delete"\}\n)?close 1008 message not allowed$



=== TEST 7: drop mode drops the unauthorized message only
--- policy
ws_guard_violation drop;
--- ws_client
main::as_user('write', '--send', '{"action":"delete"}', '--send', '{"action":"publish"}', '--recv', 1)
--- ws_expect
open
recv {"action":"publish"}
closed 1000
--- error_log
ws_guard: client message violation: insufficient scope, message dropped



=== TEST 8: a rule on a pointer that is not "/..." stops nginx
--- config
    location /ws { ws_guard_message_scope client action delete admin; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "action": a JSON pointer starts with "\/"/



=== TEST 9: only client messages take scope rules
--- config
    location /ws { ws_guard_message_scope server /a b c; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "server": only "client" messages are authorized by scope/
