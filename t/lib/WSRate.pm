package WSRate;

# Helpers for the rate, connection count and status tests (t/02x-*.t),
# on top of WSGuard: WebSocket connections kept open across steps, plain
# HTTP requests, the master's pid, and the Prometheus parser.
#
#   my $c = ws_open('/path', headers => {...}, port => N);
#                                     # $c->{status}, $c->{head}
#   ws_send($c, masked_frame(...), ...);
#   my $d = ws_read($c, 1);      # frames received, described; "eof"
#   ws_close($c);
#   my ($status, $head, $body) = http_get('/status');
#   my $pid = master_pid();           # and worker_pids()
#   my $text = prom_parse($body);   # via prometheus_client's parser
#
# "use WSRate;" after "use WSGuard ...;" makes these callable from
# --- ws_client code (which runs in package WSGuard).

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use IPC::Open2 ();
use Time::HiRes qw(sleep time);

my @helpers = qw(ws_open ws_send ws_read ws_close http_get master_pid
                 worker_pids prom_parse wait_for);

sub import {
    no strict 'refs';
    for my $pkg ('WSGuard', scalar caller) {
        for my $h (@helpers) {
            *{"${pkg}::$h"} = \&{"WSRate::$h"};
        }
    }
}

# Opens a connection, sends the handshake and reads the response head.

sub ws_open {
    my ($path, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $o{port} || WSGuard::nginx_port(),
                                  Proto => 'tcp')
        or die "connect: $!";
    binmode $s;
    syswrite($s, WSGuard::handshake(path => $path,
                                    headers => $o{headers} || {}));
    my $c = { sock => $s, buf => '', eof => 0, status => 'none' };
    my $sel = IO::Select->new($s);
    my $deadline = time + ($o{timeout} || 5);
    while ($c->{buf} !~ /\r\n\r\n/) {
        my $left = $deadline - time;
        last if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($s, my $b, 65536);
        if (!$n) { $c->{eof} = 1; last; }
        $c->{buf} .= $b;
    }
    if ($c->{buf} =~ s/\A(.*?)\r\n\r\n//s) {
        $c->{head} = $1;
        $c->{status} = $1 if $c->{head} =~ m{^HTTP/1\.1 (\d+)};
    }
    return $c;
}

sub ws_send {
    my ($c, @frames) = @_;
    my $data = join '', @frames;
    while (length $data) {
        my $n = syswrite($c->{sock}, $data);
        return unless defined $n;
        substr($data, 0, $n) = '';
    }
}

# Reads until nothing came for $wait seconds (or end of stream), returns
# the frames received since the last call, described, and "eof".

sub ws_read {
    my ($c, $wait, $until) = @_;
    $wait ||= 1;
    my $sel = IO::Select->new($c->{sock});
    while (!$c->{eof} && $sel->can_read($wait)) {
        my $n = sysread($c->{sock}, my $b, 65536);
        if (!$n) { $c->{eof} = 1; last; }
        $c->{buf} .= $b;
        last if defined $until && $c->{buf} =~ $until;
    }
    my $d = WSGuard::describe($c->{buf});
    $c->{buf} = '';
    return join("\n", length $d ? $d : (), $c->{eof} ? 'eof' : ());
}

sub ws_close {
    my ($c) = @_;
    close $c->{sock};
}

sub http_get {
    my ($path, %o) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $o{port} || WSGuard::nginx_port(),
                                  Proto => 'tcp')
        or die "connect: $!";
    binmode $s;
    syswrite($s, ($o{method} || 'GET') . " $path HTTP/1.1\r\n"
                 . "Host: localhost\r\nConnection: close\r\n\r\n");
    my $sel = IO::Select->new($s);
    my $out = '';
    while ($sel->can_read(5)) {
        my $n = sysread($s, my $b, 65536);
        last unless $n;
        $out .= $b;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $out, 2;
    $head = '' unless defined $head;
    my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
    return ($status || 'none', $head, defined $body ? $body : '');
}

sub master_pid {
    open my $fh, '<', "$Test::Nginx::Util::ServRoot/logs/nginx.pid"
        or die "pid file: $!";
    my $pid = <$fh>;
    close $fh;
    chomp $pid;
    return $pid;
}

# The master's worker processes now (old ones still exiting included).

sub worker_pids {
    my $m = master_pid();
    my @pids;
    for my $d (glob '/proc/[0-9]*') {
        open my $fh, '<', "$d/stat" or next;
        my $st = <$fh>;
        close $fh;
        next unless defined $st && $st =~ /^(\d+) \(.*?\) \S+ (\d+)/;
        push @pids, $1 if $2 == $m;
    }
    return sort { $a <=> $b } @pids;
}

# Calls $check until it returns true or $secs (default 5) pass; returns
# its last value.

sub wait_for {
    my ($check, $secs) = @_;
    my $deadline = time + ($secs || 5);
    my $v;
    while (1) {
        $v = $check->();
        return $v if $v || time > $deadline;
        sleep 0.05;
    }
}

# Parses Prometheus text with prometheus_client's own parser
# (t/lib/prom_parse.py); returns its output, one sample per line, or
# "error: ..." when the text does not parse.

sub prom_parse {
    my ($text) = @_;
    my $pid = IPC::Open2::open2(my $out, my $in, '/usr/bin/python3',
                                "$ENV{TEST_NGINX_TOP}/t/lib/prom_parse.py");
    binmode $in;
    print $in $text;
    close $in;
    local $/;
    my $res = <$out>;
    close $out;
    waitpid($pid, 0);
    return defined $res ? $res : '';
}

1;
