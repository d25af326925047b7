#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install, tested: into a staging root (DESTDIR), the file list checked
# against tests/install/files.expected, then a program outside the tree
# (tests/install/consumer) built against the installed libsyncsock through
# find_package (shared and static) and through pkg-config, and run.
#
#   tests/install/check_install.sh KDIR BUILD OUT
#
# KDIR: a kernel build tree syncsock.ko builds against; BUILD: the build
# directory (make's BUILD: its user-space tree and module are reused);
# OUT: scratch.  One line per check: "##CHECK NAME ok|not-ok DETAIL"; the
# exit status is the number of checks that failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kdir=${1:?usage: check_install.sh KDIR BUILD OUT}
build=${2:?usage: check_install.sh KDIR BUILD OUT}
out=${3:?usage: check_install.sh KDIR BUILD OUT}
root=$out/root prefix=/usr/local
rm -rf "$out"
mkdir -p "$out"
failed=0
say() {	# NAME ok|not-ok DETAIL
	echo "##CHECK $1 $2 $3"
	[ "$2" = ok ] || failed=$((failed + 1))
}

krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null)
[ -n "$krel" ] || { say files not-ok "no kernel release in $kdir"; exit 1; }
if ! make -C "$top" install DESTDIR="$root" KDIR="$kdir" BUILD="$build" PREFIX="$prefix" \
	>"$out/install.log" 2>&1; then
	tail -n 20 "$out/install.log"
	say files not-ok "make install failed: see $out/install.log"
	exit 1
fi

# Every path installed is expected, and every expected one (but "?") is there.
(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$out/files"
missing=() extra=()
# The patterns (shell globs), optional ones marked.
pats=() opts=()
while IFS= read -r pat; do
	case "$pat" in '#'* | '') continue ;; esac
	opt=
	[ "${pat#\?}" != "$pat" ] && opt=1 pat=${pat#\?}
	pats+=("${pat//@KREL@/$krel}") opts+=("$opt")
done <"$here/files.expected"
mapfile -t files <"$out/files"
for i in "${!pats[@]}"; do
	hit=
	for f in "${files[@]}"; do
		# shellcheck disable=SC2053
		[[ "$f" == ${pats[$i]} ]] && hit=1 && break
	done
	[ -n "$hit" ] || [ -n "${opts[$i]}" ] || missing+=("${pats[$i]}")
done
for f in "${files[@]}"; do
	hit=
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053
		[[ "$f" == $pat ]] && hit=1 && break
	done
	[ -n "$hit" ] || extra+=("$f")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#extra[@]} -eq 0 ]; then
	say files ok "$(wc -l <"$out/files") files under $prefix and /lib/modules/$krel"
else
	say files not-ok "missing: ${missing[*]:-none}; not expected: ${extra[*]:-none}"
fi

# find_package: a project of its own, the shared and the static library.
libdir=$root$prefix/lib
if cmake -S "$here/consumer" -B "$out/cmake" -DCMAKE_PREFIX_PATH="$root$prefix" \
	>"$out/cmake.log" 2>&1 && cmake --build "$out/cmake" >>"$out/cmake.log" 2>&1; then
	# The shared one loads the installed library; the static one none.
	d1=$(ldd "$out/cmake/consumer_shared") d2=$(ldd "$out/cmake/consumer_static")
	if r1=$(LD_LIBRARY_PATH=$libdir "$out/cmake/consumer_shared" 2>&1) &&
		r2=$("$out/cmake/consumer_static" 2>&1) &&
		[[ "$d1" == *"libsyncsock.so.0 => $libdir/"* ]] && [[ "$d2" != *libsyncsock* ]]; then
		say find-package ok "shared and static: $r1"
	else
		say find-package not-ok "the consumers ran wrong: ${r1:-} ${r2:-}; ldd: $d1"
	fi
else
	tail -n 20 "$out/cmake.log"
	say find-package not-ok "building the consumer failed: see $out/cmake.log"
fi

# The shared library's ABI: every symbol it exports is versioned SYNCSOCK_0
# and is syncsock's (the namespace, its vtables and type information), none
# of the std:: templates it instantiates (userspace/lib/syncsock.map).
so=$(readlink -f "$libdir/libsyncsock.so.0")
if syms=$(nm -D --defined-only --with-symbol-versions "$so" 2>&1); then
	n=$(awk '$2 != "A"' <<<"$syms" | wc -l)
	bad=$(awk '$2 != "A" && $3 !~ /@@SYNCSOCK_0$/ {print $3}' <<<"$syms" | c++filt | head -n 3)
	# Mangled: a name in syncsock (_ZN8syncsock, _ZNK8syncsock ...) or its
	# vtable or type information (_ZTVN8syncsock ...); demangled, a std::
	# template returning a syncsock type would look like one of ours.
	foreign=$(awk '$2 != "A" {sub(/@@.*/, "", $3); print $3}' <<<"$syms" |
		grep -Ev '^_Z(N[KRO]*|T[VIS]N)8syncsock' | c++filt | head -n 3)
	if [ "$n" -gt 20 ] && [ -z "$bad" ] && [ -z "$foreign" ]; then
		say symbols ok "$n symbols, all syncsock's, versioned SYNCSOCK_0"
	else
		say symbols not-ok "$n symbols; not versioned: ${bad:-none}; not syncsock's: ${foreign:-none}"
	fi
else
	say symbols not-ok "nm failed on $so: $syms"
fi

# pkg-config: the flags it gives (its paths are absolute: the staging root
# is the sysroot), and nothing else but C++20, which the header needs.
export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
mkdir -p "$out/pc"
if flags=$(pkg-config --cflags --libs syncsock 2>"$out/pc.log") &&
	[ "$(pkg-config --modversion syncsock)" = "$(sed -n 's/^project(syncsock VERSION \([0-9.]*\).*/\1/p' "$top/userspace/CMakeLists.txt")" ] &&
	# shellcheck disable=SC2086
	[[ $flags == *"-I$root$prefix/include"* && $flags == *"-L$libdir"* ]] &&
	c++ -std=c++20 "$here/consumer/main.cpp" $flags -o "$out/pc/consumer" >>"$out/pc.log" 2>&1; then
	if r=$(LD_LIBRARY_PATH=$libdir "$out/pc/consumer" 2>&1); then
		say pkg-config ok "pkg-config --cflags --libs syncsock: $flags"
	else
		say pkg-config not-ok "the consumer failed: $r"
	fi
else
	cat "$out/pc.log"
	say pkg-config not-ok "pkg-config or the build failed: see $out/pc.log"
fi
exit "$failed"
