use strict;
use warnings;
use Test::More tests => 3;

ok(1, 'C1121 orders page loads');
die "db fixture could not connect\n";
