package WSGuard;

# Test helpers for ngx_ws_guard: loads the built module into Debian's nginx,
# starts the test upstreams (a real WebSocket echo server and a permissive
# raw upstream) on free loopback ports, and adds the block sections
#
#   --- ws_client        Perl code run while nginx is up; its value (a
#                        string) is compared with one of:
#   --- ws_expect        exact text (trailing white space ignored)
#   --- ws_expect_like   a regex
#
# Helpers for that code: ws_client(ARGS) runs the independent Python client;
# ws_raw(BYTES, [WAIT]) sends bytes on a new connection to nginx and returns
# what came back; frame(...) builds a frame byte by byte; handshake(...)
# builds an upgrade request.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $top;

BEGIN {
    # Test::Nginx reads these when it loads
    $top = abs_path(dirname(__FILE__) . '/../..');
    $ENV{TEST_NGINX_BINARY} ||= '/usr/sbin/nginx';
    $ENV{TEST_NGINX_LOAD_MODULES} ||=
        "$top/build/ngx_http_ws_guard_module.so";
    $ENV{TEST_NGINX_TOP} = $top;
}

use Test::Nginx::Socket ();
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes qw(sleep time);

my @helpers = qw(ws_client ws_raw frame masked_frame handshake deflate_raw
                 guarded_locations use_policy_blocks
                 raw_upstream_log wait_raw_upstream_log nginx_port
                 decode_frames describe session upstream_received);

# "use WSGuard ARGS" is "use Test::Nginx::Socket ARGS" plus the helpers.

sub import {
    my ($class, @args) = @_;
    my $caller = caller;

    eval "package $caller; Test::Nginx::Socket->import(\@args); 1"
        or die $@;

    # "--- x eval" sections are evaluated in Test::Base::Filter
    no strict 'refs';
    for my $pkg ($caller, 'Test::Base::Filter') {
        for my $h (@helpers) {
            *{"${pkg}::$h"} = \&{"WSGuard::$h"};
        }
    }
}

my @children;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Starts a test upstream and waits for its ready file, which holds the
# port it listens on: the upstreams are given port 0 and bind what the
# kernel chooses, so no other socket can take a port between its choice
# and the bind.

sub start_server {
    my ($ready, @cmd) = @_;
    unlink $ready;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        POSIX::setsid();
        exec(@cmd) or POSIX::_exit(127);
    }
    push @children, $pid;
    my $deadline = time + 10;
    while (!-e $ready) {
        die "test upstream did not start: @cmd" if time > $deadline;
        sleep 0.05;
    }
    open(my $fh, '<', $ready) or die "$ready: $!";
    my $port = <$fh>;
    close $fh;
    unlink $ready;
    die "test upstream wrote no port: @cmd"
        unless defined $port && $port =~ /^(\d+)$/ && $1 > 0;
    return $1;
}

my $tmp = "/tmp/ws_guard_test.$$";
mkdir $tmp;

$ENV{TEST_NGINX_RAW_LOG} = "$tmp/raw_upstream.log";
$ENV{TEST_NGINX_SSL_PORT} = free_port();
$ENV{TEST_NGINX_CERT} = "$tmp/cert.pem";
$ENV{TEST_NGINX_CERT_KEY} = "$tmp/key.pem";

system('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
       'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
       '-subj', '/CN=localhost', '-keyout', "$tmp/key.pem",
       '-out', "$tmp/cert.pem") == 0
    or die "cannot make a test certificate";

$ENV{TEST_NGINX_ECHO_PORT} =
    start_server("$tmp/echo.ready", '/usr/bin/python3',
                 "$top/t/lib/echo_server.py", 0, '--ready', "$tmp/echo.ready");
$ENV{TEST_NGINX_ECHO_DEFLATE_PORT} =
    start_server("$tmp/echodeflate.ready", '/usr/bin/python3',
                 "$top/t/lib/echo_server.py", 0,
                 '--ready', "$tmp/echodeflate.ready", '--deflate');
$ENV{TEST_NGINX_ECHO_TLS_PORT} =
    start_server("$tmp/echotls.ready", '/usr/bin/python3',
                 "$top/t/lib/echo_server.py", 0,
                 '--ready', "$tmp/echotls.ready",
                 '--tls', "$tmp/cert.pem", "$tmp/key.pem");
$ENV{TEST_NGINX_RAW_PORT} =
    start_server("$tmp/raw.ready", '/usr/bin/python3',
                 "$top/t/lib/raw_upstream.py", 0, $ENV{TEST_NGINX_RAW_LOG},
                 '--ready', "$tmp/raw.ready");

