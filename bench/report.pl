#!/usr/bin/perl
# Turns the raw lines of ws_load (one per run) into the benchmark's tables
# (Markdown, so they can go into docs/performance.md as they are): the
# median over the rounds of each cell and configuration, and the memory of
# idle connections.  The last line printed is the headline ratio.
#
#   report.pl --baseline NAME --headline NAME --headline-cell SIZE:CONNS:DEPTH
#             [--tuned-baseline NAME --tuned-headline NAME]
#             --order "NAME ..." results.txt
#
# With the tuned pair (plain16k and guard-policy16k: both with nginx's
# proxy_buffer_size 16k), a line before the headline gives their ratio in
# the headline's cell: the checks' cost when both move bytes alike.

use strict;
use warnings;

my (%opt, @files);

while (@ARGV) {
    my $arg = shift @ARGV;
    if ($arg =~ /^--(baseline|headline|headline-cell|order
                     |tuned-baseline|tuned-headline)$/x)
    {
        $opt{$1} = shift @ARGV;
    } else {
        push @files, $arg;
    }
}

my @order = split ' ', ($opt{order} // '');
my $base = $opt{baseline} // $order[0];
my $head = $opt{headline} // $order[-1];
my $hcell = $opt{'headline-cell'} // '1024:100:16';

my (%runs, @cells, %seen_cell, %idle, %seen_cfg);

for my $f (@files) {
    open my $fh, '<', $f or die "report: $f: $!\n";
    while (my $line = <$fh>) {
        chomp $line;
        my ($kind, @kv) = split ' ', $line;
        next unless defined $kind;
        my %v = map { split /=/, $_, 2 } @kv;

        if ($kind eq 'load') {
            my $cell = "$v{size}:$v{conns}:$v{depth}";
            push @cells, $cell unless $seen_cell{$cell}++;
            push @{ $runs{$cell}{ $v{label} } }, \%v;
        } elsif ($kind eq 'idle') {
            $idle{ $v{label} } = \%v;
        }
        $seen_cfg{ $v{label} } = 1;
    }
    close $fh;
}

@order = sort keys %seen_cfg unless @order;

sub median {
    my @s = sort { $a <=> $b } @_;
    return 0 unless @s;
    my $m = int(@s / 2);
    return @s % 2 ? $s[$m] : ($s[$m - 1] + $s[$m]) / 2;
}

sub med {
    my ($list, $key) = @_;
    return median(map { $_->{$key} } @$list);
}

# the median over rounds of the per-round ratio of $key, run k of a
# configuration against run k of the baseline: runs of one round are
# adjacent in time, so drift cancels better than in a ratio of medians

sub ratios {
    my ($list, $blist, $key) = @_;
    return () unless $list && $blist;
    my @r;
    for my $k (0 .. ($#$list < $#$blist ? $#$list : $#$blist)) {
        my $d = $blist->[$k]{$key};
        push @r, $list->[$k]{$key} / $d if $d > 0;
    }
    return @r;
}

sub ratio {
    my @r = ratios(@_);
    return @r ? median(@r) : undef;
}

sub size_name {
    my $s = shift;
    return $s % 1024 == 0 ? ($s / 1024) . ' KiB' : "$s B";
}

sub group {
    my $n = shift;
    1 while $n =~ s/^(\d+)(\d{3})/$1,$2/;
    return $n;
}

if (@cells) {
    my $rounds = 0;
    for my $c (@cells) {
        for my $n (@order) {
            my $k = scalar @{ $runs{$c}{$n} // [] };
            $rounds = $k if $k > $rounds;
        }
    }

    print "Throughput, nginx worker CPU per message and latency",
          " (median of $rounds round", ($rounds == 1 ? '' : 's'), "):\n\n";
    print "| size | conns | depth | configuration | msg/s | msg/s min–max",
          " | msg/s vs $base | worker CPU µs/msg | CPU/msg vs $base",
          " | user µs/msg | worker CPU | p50 µs | p99 µs |\n";
    print "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

    for my $c (@cells) {
        my ($size, $conns, $depth) = split /:/, $c;
        my $bl = $runs{$c}{$base};

        for my $n (@order) {
            my $r = $runs{$c}{$n} or next;
            my @rates = sort { $a <=> $b } map { $_->{rate} } @$r;
            my $rr = ratio($r, $bl, 'rate');
            my $cr = ratio($r, $bl, 'cpu_us_per_msg');
            my $user = (grep { !defined $_->{user_us_per_msg} } @$r)
                       ? '-' : sprintf '%.2f', med($r, 'user_us_per_msg');
            printf "| %s | %s | %s | %s | %s | %s–%s | %s | %.2f | %s"
                   . " | %s | %.0f%% | %.0f | %.0f |\n",
                size_name($size), group($conns), $depth, $n,
                group(sprintf '%.0f', med($r, 'rate')),
                group(sprintf '%.0f', $rates[0]),
                group(sprintf '%.0f', $rates[-1]),
                defined $rr ? sprintf('%.2f', $rr) : '-',
                med($r, 'cpu_us_per_msg'),
                defined $cr ? sprintf('%.2f', $cr) : '-',
                $user,
                med($r, 'worker_cpu_pct'),
                med($r, 'p50_us'), med($r, 'p99_us');
        }
    }

    print "\n\"vs $base\": the median over the rounds of the ratio to the",
          " $base run of the same round.  \"user\": the worker's CPU time in",
          " user space alone (nginx, the module, libraries; the rest is the",
          " kernel's), in clock ticks of 10 ms, so coarse in short runs.\n";

    print "\n";
}

if (%idle) {
    my ($any) = values %idle;
    print "Memory of the nginx worker (VmRSS) with $any->{conns} idle",
          " proxied connections:\n\n";
    print "| configuration | RSS before (KiB) | RSS idle (KiB)",
          " | KiB per idle connection",
          " | the second half alone",
          " | KiB per connection after one ", size_name($any->{size}),
          " echo |\n";
    print "|---|---:|---:|---:|---:|---:|\n";

    for my $n (@order) {
        my $v = $idle{$n} or next;
        printf "| %s | %s | %s | %.2f | %s | %.2f |\n", $n,
            group($v->{rss_before_kib}), group($v->{rss_idle_kib}),
            $v->{idle_kib_per_conn},
            defined $v->{second_half_kib_per_conn}
                ? sprintf("%.2f", $v->{second_half_kib_per_conn}) : "",
            $v->{echoed_kib_per_conn};
    }

    print "\n\"the second half alone\": the growth while the second half",
          " of the connections opened, per connection: without what the",
          " worker takes once (code paged in on first use, per-worker",
          " caches).\n";

    print "\n" if $idle{$base} && $idle{$head};

    for my $k (['idle_kib_per_conn', 'memory', ' per idle connection'],
               ['second_half_kib_per_conn', 'memory, second half alone',
                ''])
    {
        my ($key, $what, $per) = @$k;
        my ($h, $b) = ($idle{$head}, $idle{$base});

        next unless $h && $b && defined $h->{$key} && defined $b->{$key};

        printf "%s: %s %.2f KiB%s, %s %.2f KiB (+%.2f KiB guarded)\n",
            $what, $head, $h->{$key}, $per, $base, $b->{$key},
            $h->{$key} - $b->{$key};
    }

    print "\n";
}

my ($hs, $hc, $hd) = split /:/, $hcell;
my $hb = $runs{$hcell}{$base};
my $hh = $runs{$hcell}{$head};

if ($hb && $hh) {
    my @c = sort { $a <=> $b } ratios($hh, $hb, 'cpu_us_per_msg');
    printf "worker CPU per message, %s / %s at %s, %s connections, depth %s:"
           . " %.2f (the median of the per-round ratios %s)\n",
        $head, $base, size_name($hs), group($hc), $hd,
        median(@c), join(' ', map { sprintf '%.2f', $_ } @c);

    my $tb = $opt{'tuned-baseline'} && $runs{$hcell}{ $opt{'tuned-baseline'} };
    my $th = $opt{'tuned-headline'} && $runs{$hcell}{ $opt{'tuned-headline'} };

    if ($tb && $th) {
        my @t = sort { $a <=> $b } ratios($th, $tb, 'rate');
        printf "tuned: %s / %s throughput at %s, %s connections, depth %s:"
               . " %.2f (the median of the per-round ratios %s)\n",
            $opt{'tuned-headline'}, $opt{'tuned-baseline'}, size_name($hs),
            group($hc), $hd, median(@t),
            join(' ', map { sprintf '%.2f', $_ } @t);
    }

    my @r = sort { $a <=> $b } ratios($hh, $hb, 'rate');
    printf "headline: %s / %s throughput at %s, %s connections, depth %s:"
           . " %.2f (the median of the per-round ratios %s)\n",
        $head, $base, size_name($hs), group($hc), $hd,
        median(@r), join(' ', map { sprintf '%.2f', $_ } @r);
} else {
    print "headline: no runs of $head and $base at $hcell\n";
}
