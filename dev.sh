#!/bin/sh
# pmkb developer entry point: installs what is missing, builds, runs.
#
#   ./dev.sh serve     install dependencies, build, serve ./postmortems
#                      at http://127.0.0.1:8080
#   ./dev.sh test      install dependencies, build, run every test suite
#                      (unit, end-to-end, browser, fuzz-corpus replay),
#                      then again under AddressSanitizer + UBSan
#   ./dev.sh deps      only install the Debian packages that are missing
#   ./dev.sh build     only build (build/pmkb)
#
# Works as root or through sudo on Debian 12. Set PMKB_NO_INSTALL=1 to skip
# package installation (for machines set up by other means).
set -eu

cd "$(dirname "$0")"

# Libraries and tools the build and the tests need (Debian 12 names).
PACKAGES="build-essential meson ninja-build pkg-config python3 git
libmicrohttpd-dev libsqlite3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
libjansson-dev libsodium-dev libyaml-dev libgit2-dev libcurl4-openssl-dev
libutf8proc-dev libroaring-dev tzdata ca-certificates"
# Only the tests need these: a browser for the UI tests, clang for the
# fuzzers and sanitizers (libclang-rt-14-dev holds libFuzzer and clang's
# sanitizer runtimes; it is only a Recommends of clang-14, which
# --no-install-recommends leaves out), sqlite3 for integrity checks from
# outside, a Japanese font so that screenshots of the UI are readable,
# Xapian for the benchmark's peer (make bench; optional there), an OpenSSH
# server for the tests that follow a repository over ssh.
TEST_PACKAGES="clang libclang-rt-14-dev chromium sqlite3 fonts-ipafont-gothic
python3-xapian openssh-server"
# Node.js and npm for playwright-core: Debian's packages, unless a node and
# an npm are already on PATH (a nodesource nodejs bundles npm and conflicts
# with Debian's npm package).
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	NODE_PACKAGES=
else
	NODE_PACKAGES="nodejs npm"
fi

missing_packages() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || printf '%s ' "$p"
	done
}

install_packages() {
	[ "${PMKB_NO_INSTALL:-0}" = 1 ] && return 0
	# shellcheck disable=SC2086
	missing=$(missing_packages $*)
	[ -z "$missing" ] && return 0
	echo "dev.sh: installing $missing" >&2
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=
	else
		SUDO=sudo
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
}

build() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >&2
	fi
	ninja -C "$dir" >&2
}

case "${1:-}" in
deps)
	install_packages $PACKAGES $TEST_PACKAGES $NODE_PACKAGES
	;;
build)
	install_packages $PACKAGES
	build build
	;;
serve)
	install_packages $PACKAGES
	build build
	shift
	exec ./build/pmkb serve "$@"
	;;
test)
	install_packages $PACKAGES $TEST_PACKAGES $NODE_PACKAGES
	exec python3 tests/run_all.py
	;;
*)
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
