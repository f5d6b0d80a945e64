# ws_guard_origin in every form, allowed and refused, against the permissive
# raw upstream (so only the guard can refuse).

use lib 't/lib';
use WSGuard 'no_plan';

no_shuffle();

# Each block lists origins to try, one per line, as "ORIGIN => STATUS"
# (ORIGIN may be "(none)"), and an optional Host in --- host.

sub try_origins {
    my ($block) = @_;
    my $out = '';
    for my $line (split /\n/, $block->origins) {
        next unless $line =~ /\S/;
        my ($origin) = $line =~ /^\s*(.*?)\s*=>/;
        my %h;
        $h{Origin} = $origin eq '(none)' ? undef : $origin;
        $h{Host} = $block->host if defined $block->host;
        my $r = ws_raw(handshake(path => '/ws', headers => \%h), 0.5);
        my $status = $r =~ /^HTTP\/1.1 (\d+)/ ? $1 : 'none';
        $out .= "$origin => $status\n";
    }
    return $out;
}

add_block_preprocessor(sub {
    my $block = shift;
    if (defined $block->origins) {
        my $config = <<'_EOC_';
    location /ws {
        ws_guard on;
        POLICY
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
_EOC_
        my $policy = $block->policy;
        $config =~ s/POLICY/$policy/;
        $block->set_value('config', $config);
        $block->set_value('ws_client', 'main::try_origins($block)');
        my $want = $block->origins;
        $want =~ s/^\s+//mg;
        $block->set_value('ws_expect', $want);
    }
});

run_tests();

__DATA__

=== TEST 1: default is same-origin (scheme, host and port of the request)
--- policy
--- host: app.test
--- origins
http://app.test => 101
HTTP://APP.TEST => 101
http://app.test:80 => 101
https://app.test => 403
http://app.test:8080 => 403
http://evil.test => 403
http://app.test.evil.test => 403
null => 403
(none) => 403



=== TEST 2: same-origin with an explicit port in Host
--- policy
ws_guard_origin same-origin;
--- host: App.Test:8080
--- origins
http://app.test:8080 => 101
http://app.test => 403
https://app.test:8080 => 403



=== TEST 3: an exact origin, normalized
--- policy
ws_guard_origin https://app.example.com;
--- origins
https://app.example.com => 101
https://App.Example.COM => 101
https://app.example.com:443 => 101
http://app.example.com => 403
https://app.example.com:8443 => 403
https://app.example.com.evil.net => 403
https://evilapp.example.com => 403
https://x.app.example.com => 403
https://app.example.com/ => 403
https://app.example.com/path => 403



=== TEST 4: an exact origin with a port; default ports elided in the config too
--- policy
ws_guard_origin https://app.example.com:8443 http://legacy.example.com:80;
--- origins
https://app.example.com:8443 => 101
https://app.example.com => 403
http://legacy.example.com => 101
http://legacy.example.com:80 => 101



=== TEST 5: a host wildcard matches subdomains only, never lookalikes
--- policy
ws_guard_origin https://*.example.com;
--- origins
https://app.example.com => 101
https://a.b.example.com => 101
https://APP.EXAMPLE.COM:443 => 101
https://example.com => 403
https://evilexample.com => 403
https://evil-example.com => 403
https://example.com.evil.net => 403
https://app.example.com.evil.net => 403
https://app.example.com:8443 => 403
http://app.example.com => 403
https://app.example.comx => 403



=== TEST 6: a host wildcard with a port
--- policy
ws_guard_origin https://*.example.com:8443;
--- origins
https://app.example.com:8443 => 101
https://app.example.com => 403



=== TEST 7: a regex must match the whole (normalized) origin
--- policy
ws_guard_origin ~https://(app|admin)\.example\.org;
--- origins
https://app.example.org => 101
https://admin.example.org => 101
https://APP.example.org => 101
https://app.example.org.evil.net => 403
https://evil.app.example.org => 403
https://api.example.org => 403



=== TEST 8: a caseless regex
--- policy
ws_guard_origin ~*HTTPS://APP\.EXAMPLE\.ORG(:8443)?;
--- origins
https://app.example.org => 101
https://app.example.org:8443 => 101
https://app.example.org:9443 => 403



=== TEST 9: null
--- policy
ws_guard_origin null;
--- origins
null => 101
NULL => 403
http://localhost => 403



=== TEST 10: any, with a missing Origin still denied by default
--- policy
ws_guard_origin any;
--- origins
https://anything.example => 101
null => 101
(none) => 403



=== TEST 11: ws_guard_origin_missing allow
--- policy
ws_guard_origin https://app.example.com;
ws_guard_origin_missing allow;
--- origins
(none) => 101
https://evil.example.com => 403



=== TEST 12: entries add up across directives
--- policy
ws_guard_origin https://a.example.com;
ws_guard_origin https://b.example.com ~https://c\.example\.com;
--- origins
https://a.example.com => 101
https://b.example.com => 101
https://c.example.com => 101
https://d.example.com => 403



=== TEST 13: malformed origins are refused
--- policy
ws_guard_origin any;
--- origins
app.example.com => 403
https:// => 403
https://user@app.example.com => 403
https://app.example.com:99999 => 403
https://app..example.com => 403



=== TEST 14: two Origin headers are refused
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin any;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- raw_request eval
my $h = handshake(path => '/ws');
$h =~ s/\r\n\r\n$/\r\nOrigin: https:\/\/other.example\r\n\r\n/;
$h
--- error_code: 403
--- response_headers
X-Result: origin
--- error_log
ws_guard: several Origin headers, status 403



=== TEST 15: the refusal log line names the origin
--- config
    location /ws {
        ws_guard on;
        ws_guard_origin https://app.example.com;
        add_header X-Result $ws_guard_result always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
    }
--- raw_request eval
handshake(path => '/ws', headers => { Origin => 'https://evil.example.net' })
--- error_code: 403
--- response_headers
X-Result: origin
--- error_log
ws_guard: origin "https://evil.example.net" not allowed, status 403



=== TEST 16: the guard inherits from server to location
--- config
    ws_guard on;
    ws_guard_origin https://app.example.com;

    location /ws {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }

    location /off {
        ws_guard off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAW_PORT;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
--- ws_client
my $a = ws_raw(handshake(path => '/ws', headers => { Origin => 'https://evil.example' }), 0.5);
my $b = ws_raw(handshake(path => '/off', headers => { Origin => 'https://evil.example' }), 0.5);
($a =~ /^HTTP\/1.1 (\d+)/ ? "ws $1" : 'ws none') . "\n"
. ($b =~ /^HTTP\/1.1 (\d+)/ ? "off $1" : 'off none')
--- ws_expect
ws 403
off 101
