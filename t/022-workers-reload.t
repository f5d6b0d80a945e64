# Limit zones with two worker processes and across reloads: a key's
# buckets and connection count are shared by all workers, and survive
# "nginx -s reload" (HUP) while connections are open.
#
# The locations are served on a second listener with "reuseport", so that
# the kernel spreads connections over both workers; every response names
# the worker that answered (X-Worker: $pid).

use lib 't/lib';
use WSGuard 'no_plan';
use WSRate;
use JSON::PP ();

master_on();
workers(2);
no_shuffle();

$ENV{TEST_NGINX_RP_PORT} = WSGuard::free_port();

add_block_preprocessor(sub {
    my $block = shift;
    my $zones = $block->zones;
    my $policy = $block->policy;
    $policy = '' unless defined $policy;
    $block->set_value('http_config', <<"_EOC_");
    $zones

    server {
        listen 127.0.0.1:\$TEST_NGINX_RP_PORT reuseport;
        server_name rp;

        ws_guard on;
        ws_guard_origin any;
        $policy
        add_header X-Worker \$pid always;
        add_header X-Result \$ws_guard_result always;
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";

        location /ws {
            proxy_pass http://127.0.0.1:\$TEST_NGINX_ECHO_PORT;
        }

        location /raw/ {
            proxy_pass http://127.0.0.1:\$TEST_NGINX_RAW_PORT/;
        }

        location /status {
            ws_guard_status;
        }
    }
_EOC_
    $block->set_value('config', 'location /x { return 204; }')
        unless defined $block->config;
});

# helpers for the --- ws_client code, which runs in package WSGuard

{
package WSGuard;

sub rp { $ENV{TEST_NGINX_RP_PORT} }

sub texts { join '', map { masked_frame(payload => "m$_") } @_ }

sub worker_of {
    my ($c) = @_;
    my ($pid) = ($c->{head} || '') =~ /^X-Worker: (\d+)/mi;
    return $pid || 0;
}

# one open connection on each of two different workers

sub two_workers {
    my ($path) = @_;
    my %by;
    for (1 .. 40) {
        my $c = ws_open($path, port => rp());
        if ($c->{status} eq '429') {
            # a connection just closed here is not counted out yet
            select(undef, undef, undef, 0.1);
            next;
        }
        die "handshake: $c->{status}" unless $c->{status} eq '101';
        my $pid = worker_of($c);
        if ($by{$pid}) {
            ws_close($c);
        } else {
            $by{$pid} = $c;
        }
        last if keys %by == 2;
    }
    die "connections all went to one worker" unless keys %by == 2;
    return values %by;
}

sub status_json {
    my (undef, undef, $body) = http_get('/status', port => rp());
    return eval { JSON::PP::decode_json($body) } || {};
}

# HUP the master; returns once a worker of the new generation answers and
# no worker of the old one accepts any more: each has exited or taken the
# master's QUIT, which it shows in its title right before it closes its
# listening sockets (a busy old worker was seen to accept one more
# connection after a new worker had answered)

sub reload {
    my %old = map { $_ => 1 } worker_pids();
    kill 'HUP', master_pid();
    wait_for(sub {
        # not a WebSocket handshake: counted nowhere
        my (undef, $head) = http_get('/none', port => rp());
        my $pid = worker_of({ head => $head });
        return $pid && !$old{$pid};
    }, 10) or die "no new worker after reload";
    wait_for(sub {
        for my $pid (keys %old) {
            open my $fh, '<', "/proc/$pid/cmdline" or next;
            my $title = <$fh> // '';
            close $fh;
            return 0 unless $title eq '' || $title =~ /shutting down/;
        }
        return 1;
    }, 10) or die "old workers still accepting after reload";
    select(undef, undef, undef, 0.05);
    return \%old;
}
}

run_tests();

__DATA__

=== TEST 1: a key's message bucket is shared by connections on two workers
--- zones
ws_guard_limit_zone $binary_remote_addr zone=rate:1m rate=1r/m;
--- policy
ws_guard_limit zone=rate burst=3;
--- ws_client
my ($a, $b) = two_workers('/ws');
my @r = (worker_of($a) != worker_of($b) ? 'two workers' : 'one worker');
ws_send($a, texts(1, 2));
push @r, ws_read($a, 1, qr/m2/);
ws_send($b, texts(3, 4));
push @r, ws_read($b, 1, qr/m4/);
ws_send($a, texts(5));
push @r, ws_read($a, 1);
ws_send($b, texts(6));
push @r, ws_read($b, 1);
ws_close($a); ws_close($b);
join "\n", @r
--- ws_expect
two workers
text m1
text m2
text m3
text m4
close 1008 rate limit exceeded
eof
close 1008 rate limit exceeded
eof
--- error_log
ws_guard: client message rate exceeded (zone "rate"), closing with 1008



