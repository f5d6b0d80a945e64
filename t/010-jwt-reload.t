# Bearer tokens (directives.md, section 3): key files are read when the
# configuration is loaded, so a reload (HUP to the master) picks up a
# changed key file.  Configuration reload needs the master process.

use lib 't/lib';
use lib 't/lib/jwt';
use WSGuard 'no_plan';
use JWTMint;

master_on();
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a reload reads the key files again
--- user_files
>>> keys.jwks
{"keys": [{"kty": "oct", "kid": "k", "k": "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQtb2xk"}]}
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        ws_guard_jwt on;
        ws_guard_jwt_key_file ../html/keys.jwks;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $file = "$Test::Nginx::Util::ServRoot/html/keys.jwks";
my $old = mint('HS256', $file, '{"sub":"a"}');
my $new_jwks = '{"keys": [{"kty": "oct", "kid": "k", "k": "bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQtbmV3"}]}';
open my $fh, '>', "$file.new" or die $!;
print $fh $new_jwks;
close $fh;
my $new = mint('HS256', "$file.new", '{"sub":"a"}');
my @r = (try_token('/ws', $old), try_token('/ws', $new));
rename "$file.new", $file or die $!;
open my $pf, '<', $Test::Nginx::Util::PidFile or die $!;
my $pid = <$pf>;
close $pf;
chomp $pid;
kill 'HUP', $pid;
# wait until the new configuration answers
for (1 .. 50) {
    last if try_token('/ws', $new) =~ /^101/;
    select undef, undef, undef, 0.1;
}
push @r, try_token('/ws', $old), try_token('/ws', $new);
CORE::join "\n", @r
--- ws_expect
101
401 Bearer error="invalid_token"
401 Bearer error="invalid_token"
101
