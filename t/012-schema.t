# JSON Schema per direction (directives.md section 5) through a real
# WebSocket echo server, with an independent client and hand-built frames.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

use_policy_blocks();

run_tests();

__DATA__

=== TEST 1: valid client messages pass and are echoed
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
ws_client('/ws', '--send', '{"type":"join","room":"lobby"}',
          '--send', '{"type":"say","room":"lobby","text":"héllo","ts":1700000000}')
--- ws_expect
open
recv {"type":"join","room":"lobby"}
recv {"type":"say","room":"lobby","text":"héllo","ts":1700000000}
closed 1000
--- no_error_log
ws_guard:



=== TEST 2: a schema violation closes with 1008, naming the pointer and keyword
(the close goes out at once: the echo of the first message is not waited for)
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
ws_client('/ws', '--send', '{"type":"say","room":"lobby"}',
          '--send', '{"type":"shout","room":"lobby"}', '--recv', 2)
--- ws_expect_like
^open\n(recv \{"type":"say","room":"lobby"\}\n)?close 1008 /type: enum$
--- error_log
ws_guard: client message violation: /type: enum, closing with 1008



=== TEST 3: malformed JSON closes with 1007
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
ws_client('/ws', '--send', '{"type":"join",', '--recv', 1)
--- ws_expect_like
^open\nclose 1007 \(root\): invalid JSON: message ends inside a value$
--- error_log
ws_guard: client message violation: (root): invalid JSON: message ends inside a value, closing with 1007