=== TEST 2: a key's connection count holds across workers
--- zones
ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my $a = ws_open('/ws', port => rp());
my $pa = worker_of($a);
my (%seen, $other);
for (1 .. 40) {
    my $c = ws_open('/ws', port => rp());
    ws_close($c);
    $seen{$c->{status}}++;
    $other = 1 if worker_of($c) != $pa;
    last if $other && $_ >= 4;
}
ws_close($a);
"first: $a->{status}\nthen: " . join(' ', sort keys %seen)
. "\nrefused by the other worker too: " . ($other ? 'yes' : 'no')
--- ws_expect
first: 101
then: 429
refused by the other worker too: yes



=== TEST 3: the count is given back on whichever worker the connection ends
--- zones
ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=2;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my ($a, $b) = two_workers('/ws');
my $c = ws_open('/ws', port => rp());
my @r = ($c->{status});
ws_close($a);
push @r, wait_for(sub { status_json()->{limit_zones}{perip}{connections} == 1 })
         ? 'one left' : 'not released';
my $d = ws_open('/ws', port => rp());
my $e = ws_open('/ws', port => rp());
push @r, $d->{status}, $e->{status};
ws_close($_) for $b, $d, $e;
push @r, wait_for(sub { status_json()->{limit_zones}{perip}{connections} == 0 })
         ? 'all released' : 'not released';
join "\n", @r
--- ws_expect
429
one left
101
429
all released



=== TEST 4: reload with a connection open: the count carries over, and goes when it ends
--- zones
ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=1;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my $a = ws_open('/raw/sink/reload', port => rp());
my $old_worker = worker_of($a);
my $b = ws_open('/ws', port => rp());
my @r = ("before: $a->{status} $b->{status}");
my $old = reload();
# the old worker sends 1001 as it shuts down, and lingers on the client
push @r, 'open: ' . ws_read($a, 3, qr/\x03\xe9/);
my $c = ws_open('/ws', port => rp());
push @r, "during: $c->{status} "
         . (($old->{worker_of($c)} || !worker_of($c)) ? 'old worker' : 'new worker');
push @r, 'counted: ' . status_json()->{limit_zones}{perip}{connections};
ws_close($a);
push @r, wait_for(sub { status_json()->{limit_zones}{perip}{connections} == 0 })
         ? 'released' : 'held';
my $d = ws_open('/ws', port => rp());
my $e = ws_open('/ws', port => rp());
push @r, "after: $d->{status} $e->{status}";
ws_close($d); ws_close($e);
join "\n", @r
--- ws_expect
before: 101 429
open: close 1001 server shutting down
during: 429 new worker
counted: 1
released
after: 101 429



=== TEST 5: reload: a key's buckets carry over
--- zones
ws_guard_limit_zone $binary_remote_addr zone=rate:1m rate=1r/m;
--- policy
ws_guard_limit zone=rate burst=1;
--- ws_client
my $a = ws_open('/ws', port => rp());
ws_send($a, texts(1, 2));
my @r = (ws_read($a, 1, qr/m2/));
ws_close($a);
reload();
my $b = ws_open('/raw/sink/after', port => rp());
ws_send($b, texts(3));
push @r, ws_read($b, 1);
ws_close($b);
join "\n", @r
--- ws_expect
text m1
text m2
close 1008 rate limit exceeded
eof



=== TEST 6: reload: the status counters carry over and add up over both workers
--- zones
ws_guard_limit_zone $binary_remote_addr zone=perip:1m conn=100;
--- policy
ws_guard_limit zone=perip;
--- ws_client
my @c = map { ws_open('/ws', port => rp()) } 1 .. 6;
my %w = map { worker_of($_) => 1 } @c;
ws_send($_, texts(1)) for @c;
ws_read($_, 1, qr/m1/) for @c;
my $j = status_json();
my @r = ("open $j->{connections}, ok $j->{handshakes}{ok}, "
         . "messages in $j->{traffic}{client}{messages}");
ws_close($_) for @c;
wait_for(sub { status_json()->{connections} == 0 });
reload();
$j = status_json();
push @r, "after reload: open $j->{connections}, ok $j->{handshakes}{ok}, "
         . "messages in $j->{traffic}{client}{messages}, closes none $j->{closes}{none}";
join "\n", @r
--- ws_expect
open 6, ok 6, messages in 6
after reload: open 0, ok 6, messages in 6, closes none 6
