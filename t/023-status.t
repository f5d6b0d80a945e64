# ws_guard_status: the counters of all workers, as JSON (parsed with
# JSON::PP) and in Prometheus' text format (parsed with the reference
# parser, python3-prometheus-client).  Two workers: whichever answers, the
# figures are the sums.

use lib 't/lib';
use WSGuard 'no_plan';
use WSRate;
use JSON::PP ();

master_on();
workers(2);
no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<'_EOC_') unless $block->http_config;
    ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=10;
    ws_guard_limit_zone $arg_user "zone=we\"ird:1m" rate=1r/m;
_EOC_
    if (!defined $block->config) {
        $block->set_value('config', <<"_EOC_");
    ws_guard_origin http://localhost;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection "upgrade";

    location /ws {
        ws_guard on;
        ws_guard_limit zone=perip;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
    }

    location /limited/ {
        ws_guard on;
        ws_guard_rate messages=1r/m;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
    }

    location /raw/ {
        ws_guard on;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
    }

    location /dry {
        ws_guard on;
        ws_guard_dry_run on;
        ws_guard_rate messages=1r/m;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
    }

    location = /status {
        ws_guard_status;
    }

    location = /status.json {
        ws_guard_status json;
    }

    location = /metrics {
        ws_guard_status prometheus;
    }
_EOC_
    }
});

# helpers for the --- ws_client code, which runs in package WSGuard

{
package WSGuard;

sub texts { join '', map { masked_frame(payload => "m$_") } @_ }

# the same traffic for both formats: one session of 3 messages echoed, one
# refused origin, one rate close, one refused 101, one dry-run session
# with an origin and a rate hit

sub traffic {
    my @r;
    push @r, session(path => '/ws', send => [ texts(1 .. 3) ]);
    push @r, session(path => '/ws', headers => { Origin => 'http://evil' });
    push @r, session(path => '/limited/sink/st', send => [ texts(1, 2) ]);
    push @r, session(path => '/raw/bad-accept');
    push @r, session(path => '/dry', headers => { Origin => 'http://evil' },
                     send => [ texts(1, 2) ]);
    # every connection counted as ended
    wait_for(sub { status()->{connections} == 0 });
    return join ' ', map { (split /\n/)[0] } @r;
}

sub status {
    my (undef, undef, $body) = http_get('/status.json');
    return eval { JSON::PP::decode_json($body) } || {};
}

}

run_tests();

__DATA__

=== TEST 1: JSON: handshakes by result, traffic by direction, violations, closes, dry run
--- ws_client
my $t = traffic();
my ($status, $head, $body) = http_get('/status');
my $j = JSON::PP::decode_json($body);
my $h = $j->{handshakes};
my $c = $j->{traffic}{client};
my $s = $j->{traffic}{server};
join "\n", "sessions: $t", "status $status",
    ($head =~ m{^Content-Type: application/json\r?$}mi ? 'json' : 'not json'),
    "open $j->{connections}",
    "handshakes: " . join(' ', map { "$_=$h->{$_}" } sort keys %$h),
    "client: frames $c->{frames} messages $c->{messages} bytes $c->{bytes}",
    "server: frames $s->{frames} messages $s->{messages} bytes $s->{bytes}",
    "violations rate $j->{violations}{rate}, others "
        . (0 + grep { $_ ne 'rate' && $j->{violations}{$_} } keys %{$j->{violations}}),
    "closes: " . join(' ', map { "$_=$j->{closes}{$_}" } sort keys %{$j->{closes}}),
    "dry run: origin $j->{dry_run}{handshakes}{origin}, "
        . "rate $j->{dry_run}{violations}{rate}",
    "zones: " . join(' ', map { "$_=$j->{limit_zones}{$_}{keys}/"
                                . "$j->{limit_zones}{$_}{connections}/"
                                . "$j->{limit_zones}{$_}{full}" }
                          sort keys %{$j->{limit_zones}})
--- ws_expect
sessions: 101 403 101 502 101
status 200
json
open 0
handshakes: handshake=0 limit=0 ok=3 origin=1 scope=0 subprotocol=0 tls=0 token=0 upstream=1 version=0
client: frames 6 messages 6 bytes 56
server: frames 5 messages 5 bytes 20
violations rate 1, others 0
closes: 1001=0 1002=0 1003=0 1007=0 1008=1 1009=0 none=2 other=0
dry run: origin 1, rate 1
zones: perip=0/0/0 we"ird=0/0/0



=== TEST 2: Prometheus: the reference parser reads it, the samples are right
--- ws_client
traffic();
my ($status, $head, $body) = http_get('/metrics');
my $p = prom_parse($body);
my @want = grep { /^family|result="(ok|origin|upstream)"|direction="client"|kind="rate"|code="(1008|none)"|zone=/ } split /\n/, $p;
join "\n", "status $status",
    ($head =~ m{^Content-Type: text/plain; version=0\.0\.4; charset=utf-8\r?$}mi
     ? 'prometheus text' : 'not prometheus text'),
    @want
