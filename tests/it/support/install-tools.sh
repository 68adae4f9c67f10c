#!/usr/bin/env bash
# Install the Python tools the integration tests need (moto server, parliament)
# into a private virtualenv. Idempotent, and safe to run from several test
# processes at once: the work happens under an exclusive flock, and a stamp
# file holding the sha256 of tests/requirements.txt makes later runs no-ops
# until the requirements change.
#
# Venv location: $PROVISION_ROLE_TEST_TOOLS/venv if that is set, otherwise
# <repo>/target/test-tools/venv.
set -euo pipefail

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { printf 'install-tools: error: %s\n' "$*" >&2; exit 1; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../../.." && pwd)
requirements="$repo_root/tests/requirements.txt"
tools_dir=${PROVISION_ROLE_TEST_TOOLS:-$repo_root/target/test-tools}
venv="$tools_dir/venv"
stamp="$venv/.requirements.sha256"
lock="$tools_dir/.install.lock"

[[ -f $requirements ]] || die "missing $requirements"
command -v python3 >/dev/null 2>&1 \
    || die "python3 not found on PATH; the integration tests need Python 3 (with the venv module) to run moto and parliament"
command -v flock >/dev/null 2>&1 || die "flock not found on PATH (util-linux)"

want=$(sha256sum "$requirements" | cut -d' ' -f1)

mkdir -p "$tools_dir" || die "cannot create $tools_dir"
exec 9>"$lock" || die "cannot open lock file $lock"
if ! flock -n 9; then
    log "waiting for another install into $tools_dir to finish"
    flock 9
fi

# Cheap health check: the venv's interpreter still runs and still sees the
# packages (it breaks if the python3 it links to was removed or upgraded).
venv_healthy() {
    [[ -x $venv/bin/parliament ]] && "$venv/bin/python" -c '
import importlib.util, sys
sys.exit(0 if importlib.util.find_spec("moto") and importlib.util.find_spec("parliament") else 1)
' >/dev/null 2>&1
}

# Up to date: say nothing (this runs once per test binary).
if [[ -f $stamp && $(cat "$stamp") == "$want" ]] && venv_healthy; then
    exit 0
fi

if [[ -d $venv ]]; then
    log "requirements changed or install incomplete; recreating $venv"
    rm -rf "$venv"
fi

log "creating virtualenv $venv with $(python3 --version 2>&1)"
python3 -m venv "$venv" \
    || die "'python3 -m venv $venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"

log "installing $requirements"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2 \
    || die "pip install -r $requirements failed"

"$venv/bin/python" -c 'import moto.server' >&2 || die "moto.server is not importable after install"
[[ -x $venv/bin/parliament ]] || die "parliament is not installed in $venv"

printf '%s\n' "$want" >"$stamp"
log "installed moto and parliament into $venv"
