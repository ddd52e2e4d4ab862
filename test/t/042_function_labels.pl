# Every function of the install script states its volatility and PARALLEL
# label explicitly (procedures have neither), as doc/STYLE asks: the catalog
# cannot tell an explicit PARALLEL UNSAFE from the default, the script can.
# Reads sql/hptune--<default_version>.sql as built by make; needs no server.
use strict;
use warnings;
use FindBin;
use Test::More;

my $root = "$FindBin::Bin/../..";
open(my $ctl, '<', "$root/hptune.control") or die "cannot read hptune.control: $!";
my ($version) = map { /^default_version\s*=\s*'([^']+)'/ ? $1 : () } <$ctl>;
close($ctl);
my $file = "$root/sql/hptune--$version.sql";
open(my $fh, '<', $file) or BAIL_OUT("cannot read $file (run make first): $!");
my $sql = do { local $/; <$fh> };
close($fh);

# split into statements at semicolons outside quotes, dollar quotes and comments
my @statements;
my $cur = '';
while (length($sql))
{
	if ($sql =~ s/\A(--[^\n]*\n?)//) { next; }
	if ($sql =~ s/\A(\$(\w*)\$.*?\$\2\$)//s) { $cur .= $1; next; }
	if ($sql =~ s/\A('(?:[^']|'')*')//s) { $cur .= $1; next; }
	if ($sql =~ s/\A;//) { push @statements, $cur; $cur = ''; next; }
	$sql =~ s/\A([^-\$';]+|.)//s;
	$cur .= $1;
}

my $functions = 0;
for my $st (@statements)
{
	next unless $st =~ /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([\w.]+)/i;
	my $name = $1;
	$functions++;
	# look at the statement without its body
	(my $head = $st) =~ s/\$(\w*)\$.*?\$\1\$/\$\$/gs;
	$head =~ s/BEGIN\s+ATOMIC.*\z//is;
	like($head, qr/\bPARALLEL\s+(SAFE|RESTRICTED|UNSAFE)\b/i, "$name has an explicit PARALLEL label");
	like($head, qr/\b(VOLATILE|STABLE|IMMUTABLE)\b/i, "$name has an explicit volatility");
}
cmp_ok($functions, '>=', 20, "found the functions of $file ($functions)");
done_testing();
