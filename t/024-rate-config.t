# Configuration of rates, limit zones and the status handler: what is
# accepted, and what stops nginx with an emerg line naming what and where.

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every accepted syntax
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=a:1m rate=10r/s;
    ws_guard_limit_zone $arg_user zone=b:64k rate=600r/m bytes=64k/s conn=3;
    ws_guard_limit_zone "$arg_user:$binary_remote_addr" zone=c:1m bytes=1m/s;
    ws_guard_limit_zone $http_x_key zone=d:1m bytes=1g/m;
    ws_guard_limit_zone $arg_t zone=e:1m bytes=100/s conn=1;
    ws_guard_limit zone=a burst=5;
--- config
    ws_guard_rate messages=10r/s bytes=64k/s burst=20 direction=both;
    ws_guard_rate messages=1r/m direction=server;
    ws_guard_limit_action delay;
    ws_guard_limit_status 503;
    location /ws {
        ws_guard on;
        ws_guard_limit zone=b;
        ws_guard_limit zone=c burst=0 direction=client;
        ws_guard_limit zone=d direction=server;
        ws_guard_limit zone=e direction=both;
        ws_guard_limit_action drop;
        return 204;
    }
    location /close { ws_guard_limit_action close; return 204; }
    location /s1 { ws_guard_status; }
    location /s2 { ws_guard_status json; }
    location /s3 { ws_guard_status prometheus; }
--- request
GET /close
--- error_code: 204
--- no_error_log
[emerg]



=== TEST 2: a zone used before it is defined (further down in http)
--- http_config
    ws_guard_limit zone=later;
    ws_guard_limit_zone $binary_remote_addr zone=later:1m conn=1;
--- config
    location /t { return 204; }
--- request
GET /t
--- error_code: 204



=== TEST 3: a zone without a size
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=nosize rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid zone size "zone=nosize" in .*nginx\.conf:\d+/



=== TEST 4: a zone too small
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=small:4k rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "zone=small:4k" is too small/



=== TEST 5: a bad zone size
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=x:lots rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid zone size "zone=x:lots"/



=== TEST 6: no zone= at all
--- http_config
    ws_guard_limit_zone $binary_remote_addr rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit_zone" must have "zone" parameter/



=== TEST 7: a zone that limits nothing
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=nothing:1m;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit_zone" must have "rate", "bytes" or "conn" parameter/



=== TEST 8: bad rates
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=r:1m rate=10r/h;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "rate=10r\/h"/



=== TEST 9: a message rate without "r"
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=r:1m rate=10/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "rate=10\/s"/



=== TEST 10: a bad byte rate
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=r:1m bytes=64q/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "bytes=64q\/s"/



=== TEST 11: conn=0
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=r:1m conn=0;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "conn=0"/



=== TEST 12: an unknown parameter
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=r:1m rate=1r/s nodelay;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "nodelay"/



=== TEST 13: an unknown zone
--- config
    location /ws { ws_guard on; ws_guard_limit zone=nope; }
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown ws_guard_limit_zone "nope" in .*nginx\.conf:\d+/



=== TEST 14: ws_guard_limit_zone outside http (server)
--- config
    ws_guard_limit_zone $binary_remote_addr zone=s:1m rate=1r/s;
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit_zone" directive is not allowed here in .*nginx\.conf:\d+/



=== TEST 15: ws_guard_limit_zone outside http (location)
--- config
    location /ws { ws_guard_limit_zone $binary_remote_addr zone=l:1m rate=1r/s; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit_zone" directive is not allowed here/



=== TEST 16: one zone name, two keys
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=twice:1m rate=1r/s;
    ws_guard_limit_zone $arg_user zone=twice:1m rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*ws_guard_limit_zone "twice" is already bound to key "\$binary_remote_addr"/



=== TEST 17: a zone name taken by another module
--- http_config
    limit_req_zone $binary_remote_addr zone=shared:1m rate=1r/s;
    ws_guard_limit_zone $binary_remote_addr zone=shared:1m rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*the shared memory zone "shared" is already declared for a different use/



=== TEST 18: the counters' zone name is taken
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=ws_guard_status:1m rate=1r/s;
--- config
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_status" is already declared for a different use/



=== TEST 19: ws_guard_limit without zone=
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=z:1m rate=1r/s;
--- config
    location /ws { ws_guard_limit burst=5; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit" must have "zone" parameter/



=== TEST 20: the same zone twice at one level
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=z:1m rate=1r/s;
--- config
    location /ws { ws_guard_limit zone=z; ws_guard_limit zone=z burst=2; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_limit" directive is duplicate/



=== TEST 21: a bad direction
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=z:1m rate=1r/s;
--- config
    location /ws { ws_guard_limit zone=z direction=up; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "direction=up"/



=== TEST 22: a bad burst
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=z:1m rate=1r/s;
--- config
    location /ws { ws_guard_limit zone=z burst=-1; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "burst=-1"/



=== TEST 23: ws_guard_rate without a rate
--- config
    location /ws { ws_guard_rate burst=5; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_rate" must have "messages" or "bytes" parameter/



=== TEST 24: ws_guard_rate with a rate and no unit
--- config
    location /ws { ws_guard_rate messages=10; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "messages=10"/



=== TEST 25: ws_guard_rate with messages given as bytes
--- config
    location /ws { ws_guard_rate messages=10k/s; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "messages=10k\/s"/



=== TEST 26: ws_guard_rate with a zero rate
--- config
    location /ws { ws_guard_rate bytes=0/s; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "bytes=0\/s"/



=== TEST 27: an unknown limit action
--- config
    location /ws { ws_guard_limit_action slow; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "slow"/



=== TEST 28: a limit status out of range
--- config
    location /ws { ws_guard_limit_status 302; }
--- must_die
--- error_log eval
qr/\[emerg\] .*value must be between 400 and 599/



=== TEST 29: ws_guard_status twice in a location
--- config
    location /s { ws_guard_status; ws_guard_status json; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_status" directive is duplicate/
