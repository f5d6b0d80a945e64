package JWTMint;

# Helpers for the t/010-jwt-*.t tests, on top of WSGuard.pm:
#
#   mint(ALG, KEY, CLAIMS_JSON, [HEADERS_JSON])   a token minted by PyJWT
#                                                 (t/lib/jwt/mint.py); KEY
#                                                 is a file in t/lib/jwt
#   mint_raw(ALG, KEY, PAYLOAD, [HEADERS_JSON])   the payload as given
#   b64url(BYTES)                                 base64url, no padding
#   error_log_text()                              the whole error log
#   status_of(RESPONSE)                           "HTTP/1.1 NNN" or "none"
#   header_of(RESPONSE, NAME)                     a response header's value
#   try_token(PATH, TOKEN, [HEADERS])             a raw handshake with
#                                                 "Authorization: Bearer
#                                                 TOKEN" (none if TOKEN is
#                                                 undef), summed up as
#                                                 "STATUS X-Result
#                                                 [WWW-Authenticate]"
#
# Exported into the caller, into WSGuard (where --- ws_client code runs)
# and into Test::Base::Filter (where "--- x eval" sections run).

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use MIME::Base64 ();

my $dir = abs_path(dirname(__FILE__));

my @helpers = qw(mint mint_raw b64url error_log_text status_of header_of
                 try_token);

sub import {
    my $caller = caller;
    no strict 'refs';
    for my $pkg ($caller, 'WSGuard', 'Test::Base::Filter') {
        for my $h (@helpers) {
            *{"${pkg}::$h"} = \&{"JWTMint::$h"};
        }
    }
}

sub run_mint {
    my ($alg, $key, $claims, $headers, @flags) = @_;
    $key = "$dir/$key" unless $key eq '-' || $key =~ m{^/};
    my @cmd = ('/usr/bin/python3', "$dir/mint.py", $alg, $key, $claims);
    push @cmd, $headers if defined $headers;
    push @cmd, @flags;
    open my $fh, '-|', @cmd or die "mint.py: $!";
    local $/;
    my $t = <$fh>;
    close $fh;
    die "mint.py failed: @cmd\n" if $? != 0 || !defined $t;
    $t =~ s/\s+\z//;
    return $t;
}

sub mint {
    return run_mint(@_[0 .. 2], $_[3]);
}

sub mint_raw {
    return run_mint(@_[0 .. 2], $_[3], '--raw');
}

sub b64url {
    my $s = MIME::Base64::encode_base64(shift, '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+\z//;
    return $s;
}

sub error_log_text {
    open my $fh, '<', $Test::Nginx::Util::ErrLogFile or return '';
    local $/;
    my $s = <$fh>;
    close $fh;
    return defined $s ? $s : '';
}

sub status_of {
    my $r = shift;
    return $r =~ m{^(HTTP/1\.1 \d+)} ? $1 : 'none';
}

sub header_of {
    my ($r, $name) = @_;
    my ($head) = split /\r\n\r\n/, $r, 2;
    return $head =~ /^\Q$name\E: ([^\r\n]*)/mi ? $1 : undef;
}

sub try_token {
    my ($path, $token, $headers) = @_;
    my %h = %{ $headers || {} };
    $h{Authorization} = "Bearer $token" if defined $token;
    my $r = WSGuard::ws_raw(WSGuard::handshake(path => $path,
                                               headers => \%h), 0.5);
    my $s = status_of($r);
    $s =~ s{^HTTP/1\.1 }{};
    my $res = header_of($r, 'X-Result');
    my $www = header_of($r, 'WWW-Authenticate');
    return CORE::join ' ', grep { defined } $s, $res, $www;
}

1;