--- ws_expect
status 200
prometheus text
family ws_guard_connections gauge
family ws_guard_handshakes counter
ws_guard_handshakes_total{result="ok"} 3
ws_guard_handshakes_total{result="origin"} 1
ws_guard_handshakes_total{result="upstream"} 1
family ws_guard_frames counter
ws_guard_frames_total{direction="client"} 6
family ws_guard_messages counter
ws_guard_messages_total{direction="client"} 6
family ws_guard_bytes counter
ws_guard_bytes_total{direction="client"} 56
family ws_guard_violations counter
ws_guard_violations_total{kind="rate"} 1
family ws_guard_closes counter
ws_guard_closes_total{code="none"} 2
ws_guard_closes_total{code="1008"} 1
family ws_guard_dry_run_handshakes counter
ws_guard_dry_run_handshakes_total{result="origin"} 1
ws_guard_dry_run_handshakes_total{result="upstream"} 0
family ws_guard_dry_run_violations counter
ws_guard_dry_run_violations_total{kind="rate"} 1
family ws_guard_limit_zone_keys gauge
ws_guard_limit_zone_keys{zone="perip"} 0
ws_guard_limit_zone_keys{zone="we"ird"} 0
family ws_guard_limit_zone_connections gauge
ws_guard_limit_zone_connections{zone="perip"} 0
ws_guard_limit_zone_connections{zone="we"ird"} 0
family ws_guard_limit_zone_full counter
ws_guard_limit_zone_full_total{zone="perip"} 0
ws_guard_limit_zone_full_total{zone="we"ird"} 0



=== TEST 3: Prometheus: every family has HELP and TYPE, every sample parses
--- ws_client
my (undef, undef, $body) = http_get('/metrics');
my $p = prom_parse($body);
my %help = map { $_ => 1 } $body =~ /^# HELP (\S+) /mg;
my @types = $body =~ /^# TYPE (\S+) (\S+)$/mg;
my %type = @types;
my @samples = grep { !/^#/ } split /\n/, $body;
my @bad = grep { my ($n) = /^([a-z_]+)/; !$type{$n} || !$help{$n} } @samples;
my @counters = grep { $type{$_} eq 'counter' && !/_total$/ } keys %type;
join "\n", ($p =~ /^error/ ? $p : 'parsed'),
    scalar(@samples) . ' samples',
    (@bad ? "undeclared: @bad" : 'all declared'),
    (@counters ? "counters without _total: @counters" : 'counters end in _total')
--- ws_expect_like
^parsed
\d+ samples
all declared
counters end in _total$



=== TEST 4: the open connections gauge, while they are open
--- ws_client
my @c = map { ws_open('/ws') } 1 .. 3;
my $during = status();
my (undef, undef, $m) = http_get('/metrics');
my ($g) = prom_parse($m) =~ /^ws_guard_connections\{\} (\d+)$/m;
ws_close($_) for @c;
my $after = wait_for(sub { status()->{connections} == 0 }) ? 0 : 'not 0';
"json: $during->{connections}, zone: $during->{limit_zones}{perip}{connections}\n"
. "prometheus: $g\nafter: $after"
--- ws_expect
json: 3, zone: 3
prometheus: 3
after: 0



=== TEST 5: HEAD has the headers only; other methods are not allowed
--- ws_client
my ($s1, $h1, $b1) = http_get('/status', method => 'HEAD');
my ($s2) = http_get('/metrics', method => 'POST');
"HEAD $s1 " . ($h1 =~ /^Content-Length: [1-9]/mi ? 'length' : 'no length')
. ' body ' . length($b1) . "\nPOST $s2"
--- ws_expect
HEAD 200 length body 0
POST 405



=== TEST 6: the status location needs no ws_guard, and counts nothing itself
--- ws_client
my @r;
for (1 .. 3) { push @r, (http_get('/status'))[0] }
my $j = status();
"@r " . join(',', map { $j->{handshakes}{$_} } sort keys %{$j->{handshakes}})
--- ws_expect
200 200 200 0,0,0,0,0,0,0,0,0,0



=== TEST 7: a guard close, a frame violation and a limit refusal, by reason
--- http_config
    ws_guard_limit_zone $binary_remote_addr zone=one:1m conn=1;
--- config
    ws_guard on;
    ws_guard_origin any;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    location /one {
        ws_guard_limit zone=one;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
    location = /status.json { ws_guard_status json; }
--- ws_client
my $a = ws_open('/one');
my $b = ws_open('/one');
ws_close($a); ws_close($b);
# an unmasked client frame: 1002
session(path => '/ws', send => [ frame(payload => 'x') ]);
wait_for(sub { status()->{connections} == 0 });
my $j = status();
"$a->{status} $b->{status}\nlimit $j->{handshakes}{limit}, "
. "protocol $j->{violations}{protocol}, closes 1002 $j->{closes}{1002}, "
. "none $j->{closes}{none}"
--- ws_expect
101 429
limit 1, protocol 1, closes 1002 1, none 1



=== TEST 8: bad format
--- config
    location = /status { ws_guard_status xml; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "xml"/



=== TEST 9: ws_guard_status is for locations only
--- config
    ws_guard_status;
--- must_die
--- error_log eval
qr/\[emerg\] .*"ws_guard_status" directive is not allowed here/
