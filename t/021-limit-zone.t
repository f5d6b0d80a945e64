# Shared-memory limit zones (ws_guard_limit_zone, ws_guard_limit): rates
# shared by a key's connections, connection counts per key at the
# handshake, given back however the request ends.  One worker here; two
# workers and reloads are in t/022-workers-reload.t.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use WSRate;
use JWTMint;
use JSON::PP ();

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $policy = $block->policy;
    $policy = '' unless defined $policy;
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    ws_guard on;
    ws_guard_origin any;
    add_header X-Result \$ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection "upgrade";
    $policy

    location /ws {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
    }

    location /raw/ {
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
    }

    location /status {
        ws_guard_status json;
    }
_EOC_
    }
});

sub WSGuard::texts { join '', map { masked_frame(payload => "m$_") } @_ }

# "STATUS RESULT" of a handshake whose connection is kept open in @open

our @open;

sub WSGuard::try_open {
    my ($path, %o) = @_;
    my $c = ws_open($path, %o);
    my ($r) = ($c->{head} || '') =~ /^X-Result: (\S+)/mi;
    push @open, $c if $c->{status} eq '101';
    ws_close($c) if $c->{status} ne '101';
    return "$c->{status}" . (defined $r ? " $r" : '');
}

sub WSGuard::close_all {
    ws_close($_) for @open;
    @open = ();
}

# the zone's count of connections, from the status handler

sub WSGuard::zone_conns {
    my ($zone) = @_;
    my (undef, undef, $body) = http_get('/status');
    my $j = eval { JSON::PP::decode_json($body) } or return 'bad json';
    return $j->{limit_zones}{$zone}{connections};
}

run_tests();

__DATA__

