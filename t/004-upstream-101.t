# The upstream's 101 is checked before it reaches the client: the accept
# key, and any subprotocol or extension it names.  The raw upstream answers
# whatever its path says, validating nothing.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        my $dry = $block->dry_run ? 'ws_guard_dry_run on;' : '';
        $block->set_value('config', <<"_EOC_");
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        $dry
        add_header X-Result \$ws_guard_result always;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /open/ {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
    }
});

sub status_of {
    my ($path, %h) = @_;
    my $r = ws_raw(handshake(path => $path, headers => \%h), 0.5);
    return $r =~ /^HTTP\/1.1 (\d+)/ ? "$1" : 'none';
}

run_tests();

__DATA__

=== TEST 1: a correct Sec-WebSocket-Accept passes
--- ws_client
main::status_of('/ws/echo')
--- ws_expect
101
--- no_error_log
ws_guard:



=== TEST 2: control: unguarded, a wrong accept key reaches the client
--- ws_client
main::status_of('/open/bad-accept')
--- ws_expect
101



=== TEST 3: a wrong Sec-WebSocket-Accept gets 502 and the upstream is closed
--- ws_client
my $s = main::status_of('/ws/bad-accept');
my $log = wait_raw_upstream_log(qr{closed /bad-accept});
"$s\n" . ($log =~ m{closed /bad-accept} ? 'upstream closed' : 'upstream open')
--- ws_expect
502
upstream closed
--- error_log
ws_guard: upstream 101 refused: Sec-WebSocket-Accept does not match, status 502



=== TEST 4: the 502 carries none of the 101's headers
--- raw_request eval
handshake(path => '/ws/bad-accept')
--- error_code: 502
--- raw_response_headers_unlike: (?i)sec-websocket-accept|upgrade
--- response_headers
X-Result: upstream



=== TEST 5: a missing Sec-WebSocket-Accept gets 502
--- ws_client
main::status_of('/ws/no-accept')
--- ws_expect
502
--- error_log
ws_guard: upstream 101 refused: 0 Sec-WebSocket-Accept headers



=== TEST 6: a subprotocol the client offered passes
--- ws_client
main::status_of('/ws/proto/chat', 'Sec-WebSocket-Protocol' => 'mqtt, chat')
--- ws_expect
101



=== TEST 7: a subprotocol the client did not offer gets 502
--- ws_client
main::status_of('/ws/proto/evil', 'Sec-WebSocket-Protocol' => 'mqtt, chat')
--- ws_expect
502
--- error_log
ws_guard: upstream 101 refused: subprotocol "evil" was not offered



=== TEST 8: a subprotocol when none was offered gets 502
--- ws_client
main::status_of('/ws/proto/chat')
--- ws_expect
502



=== TEST 9: an extension the client offered passes
--- ws_client
main::status_of('/ws/ext/x-custom', 'Sec-WebSocket-Extensions' => 'x-custom; a=1')
--- ws_expect
101



=== TEST 10: an extension the client did not offer gets 502
--- ws_client
main::status_of('/ws/ext/x-other', 'Sec-WebSocket-Extensions' => 'x-custom')
--- ws_expect
502
--- error_log
ws_guard: upstream 101 refused: extension "x-other" was not offered



=== TEST 11: permessage-deflate offered by the client but stripped by the guard gets 502
--- ws_client
main::status_of('/ws/ext/permessage-deflate', 'Sec-WebSocket-Extensions' => 'permessage-deflate')
--- ws_expect
502
--- error_log
ws_guard: upstream 101 refused: extension "permessage-deflate" was not offered



=== TEST 12: dry run: a wrong accept key is logged and passed on
--- dry_run: 1
--- ws_client
main::status_of('/ws/bad-accept')
--- ws_expect
101
--- error_log
ws_guard: dry run: upstream 101 refused: Sec-WebSocket-Accept does not match, status 502 would be returned
