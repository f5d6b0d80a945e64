# Graceful shutdown (nginx -s quit) sends 1001 both ways on guarded
# connections instead of waiting for them to end.

use lib 't/lib';
use WSGuard 'no_plan';

master_on();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: nginx shutdown sends 1001 both ways
--- config
    location /ws/ {
        ws_guard on;
        ws_guard_origin any;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT/;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => nginx_port())
    or die "connect: $!";
binmode $s;
syswrite($s, handshake(path => '/ws/sink/shutdown') . masked_frame(payload => 'hi'));
select(undef, undef, undef, 0.3);
open my $pf, '<', "$Test::Nginx::Util::ServRoot/logs/nginx.pid" or die "pid: $!";
my $pid = <$pf>; chomp $pid;
kill 'QUIT', $pid;
my $sel = IO::Select->new($s);
my $out = '';
while ($sel->can_read(3)) { my $n = sysread($s, my $b, 65536); last unless $n; $out .= $b; }
my (undef, $body) = split /\r\n\r\n/, $out, 2;
"client:\n" . describe($body) . "\nupstream:\n" . upstream_received('/sink/shutdown', 1)
--- ws_expect
client:
close 1001 server shutting down
upstream:
text hi (masked)
close 1001 server shutting down (masked)
closed
