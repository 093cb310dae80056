#!/usr/bin/perl
# make-test-mmdb.pl: writes yagura's GeoIP test database, a tiny MaxMind DB
# in the layout of GeoLite2-City, with Debian's libmaxmind-db-writer-perl.
#
# Usage: make-test-mmdb.pl OUT.mmdb
#
# The places are chosen for the tests, not looked up: the addresses of
# Wazuh's GeoIP test cases (8.8.8.8 in the US, 41.78.120.9 in Haut-Mbomou,
# 200.16.16.1 in Argentina, two Spanish regions for 2.136.x.x ...) and
# documentation ranges for yagura's own cases: 203.0.113.0/24 with every
# field, 198.51.100.0/24 with a country only, 2001:db8::/32 with a
# non-ASCII region; 192.0.2.0/24 is not in the database.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: $0 OUT.mmdb\n";

my %types = (
	country      => 'map',
	iso_code     => 'utf8_string',
	names        => 'map',
	en           => 'utf8_string',
	subdivisions => [ 'array', 'map' ],
	city         => 'map',
	location     => 'map',
	latitude     => 'double',
	longitude    => 'double',
);

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => 6,
	record_size              => 24,
	database_type            => 'yagura-test-City',
	languages                => ['en'],
	description              => { en => 'yagura GeoIP test database (synthetic)' },
	remove_reserved_networks => 0,
	alias_ipv6_to_ipv4       => 1,
	map_key_type_callback    => sub { $types{ $_[0] } },
);

sub place {
	my ($cc, $country, $region, $city, $lat, $lon) = @_;
	my %r = (country => { iso_code => $cc, names => { en => $country } });
	$r{subdivisions} = [ { names => { en => $region } } ] if defined $region;
	$r{city} = { names => { en => $city } } if defined $city;
	$r{location} = { latitude => $lat, longitude => $lon } if defined $lat;
	return \%r;
}

my @nets = (
	[ '8.8.8.0/24',      place('US', 'United States', 'California', 'Mountain View', 37.386, -122.0838) ],
	[ '41.78.120.0/24',  place('CF', 'Central African Republic', 'Haut-Mbomou', 'Obo', 5.3998, 26.4869) ],
	[ '194.69.224.0/24', place('NL', 'Netherlands', 'North Holland', 'Amsterdam', 52.3676, 4.9041) ],
	[ '200.16.16.0/24',  place('AR', 'Argentina', 'Buenos Aires F.D.', 'Buenos Aires', -34.6037, -58.3816) ],
	[ '94.80.188.0/24',  place('IT', 'Italy', 'Lombardy', 'Milan', 45.4642, 9.19) ],
	[ '2.136.147.0/24',  place('ES', 'Spain', 'Madrid', 'Madrid', 40.4168, -3.7038) ],
	[ '2.136.14.0/24',   place('ES', 'Spain', 'Catalonia', 'Barcelona', 41.3874, 2.1686) ],
	[ '203.0.113.0/24',  place('JP', 'Japan', 'Tokyo', 'Tokyo', 35.6762, 139.6503) ],
	[ '198.51.100.0/24', place('DE', 'Germany') ],
	[ '2001:db8::/32',   place('FR', 'France', "\x{ce}le-de-France", 'Paris', 48.8566, 2.3522) ],
);
$tree->insert_network(@$_) for @nets;

open(my $fh, '>:raw', "$out.tmp") or die "$out.tmp: $!\n";
$tree->write_tree($fh);
close($fh) or die "$out.tmp: $!\n";
rename("$out.tmp", $out) or die "$out: $!\n";