END {
    for my $pid (@children) {
        kill 'TERM', -$pid;
        kill 'TERM', $pid;
        waitpid($pid, 0);
    }
    system('rm', '-rf', $tmp) if defined $tmp && -d $tmp;
}

sub nginx_port {
    return $ENV{TEST_NGINX_SERVER_PORT} || Test::Nginx::Util::server_port();
}

# Runs the independent client; arguments as for t/lib/ws_client.py, with a
# path instead of a URL.

sub ws_client {
    my ($path, @args) = @_;
    # like a browser, send an Origin unless told otherwise
    if (!grep { $_ eq '--origin' || $_ eq '--no-origin' } @args) {
        push @args, '--origin', 'http://localhost';
    }
    @args = grep { $_ ne '--no-origin' } @args;
    my $url = $path =~ m{^wss?://} ? $path
              : "ws://127.0.0.1:" . nginx_port() . $path;
    open my $fh, '-|', '/usr/bin/python3', "$top/t/lib/ws_client.py",
        $url, @args or die "ws_client: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return defined $out ? $out : '';
}

# Sends raw bytes on a fresh connection and returns everything read until
# the peer closes or nothing arrives for $wait seconds (default 1).

sub ws_raw {
    my ($bytes, $wait, $port) = @_;
    $port = $ENV{TEST_NGINX_RAW_PORT} if defined $port && $port eq 'raw';
    $wait ||= 1;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port || nginx_port(),
                                  Proto => 'tcp')
        or die "connect: $!";
    binmode $s;
    my @parts = ref $bytes eq 'ARRAY' ? @$bytes : ($bytes);
    for my $p (@parts) {
        syswrite($s, $p) if length $p;
        sleep 0.05 if @parts > 1;
    }
    my $sel = IO::Select->new($s);
    my $out = '';
    while ($sel->can_read($wait)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $out .= $buf;
    }
    close $s;
    return $out;
}

# frame(opcode => 1, payload => 'x', fin => 1, rsv => 0, mask => 1,
#       key => "\x01\x02\x03\x04", len => N, len_bytes => 0|2|8)
# len and len_bytes override the encoded length for malformed frames.