=== TEST 1: conn=1 per address: the second is refused with 429, $ws_guard_result limit
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my @r = (try_open('/ws'), try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
101 ok
429 limit
--- error_log
ws_guard: connection limit 1 of zone "perip" reached, status 429



=== TEST 2: the count goes down when the connection closes
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=2;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my @r = (try_open('/ws'), try_open('/ws'), try_open('/ws'));
close_all();
push @r, wait_for(sub { zone_conns('perip') == 0 }) ? 'released' : 'held';
push @r, try_open('/ws'), try_open('/ws'), try_open('/ws');
close_all();
join "\n", @r
--- ws_expect
101 ok
101 ok
429 limit
released
101 ok
101 ok
429 limit



=== TEST 3: a guard close (1008) gives the count back too
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
ws_guard_rate messages=1r/m;
--- ws_client
my $s = session(path => '/raw/sink/c3', send => [ texts(1 .. 2) ]);
my $z = wait_for(sub { zone_conns('perip') == 0 }) ? 'released' : 'held';
my $r = try_open('/ws');
close_all();
"$s\n$z\n$r"
--- ws_expect
101
close 1008 rate limit exceeded
eof
released
101 ok



=== TEST 4: a refused 101 (bad Sec-WebSocket-Accept) gives the count back
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my @r = (try_open('/raw/bad-accept'), try_open('/raw/bad-accept'));
push @r, zone_conns('perip');
push @r, try_open('/ws');
close_all();
join "\n", @r
--- ws_expect
502 upstream
502 upstream
0
101 ok



=== TEST 5: a handshake refused after the count (subprotocol) gives it back
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
ws_guard_subprotocols chat;
--- ws_client
my $h = { 'Sec-WebSocket-Protocol' => 'other' };
my @r = (try_open('/ws', headers => $h), try_open('/ws', headers => $h),
         try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
400 subprotocol
400 subprotocol
101 ok



=== TEST 6: an upstream that is down: the 502 gives the count back
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_limit zone=perip;
    location /down {
        proxy_pass http://127.0.0.1:1;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location /status { ws_guard_status; }
--- ws_client
my @r = (try_open('/down'), try_open('/down'), zone_conns('perip'));
join "\n", @r
--- ws_expect
502
502
0
--- error_log
connect() failed



=== TEST 7: ws_guard_limit_status
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
ws_guard_limit_status 503;
--- ws_client
my @r = (try_open('/ws'), try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
101 ok
503 limit



=== TEST 8: the key is a complex value: per user, and an empty key is not limited
--- http_config
    ws_guard_limit_zone $arg_user zone=peruser:1m conn=1;
--- policy
ws_guard_limit zone=peruser;
--- ws_client
my @r = (try_open('/ws?user=a'), try_open('/ws?user=a'), try_open('/ws?user=b'),
         try_open('/ws'), try_open('/ws'), try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
101 ok
429 limit
101 ok
101 ok
101 ok
101 ok



=== TEST 9: the key from a token claim ($ws_guard_jwt_claim_sub)
--- http_config
    ws_guard_limit_zone $ws_guard_jwt_claim_sub zone=persub:1m conn=1;
--- policy
ws_guard_jwt on;
ws_guard_jwt_key_file $TEST_NGINX_TOP/t/lib/jwt/all.jwks;
ws_guard_limit zone=persub;
--- ws_client
my %alice = (headers => { Authorization => 'Bearer '
                          . mint('HS256', 'hmac.jwks', '{"sub":"alice"}') });
my %bob = (headers => { Authorization => 'Bearer '
                        . mint('HS256', 'hmac.jwks', '{"sub":"bob"}') });
my @r = (try_open('/ws', %alice), try_open('/ws', %alice), try_open('/ws', %bob),
         try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
101 ok
429 limit
101 ok
401 token



=== TEST 10: dry run: over the count is logged, let through and counted
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
ws_guard_dry_run on;
--- ws_client
my @r = (try_open('/ws'), try_open('/ws'), zone_conns('perip'));
close_all();
join "\n", @r
--- ws_expect
101 ok
101 limit
2
--- error_log
ws_guard: dry run: connection limit 1 of zone "perip" reached, status 429 would be returned



=== TEST 11: a key's message rate is shared by its connections
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=rate:1m rate=1r/m;
--- policy
ws_guard_limit zone=rate burst=3;
--- ws_client
my $a = ws_open('/ws');
my $b = ws_open('/ws');
ws_send($a, texts(1, 2));
my @r = ws_read($a, 1, qr/m2/);
ws_send($b, texts(3, 4));
push @r, ws_read($b, 1, qr/m4/);
ws_send($a, texts(5));
push @r, ws_read($a, 1);
ws_send($b, masked_frame(opcode => 9, payload => 'b alive'));
push @r, ws_read($b, 0.5);
ws_close($a); ws_close($b);
join "\n", @r
--- ws_expect
text m1
text m2
text m3
text m4
close 1008 rate limit exceeded
eof
pong b alive
--- error_log
ws_guard: client message rate exceeded (zone "rate"), closing with 1008



=== TEST 12: different keys have their own buckets
--- http_config
    ws_guard_limit_zone $arg_user zone=rate:1m rate=1r/m;
--- policy
ws_guard_limit zone=rate burst=1;
--- ws_client
my $a = ws_open('/ws?user=a');
my $b = ws_open('/ws?user=b');
ws_send($a, texts(1, 2));
my @r = ws_read($a, 1, qr/m2/);
ws_send($b, texts(3, 4));
push @r, ws_read($b, 1, qr/m4/);
ws_close($a); ws_close($b);
join "\n", @r
--- ws_expect
text m1
text m2
text m3
text m4



=== TEST 13: a key's buckets outlive its connections (reconnecting is no reset)
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=rate:1m rate=1r/m;
--- policy
ws_guard_limit zone=rate burst=1;
--- ws_client
my $s1 = session(path => '/ws', send => [ texts(1, 2) ]);
my $s2 = session(path => '/raw/sink/again', send => [ texts(3) ]);
"$s1\n--\n$s2"
--- ws_expect
101
text m1
text m2
--
101
close 1008 rate limit exceeded
eof



=== TEST 14: a shared byte rate, with drop
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=bytes:1m bytes=1k/s;
--- policy
ws_guard_limit zone=bytes;
ws_guard_limit_action drop;
--- ws_client
my $a = ws_open('/raw/sink/ba');
my $b = ws_open('/raw/sink/bb');
ws_send($a, masked_frame(opcode => 2, payload => 'a' x 800));
ws_read($a, 0.1);
ws_send($b, masked_frame(opcode => 2, payload => 'b' x 800));
ws_read($b, 0.1);
ws_close($a); ws_close($b);
upstream_received('/sink/ba', 1) . "\n--\n" . upstream_received('/sink/bb', 1)
--- ws_expect
binary 800 bytes (masked)
closed
--
closed
--- error_log
ws_guard: client byte rate exceeded (zone "bytes"), message dropped



=== TEST 15: direction=server through a zone
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=srv:1m rate=1r/m;
--- policy
ws_guard_limit zone=srv burst=1 direction=server;
--- ws_client
my $hex = unpack('H*', join '', map { frame(payload => "s$_") } 1 .. 3);
session(path => "/raw/send/$hex/z")
--- ws_expect
101
text s1
text s2
close 1008 rate limit exceeded
eof
--- error_log
ws_guard: upstream message rate exceeded (zone "srv"), closing with 1008



=== TEST 16: delay through a zone: two connections of one key share the pace
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=pace:1m rate=10r/s;
--- policy
ws_guard_limit zone=pace burst=0;
ws_guard_limit_action delay;
--- ws_client
my $a = ws_open('/ws');
my $b = ws_open('/ws');
my $t0 = Time::HiRes::time();
ws_send($a, texts(1 .. 5));
ws_send($b, texts(6 .. 10));
my $ra = ws_read($a, 3, qr/m5/);
my $rb = ws_read($b, 3, qr/m10/);
my $dt = Time::HiRes::time() - $t0;
ws_close($a); ws_close($b);
# 10 messages of one key at 10/s: 0.9 s at least
join("\n", $ra, $rb) . "\n" . ($dt >= 0.8 ? "paced" : "too fast: $dt")
--- ws_expect
text m1
text m2
text m3
text m4
text m5
text m6
text m7
text m8
text m9
text m10
paced



=== TEST 17: several zones in one location, conn from one, rate from the other
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=c:1m conn=5;
    ws_guard_limit_zone $arg_user zone=r:1m rate=1r/m;
--- policy
ws_guard_limit zone=c;
ws_guard_limit zone=r burst=1;
--- ws_client
session(path => '/raw/sink/two?user=x', send => [ texts(1 .. 3) ])
. "\n" . upstream_received('/sink/two?user=x', 1)
--- ws_expect
101
close 1008 rate limit exceeded
eof
text m1 (masked)
text m2 (masked)
close 1008 rate limit exceeded (masked)
closed



=== TEST 18: a refused message is charged nowhere (the second zone refuses, the first gives back)
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=a:1m rate=1r/m;
    ws_guard_limit_zone $arg_c zone=b:1m rate=1r/m;
--- policy
ws_guard_limit zone=a burst=2;
ws_guard_limit zone=b;
ws_guard_limit_action drop;
--- ws_client
my $s1 = session(path => '/raw/sink/r?c=1', send => [ texts(1 .. 4) ]);
my $s2 = session(path => '/raw/sink/r?c=2', send => [ texts(5 .. 8) ]);
upstream_received('/sink/r?c=1', 1) . "\n--\n" . upstream_received('/sink/r?c=2', 1)
--- ws_expect
text m1 (masked)
closed
--
text m5 (masked)
closed



=== TEST 19: a full zone refuses with the limit status and an alert
--- http_config
    ws_guard_limit_zone $http_x_key zone=tiny:32k conn=100;
--- policy
ws_guard_limit zone=tiny;
--- ws_client
my @r;
for my $i (1 .. 12) {
    push @r, try_open('/ws', headers => { 'X-Key' => ('k' x 3000) . $i });
}
my $full = grep { $_ eq '429 limit' } @r;
my $ok = grep { /^101/ } @r;
close_all();
wait_for(sub { zone_conns('tiny') == 0 });
my $again = try_open('/ws', headers => { 'X-Key' => 'x' x 3000 });
close_all();
($ok >= 1 && $full >= 1 ? "filled" : "@r") . "\n$again"
--- ws_expect
filled
101 ok
--- error_log
ws_guard: limit zone "tiny" is full
no room for a key in limit zone "tiny", status 429



=== TEST 20: a location's own ws_guard_limit replaces the inherited ones
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=c1:1m conn=1;
    ws_guard_limit_zone $binary_remote_addr zone=c3:1m conn=3;
--- config
    ws_guard on;
    ws_guard_origin any;
    add_header X-Result $ws_guard_result always;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    ws_guard_limit zone=c1;
    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location /more {
        ws_guard_limit zone=c3;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- ws_client
my @r = (try_open('/more'), try_open('/more'), try_open('/more'), try_open('/more'),
         try_open('/ws'), try_open('/ws'));
close_all();
join "\n", @r
--- ws_expect
101 ok
101 ok
101 ok
429 limit
101 ok
429 limit



=== TEST 21: requests without Upgrade are not counted
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my $c = try_open('/ws');
my @r = ($c, (http_get('/status'))[0], zone_conns('perip'));
close_all();
join "\n", @r
--- ws_expect
101 ok
200
1



=== TEST 22: an internal redirect after the count (try_files) counts the request once
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- config
    ws_guard on;
    ws_guard_origin any;
    ws_guard_limit zone=perip;
    location /ws {
        try_files /nonexistent @ws;
    }
    location @ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
    location = /status { ws_guard_status; }
--- ws_client
my @r = (try_open('/ws'), zone_conns('perip'), try_open('/ws'));
close_all();
push @r, wait_for(sub { zone_conns('perip') == 0 }) ? 'released' : 'held';
join "\n", @r
--- ws_expect
101
1
429
released