=== TEST 4: the upstream receives a close frame too, and not the bad message
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
my $c = session(path => '/raw/sink/schema1', send => [
    masked_frame(payload => '{"type":"join","room":"a"}'),
    masked_frame(payload => '{"type":"join","room":"UPPER"}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/schema1', 1)
--- ws_expect
client:
101
close 1008 /room: pattern
eof
upstream:
text {"type":"join","room":"a"} (masked)
close 1008 /room: pattern (masked)
closed



=== TEST 5: one-byte fragments are validated as one message
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
my $m = '{"type":"say","room":"r1","text":"fragmented"}';
my @c = split //, $m;
my @frames = (masked_frame(fin => 0, payload => shift @c));
push @frames, masked_frame(opcode => 0, fin => 0, payload => $_) for @c[0 .. $#c - 1];
push @frames, masked_frame(opcode => 0, payload => $c[-1]);
session(path => '/ws', send => \@frames)
--- ws_expect
101
text {"type":"say","room":"r1","text":"fragmented"}



=== TEST 6: a violation spread over one-byte fragments is found
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
my $m = '{"type":"say","room":"r1","extra":1}';
my @c = split //, $m;
my @frames = (masked_frame(fin => 0, payload => shift @c));
push @frames, masked_frame(opcode => 0, fin => 0, payload => $_) for @c[0 .. $#c - 1];
push @frames, masked_frame(opcode => 0, payload => $c[-1]);
session(path => '/ws', send => \@frames)
--- ws_expect_like
^101\nclose 1008 .*additionalProperties\neof$



=== TEST 7: server-to-client: a bad reply reaches the client as 1008
--- policy
ws_guard_schema server $TEST_NGINX_TOP/t/lib/schema/reply.json;
--- ws_client
ws_client('/ws', '--send', '{"type":"say","text":"short"}',
          '--send', '{"type":"say","text":"this text is much too long"}', '--recv', 2)
--- ws_expect
open
recv {"type":"say","text":"short"}
close 1008 /text: maxLength
--- error_log
ws_guard: upstream message violation: /text: maxLength, closing with 1008



=== TEST 8: binary messages are not validated
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
ws_client('/ws', '--send-bytes', '00ff')
--- ws_expect
open
recv-bytes 00ff
closed 1000



=== TEST 9: drop mode discards the bad message and keeps the connection
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/drop1', send => [
    masked_frame(payload => '{"type":"join","room":"a"}'),
    masked_frame(payload => '{"type":"nope","room":"a"}'),
    masked_frame(opcode => 9, payload => 'ping'),
    masked_frame(payload => '{"type":"leave","room":"a"}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/drop1', 1)
--- ws_expect
client:
101
upstream:
text {"type":"join","room":"a"} (masked)
ping ping (masked)
text {"type":"leave","room":"a"} (masked)
closed
--- error_log
ws_guard: client message violation: /type: enum, message dropped



=== TEST 10: drop mode with a fragmented bad message drops all its fragments
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/drop2', send => [
    masked_frame(fin => 0, payload => '{"type":"bad",'),
    masked_frame(opcode => 9, payload => 'between'),
    masked_frame(opcode => 0, payload => '"room":"a"}'),
    masked_frame(payload => '{"type":"join","room":"b"}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/drop2', 1)
--- ws_expect
client:
101
upstream:
ping between (masked)
text {"type":"join","room":"b"} (masked)
closed



=== TEST 11: drop mode: a message whose start already went on closes instead
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/drop3', delay => 0.2, send => [
    masked_frame(fin => 0, payload => '{"type":"join",'),
    masked_frame(opcode => 0, payload => '"room":"a","x":1}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/drop3', 1)
--- ws_expect
client:
101
close 1008 /x: additionalProperties
eof
upstream:
text {"type":"join", (masked) (not final)
close 1008 /x: additionalProperties (masked)
closed



=== TEST 12: ws_guard_json_max_depth
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/reply.json;
ws_guard_json_max_depth 2;
--- ws_client
ws_client('/ws', '--send', '{"type":"say","a":{"b":{"c":1}}}', '--recv', 1)
--- ws_expect
open
close 1008 /a/b: nesting too deep



=== TEST 13: dry run logs a violation and passes the message
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_dry_run on;
--- ws_client
ws_client('/ws', '--send', '{"type":"shout","room":"lobby"}')
--- ws_expect
open
recv {"type":"shout","room":"lobby"}
closed 1000
--- error_log
ws_guard: dry run: client message violation: /type: enum, close 1008 would be sent



=== TEST 14: a schema with an unsupported keyword stops nginx
--- config
    location /ws { ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/bad-keyword.json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid schema file ".*bad-keyword\.json": unsupported keyword "unevaluatedProperties" at \/properties\/a/



=== TEST 15: a malformed schema stops nginx
--- config
    location /ws { ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/malformed.json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid schema file ".*malformed\.json"/



=== TEST 16: a missing schema file stops nginx
--- config
    location /ws { ws_guard_schema server /nonexistent/schema.json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*open\(\) "\/nonexistent\/schema\.json" failed/



=== TEST 17: a direction other than client or server
--- config
    location /ws { ws_guard_schema both $TEST_NGINX_TOP/t/lib/schema/chat.json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "both": "client" or "server" expected/



=== TEST 18: buffer mode: nothing of a held message is seen before it passed
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_inspect buffer;
--- ws_client
my $c = session(path => '/raw/sink/buf2', delay => 0.3, wait => 0.2, send => [
    masked_frame(fin => 0, payload => '{"type":"join",'),
    masked_frame(opcode => 0, payload => '"room":"a"}') ]);
my @l = split /\n/, upstream_received('/sink/buf2', 1);
join "\n", @l
--- ws_expect
text {"type":"join", (masked) (not final)
cont 22726f6f6d223a2261227d (masked)
closed



=== TEST 19: buffer mode with drop: a bad fragmented message never reaches the upstream
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_inspect buffer;
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/buf3', delay => 0.15, send => [
    masked_frame(fin => 0, payload => '{"type":"join",'),
    masked_frame(opcode => 0, payload => '"room":"a","x":1}'),
    masked_frame(payload => '{"type":"leave","room":"a"}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/buf3', 1)
--- ws_expect
client:
101
upstream:
text {"type":"leave","room":"a"} (masked)
closed
--- error_log
ws_guard: client message violation: /x: additionalProperties, message dropped



=== TEST 20: buffer mode with close: the upstream gets only the close frame
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_inspect buffer;
--- ws_client
my $c = session(path => '/raw/sink/buf4', delay => 0.15, send => [
    masked_frame(fin => 0, payload => '{"type":"join",'),
    masked_frame(opcode => 0, payload => '"room":"a","x":1}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/buf4', 1)
--- ws_expect
client:
101
close 1008 /x: additionalProperties
eof
upstream:
close 1008 /x: additionalProperties (masked)
closed



=== TEST 21: buffer mode holds a message larger than the staging buffer
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/reply.json;
ws_guard_inspect buffer;
--- ws_client
my $m = '{"type":"say","pad":[' . join(',', ('"' . ('y' x 998) . '"') x 300) . ']}';
my $c = session(path => '/raw/sink/buf5', delay => 0.1, wait => 2, send => [
    masked_frame(fin => 0, payload => substr($m, 0, 100000)),
    masked_frame(opcode => 0, fin => 0, payload => substr($m, 100000, 100000)),
    masked_frame(opcode => 0, payload => substr($m, 200000)) ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/buf5', 1)
--- ws_expect
client:
101
upstream:
text 100000 bytes (masked) (not final)
cont 100000 bytes (masked) (not final)
cont 100322 bytes (masked)
closed



=== TEST 22: with ws_guard_utf8 off the validator itself refuses a string that is not UTF-8
(with the frame check on, the validator trusts it and skips its own)
--- policy
ws_guard_utf8 off;
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
session(path => '/ws', send => [
    masked_frame(payload => qq({"type":"say","room":"r1","text":"ok"})),
    masked_frame(payload => qq({"type":"say","room":"r1","text":"\xc3\x28"})) ])
--- ws_expect_like
^101\n(text \{"type":"say","room":"r1","text":"ok"\}\n)?close 1007 /text: invalid JSON: string is not valid UTF-8\neof$
--- error_log
ws_guard: client message violation: /text: invalid JSON



=== TEST 23: with ws_guard_utf8 on the same message is refused by the frame check
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
--- ws_client
session(path => '/ws', send => [
    masked_frame(payload => qq({"type":"say","room":"r1","text":"ok"})),
    masked_frame(payload => qq({"type":"say","room":"r1","text":"\xc3\x28"})) ])
--- ws_expect_like
^101\n(text \{"type":"say","room":"r1","text":"ok"\}\n)?close 1007 invalid utf-8\neof$
--- error_log
ws_guard: client frame violation: invalid utf-8, closing with 1007



=== TEST 24: buffer mode with delay and drop: a held message delayed mid-way never goes out in part
(the byte rate delays its second fragment; the first must stay held with it)
--- policy
ws_guard_schema client $TEST_NGINX_TOP/t/lib/schema/chat.json;
ws_guard_inspect buffer;
ws_guard_violation drop;
ws_guard_rate bytes=40/s burst=1;
ws_guard_limit_action delay;
--- ws_client
my $c = session(path => '/raw/sink/buf24', wait => 3, send => [
    masked_frame(fin => 0, payload => '{"type":"join",'),
    masked_frame(opcode => 0, payload => '"room":"a","x":1' . (' ' x 30) . '}'),
    masked_frame(payload => '{"type":"leave","room":"a"}') ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/buf24', 1)
--- ws_expect
client:
101
upstream:
text {"type":"leave","room":"a"} (masked)
closed
--- error_log
ws_guard: client message violation: /x: additionalProperties, message dropped
--- timeout: 10