sub frame {
    my %o = @_;
    my $payload = defined $o{payload} ? $o{payload} : '';
    my $fin = defined $o{fin} ? $o{fin} : 1;
    my $rsv = $o{rsv} || 0;
    my $op = defined $o{opcode} ? $o{opcode} : 1;
    my $len = defined $o{len} ? $o{len} : length $payload;
    my $lb = $o{len_bytes};
    $lb = $len < 126 ? 0 : $len < 65536 ? 2 : 8 unless defined $lb;

    my $b = chr(($fin ? 0x80 : 0) | ($rsv << 4) | $op);
    my $m = $o{mask} ? 0x80 : 0;
    if ($lb == 0) {
        $b .= chr($m | $len);
    } elsif ($lb == 2) {
        $b .= chr($m | 126) . pack('n', $len);
    } else {
        $b .= chr($m | 127) . pack('Q>', $len);
    }
    if ($o{mask}) {
        my $key = defined $o{key} ? $o{key} : "\x37\xfa\x21\x3d";
        $b .= $key;
        my @k = unpack('C4', $key);
        my @p = unpack('C*', $payload);
        $payload = pack('C*', map { $p[$_] ^ $k[$_ % 4] } 0 .. $#p);
    }
    return $b . $payload;
}

# permessage-deflate: the payload compressed as a sender does (raw deflate,
# sync flush, the trailing 00 00 ff ff removed), no context takeover

sub deflate_raw {
    my ($data) = @_;
    require Compress::Raw::Zlib;
    my ($d, $st) = Compress::Raw::Zlib::Deflate->new(
        -WindowBits => -15, -AppendOutput => 1);
    die "deflate: $st" unless $d;
    my $out = '';
    $d->deflate($data, $out) == Compress::Raw::Zlib::Z_OK() or die "deflate";
    $d->flush($out, Compress::Raw::Zlib::Z_SYNC_FLUSH()) == Compress::Raw::Zlib::Z_OK()
        or die "flush";
    $out =~ s/\x00\x00\xff\xff\z// or die "no sync flush tail";
    return $out;
}

sub masked_frame {
    return frame(mask => 1, @_);
}

# handshake(path => '/ws', headers => {...}) with the usual headers, each
# overridable (undef removes it).

sub handshake {
    my %o = @_;
    my %h = (
        'Host' => 'localhost',
        'Upgrade' => 'websocket',
        'Connection' => 'Upgrade',
        'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version' => '13',
        'Origin' => 'http://localhost',
        %{ $o{headers} || {} },
    );
    my $req = ($o{method} || 'GET') . ' ' . ($o{path} || '/ws') . ' '
              . ($o{version} || 'HTTP/1.1') . "\r\n";
    for my $k (sort keys %h) {
        next unless defined $h{$k};
        $req .= "$k: $h{$k}\r\n";
    }
    return $req . "\r\n" . ($o{body} || '');
}

# Decodes frames (unmasking masked ones); returns a list of hashes with
# fin, rsv, opcode, masked, payload; a trailing partial frame is reported as
# { partial => BYTES }.

sub decode_frames {
    my ($b) = @_;
    my @f;
    while (length $b) {
        last if length $b < 2;
        my ($b0, $b1) = unpack('CC', $b);
        my $len = $b1 & 0x7f;
        my $off = 2;
        if ($len == 126) {
            last if length $b < 4;
            $len = unpack('n', substr($b, 2, 2));
            $off = 4;
        } elsif ($len == 127) {
            last if length $b < 10;
            $len = unpack('Q>', substr($b, 2, 8));
            $off = 10;
        }
        my $masked = $b1 & 0x80;
        my $key = '';
        if ($masked) {
            last if length $b < $off + 4;
            $key = substr($b, $off, 4);
            $off += 4;
        }
        last if length $b < $off + $len;
        my $p = substr($b, $off, $len);
        if ($masked) {
            my @k = unpack('C4', $key);
            my @p = unpack('C*', $p);
            $p = pack('C*', map { $p[$_] ^ $k[$_ % 4] } 0 .. $#p);
        }
        push @f, { fin => ($b0 >> 7) & 1, rsv => ($b0 >> 4) & 7,
                   opcode => $b0 & 0xf, masked => $masked ? 1 : 0,
                   payload => $p };
        $b = substr($b, $off + $len);
    }
    push @f, { partial => $b } if length $b;
    return @f;
}

# One line per frame: "text PAYLOAD", "binary HEX" (or "binary N bytes"),
# "close CODE REASON", "ping"/"pong PAYLOAD", "cont ..." with "(masked)"
# appended for masked frames, and "partial N bytes" for an incomplete one.

sub describe {
    my ($bytes) = @_;
    my @out;
    for my $f (decode_frames($bytes)) {
        if (exists $f->{partial}) {
            push @out, 'partial ' . length($f->{partial}) . ' bytes';
            next;
        }
        my $op = $f->{opcode};
        my $p = $f->{payload};
        my $s;
        if ($op == 8) {
            if (length $p >= 2) {
                $s = 'close ' . unpack('n', $p) . ' ' . substr($p, 2);
            } else {
                $s = 'close';
            }
        } elsif ($op == 1) {
            $s = length $p > 64 ? 'text ' . length($p) . ' bytes'
                                : "text $p";
        } elsif ($op == 2 || $op == 0) {
            my $name = $op == 2 ? 'binary' : 'cont';
            $s = length $p > 32 ? "$name " . length($p) . ' bytes'
                                : "$name " . unpack('H*', $p);
        } elsif ($op == 9) {
            $s = "ping $p";
        } elsif ($op == 10) {
            $s = "pong $p";
        } else {
            $s = "opcode $op";
        }
        $s =~ s/\s+\z//;
        $s .= ' (masked)' if $f->{masked};
        $s .= ' (not final)' unless $f->{fin};
        push @out, $s;
    }
    return join("\n", @out);
}

# session(path => '/ws', headers => {...}, send => [BYTES, ...],
#         delay => SECONDS, wait => SECONDS, read_delay => SECONDS,
#         port => PORT, raw => 0|1)
# Opens a connection, sends the handshake (with the first frames in the
# same write unless delay is given), then the rest, and returns the status
# line's code and the frames received, described, and "eof" when nginx
# closed the connection.

sub session {
    my %o = @_;
    my $hs = handshake(path => $o{path} || '/ws',
                       headers => $o{headers} || {});
    my @send = @{ $o{send} || [] };
    my $wait = $o{wait} || 1;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $o{port} || nginx_port(),
                                  Proto => 'tcp')
        or die "connect: $!";
    binmode $s;
    if ($o{delay}) {
        syswrite($s, $hs);
        for my $p (@send) {
            sleep $o{delay};
            syswrite($s, $p);
        }
    } else {
        syswrite($s, $hs . join('', @send));
    }
    # a client slow to read: what is sent to it waits in the sockets
    sleep $o{read_delay} if $o{read_delay};
    my $sel = IO::Select->new($s);
    my $out = '';
    my $eof = 0;
    while ($sel->can_read($wait)) {
        my $n = sysread($s, my $buf, 65536);
        if (!$n) { $eof = 1; last; }
        $out .= $buf;
    }
    close $s;
    return $out if $o{raw};
    my ($head, $body) = split /\r\n\r\n/, $out, 2;
    $body = '' unless defined $body;
    my $status = defined $head && $head =~ /^HTTP\/1.1 (\d+)/ ? $1 : 'none';
    my $d = describe($body);
    return join("\n", $status, length $d ? $d : (), $eof ? 'eof' : ());
}

# What the raw upstream received on PATH (recording modes), described.

sub upstream_received {
    my ($path, $wait_for_close) = @_;
    my $log = $wait_for_close
              ? wait_raw_upstream_log(qr/^closed \Q$path\E$/m)
              : raw_upstream_log();
    my $bytes = '';
    while ($log =~ /^recv \Q$path\E ([0-9a-f]*)$/mg) {
        $bytes .= pack('H*', $1);
    }
    my $d = describe($bytes);
    my $closed = $log =~ /^closed \Q$path\E$/m ? 'closed' : 'open';
    return join("\n", length $d ? $d : (), $closed);
}

# The usual guarded locations: /ws to the echo server (or the one named by
# echo => 'ECHO_DEFLATE' etc.), /raw/ to the raw upstream; $policy goes into
# both.

sub guarded_locations {
    my ($policy, %o) = @_;
    $policy = '' unless defined $policy;
    my $echo = $o{echo} || 'ECHO';
    my $loc = '';
    for my $l (['/ws', "http://127.0.0.1:\$TEST_NGINX_${echo}_PORT"],
               ['/raw/', "http://127.0.0.1:\$TEST_NGINX_RAW_PORT/"])
    {
        $loc .= <<"_EOC_";
    location $l->[0] {
        ws_guard on;
        ws_guard_origin any;
        $policy
        proxy_pass $l->[1];
        proxy_http_version 1.1;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection "upgrade";
    }

_EOC_
    }
    return $loc;
}

# Blocks without --- config get guarded_locations(--- policy).

sub use_policy_blocks {
    my (%o) = @_;
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        if (!defined $block->config) {
            $block->set_value('config',
                              guarded_locations($block->policy, %o));
        }
    });
}

