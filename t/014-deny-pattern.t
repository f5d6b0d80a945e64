# ws_guard_deny_pattern: PCRE2 patterns against whole text messages in each
# direction, also when a message spans many frames and reads.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

use_policy_blocks();

run_tests();

__DATA__

=== TEST 1: HTTP tunnelled in a client message is refused with 1008
--- policy
ws_guard_deny_pattern client "^(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|CONNECT) \S+ HTTP/1\.[01]\r?\n";
--- ws_client
ws_client('/ws', '--send', 'just chatting about GET requests',
          '--send', "GET /admin HTTP/1.1\r\nHost: internal\r\n\r\n", '--recv', 2)
--- ws_expect_like
^open\n(recv just chatting about GET requests\n)?close 1008 denied pattern$
--- error_log
ws_guard: client message violation: denied pattern, closing with 1008



=== TEST 2: a pattern split across fragments and reads is found
--- policy
ws_guard_deny_pattern client "HTTP/1\.1\r\nHost:";
--- ws_client
my $c = session(path => '/raw/sink/deny2', delay => 0.05, send => [
    masked_frame(fin => 0, payload => "GET / HT"),
    masked_frame(opcode => 0, fin => 0, payload => "TP/1.1\r"),
    masked_frame(opcode => 0, payload => "\nHost: x\r\n\r\n") ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/deny2', 1)
--- ws_expect
client:
101
close 1008 denied pattern
eof
upstream:
text GET / HT (masked) (not final)
cont 54502f312e310d (masked) (not final)
close 1008 denied pattern (masked)
closed



=== TEST 3: server direction: SMTP in the upstream's messages
--- policy
ws_guard_deny_pattern server "(?im)^(?:HELO|EHLO|MAIL FROM:|RCPT TO:)";
--- ws_client
ws_client('/ws', '--send', 'hello there', '--send', "EHLO relay.example\r\n", '--recv', 2)
--- ws_expect
open
recv hello there
close 1008 denied pattern



=== TEST 4: drop mode keeps the connection
--- policy
ws_guard_deny_pattern client "(?i)\bunion\s+select\b";
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/deny4', send => [
    masked_frame(payload => "name=alice"),
    masked_frame(payload => "1 UNION  SELECT password FROM users"),
    masked_frame(payload => "name=bob") ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/deny4', 1)
--- ws_expect
client:
101
upstream:
text name=alice (masked)
text name=bob (masked)
closed
--- error_log
ws_guard: client message violation: denied pattern, message dropped



=== TEST 5: binary messages are not matched
--- policy
ws_guard_deny_pattern client "secret";
--- ws_client
ws_client('/ws', '--send-bytes', unpack('H*', 'secret'))
--- ws_expect
open
recv-bytes 736563726574
closed 1000



=== TEST 6: a bad pattern stops nginx
--- config
    location /ws { ws_guard_deny_pattern client "(unclosed"; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "\(unclosed": pcre2_compile\(\) failed/



=== TEST 7: drop mode: two matching messages in a row are both dropped
(a violation found at a message's end must leave the next message checked)
--- policy
ws_guard_deny_pattern client "(?i)\bunion\s+select\b";
ws_guard_violation drop;
--- ws_client
my $c = session(path => '/raw/sink/deny7', send => [
    masked_frame(payload => "1 UNION SELECT a FROM b"),
    masked_frame(payload => "2 UNION SELECT c FROM d"),
    masked_frame(payload => "3 union select e from f"),
    masked_frame(payload => "name=bob") ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/deny7', 1)
--- ws_expect
client:
101
upstream:
text name=bob (masked)
closed
--- grep_error_log eval
qr/message dropped/
--- grep_error_log_out
message dropped
message dropped
message dropped



=== TEST 8: dry run: each of two matching messages in a row is logged
--- policy
ws_guard_deny_pattern client "(?i)\bunion\s+select\b";
ws_guard_dry_run on;
--- ws_client
my $c = session(path => '/raw/sink/deny8', send => [
    masked_frame(payload => "1 UNION SELECT a FROM b"),
    masked_frame(payload => "2 UNION SELECT c FROM d") ]);
"client:\n$c\nupstream:\n" . upstream_received('/sink/deny8', 1)
--- ws_expect
client:
101
upstream:
text 1 UNION SELECT a FROM b (masked)
text 2 UNION SELECT c FROM d (masked)
closed
--- grep_error_log eval
qr/dry run: client message violation: denied pattern/
--- grep_error_log_out
dry run: client message violation: denied pattern
dry run: client message violation: denied pattern
