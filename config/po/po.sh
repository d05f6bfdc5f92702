#!/bin/sh
# The message catalogues' chores, for maintainers and the tests (README.md, "Languages").
# Usage, from the top of the tree:
#   sh config/po/po.sh pot FILE      the messages of the sources (_ and N_ of
#                                    daemon/, config/, codecs/) into FILE
#   sh config/po/po.sh update        regenerate config/po/loaxa.pot and merge it
#                                    into every config/po/LANG.po ('make po')
#   sh config/po/po.sh todo [LANG|FILE.po]
#                                    list, as a PO file with where each comes
#                                    from, every message of the sources that
#                                    LANG.po (default: every one) lacks, has
#                                    empty or has fuzzy; a count on stderr;
#                                    exit 1 when there is one ('make po-todo',
#                                    tests/it_i18n.sh)
set -eu
DIR=config/po
[ -d "$DIR" ] || { echo "po.sh: run me from the top of the loaxa tree" >&2; exit 2; }

# $1: the output; $2: "file" to name only the files (the committed .pot and
# .po, so that a message moving down a file does not touch them) or "full".
pot() {
	# shellcheck disable=SC2046
	xgettext --language=C --from-code=UTF-8 --keyword=_ --keyword=N_ \
	    --add-comments=TRANSLATORS: --add-location="$2" --package-name=loaxa \
	    --msgid-bugs-address="loaxa issues" --foreign-user -o "$1" \
	    $(find daemon config codecs -name '*.[ch]' | LC_ALL=C sort)
}

langs() {
	for p in "$DIR"/*.po; do
		[ -f "$p" ] && basename "$p" .po
	done
}

update() {
	pot "$DIR/loaxa.pot" file
	for l in $(langs); do
		# --previous keeps the old message beside a fuzzy guess, for the translator.
		msgmerge --quiet --previous --add-location=file -o "$tmp/$l.po" \
		    "$DIR/$l.po" "$DIR/loaxa.pot"
		msgattrib --no-obsolete -o "$DIR/$l.po" "$tmp/$l.po"
	done
}

# $1: a .po file. Prints its missing entries; returns 1 when there are some.
todo_po() {
	merged=$tmp/merged.po
	msgmerge --quiet --previous "$1" "$tmp/loaxa.pot" -o "$merged"
	msgattrib --no-obsolete --only-fuzzy "$merged" >"$tmp/fuzzy.po"
	msgattrib --no-obsolete --untranslated "$merged" >"$tmp/empty.po"
	nf=$(grep -c '^msgid ' "$tmp/fuzzy.po" || true)
	ne=$(grep -c '^msgid ' "$tmp/empty.po" || true)
	# Each file has a header entry (msgid "") when it has anything.
	[ "$nf" -gt 0 ] && nf=$((nf - 1))
	[ "$ne" -gt 0 ] && ne=$((ne - 1))
	if [ $((nf + ne)) -eq 0 ]; then
		echo "$1: every message is translated" >&2
		return 0
	fi
	msgcat --use-first "$tmp/empty.po" "$tmp/fuzzy.po"
	echo "$1: $((nf + ne)) messages to translate ($ne without a translation, $nf fuzzy)" >&2
	return 1
}

todo() {
	pot "$tmp/loaxa.pot" full
	rc=0
	for l in ${1:-$(langs)}; do
		case $l in *.po) f=$l ;; *) f=$DIR/$l.po ;; esac
		[ -f "$f" ] || { echo "po.sh: no $f" >&2; return 2; }
		todo_po "$f" || rc=1
	done
	return "$rc"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case ${1:-} in
pot)	pot "$2" file ;;
update)	update ;;
todo)	todo "${2:-}" ;;
*)	sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