sub raw_upstream_log {
    open my $fh, '<', $ENV{TEST_NGINX_RAW_LOG} or return '';
    local $/;
    my $s = <$fh>;
    close $fh;
    return $s;
}

# Waits (up to 5 s) until the raw upstream's log matches the regex.

sub wait_raw_upstream_log {
    my $re = shift;
    my $deadline = time + 5;
    while (time < $deadline) {
        my $log = raw_upstream_log();
        return $log if $log =~ $re;
        sleep 0.05;
    }
    return raw_upstream_log();
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;

    if (defined $block->ws_client && !defined $block->request
        && !defined $block->raw_request)
    {
        $block->set_value('request', "GET /__ws_guard_probe\n");
        $block->set_value('error_code', 200) unless defined $block->error_code;
    }

    if (!defined $block->http_config) {
        $block->set_value('http_config', '');
    }

    my $probe = 'location = /__ws_guard_probe { return 200 "probe\n"; }';
    if (defined $block->config && $block->config !~ /__ws_guard_probe/) {
        $block->set_value('config', $block->config . "\n    $probe\n");
    }
});

Test::Nginx::Socket::add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    my $code = $block->ws_client;
    return unless defined $code;

    my $name = $block->name;
    my $out = eval "package WSGuard; $code";
    if ($@) {
        Test::More::fail("$name - ws_client died: $@");
        return;
    }
    $out = '' unless defined $out;

    if (defined $block->ws_expect) {
        my $want = $block->ws_expect;
        $out =~ s/\s+\z//;
        $want =~ s/\s+\z//;
        Test::More::is($out, $want, "$name - ws_expect");
    }
    if (defined $block->ws_expect_like) {
        my $re = $block->ws_expect_like;
        $re =~ s/\s+\z//;
        Test::More::like($out, qr/$re/s, "$name - ws_expect_like");
    }
});

1;
