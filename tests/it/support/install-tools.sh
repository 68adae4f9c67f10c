#!/usr/bin/env bash
# Install the Python tools the integration tests need into private virtualenvs:
# moto server, parliament and the linters (tests/requirements.txt) into venv/,
# and the aws CLI (tests/awscli-requirements.txt, which pins an older botocore
# than moto's) into awscli-venv/. Idempotent, and safe to run from several test
# processes at once: the work happens under an exclusive flock, and a stamp
# file in each venv holding the sha256 of its requirements makes later runs
# no-ops until the requirements change.
#
# Location: $PROVISION_ROLE_TEST_TOOLS if that is set, otherwise
# <repo>/target/test-tools.
set -euo pipefail

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { printf 'install-tools: error: %s\n' "$*" >&2; exit 1; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../../.." && pwd)
tools_dir=${PROVISION_ROLE_TEST_TOOLS:-$repo_root/target/test-tools}
lock="$tools_dir/.install.lock"

command -v python3 >/dev/null 2>&1 \
    || die "python3 not found on PATH; the integration tests need Python 3 (with the venv module) to run moto and parliament"
command -v flock >/dev/null 2>&1 || die "flock not found on PATH (util-linux)"

mkdir -p "$tools_dir" || die "cannot create $tools_dir"
exec 9>"$lock" || die "cannot open lock file $lock"
if ! flock -n 9; then
    log "waiting for another install into $tools_dir to finish"
    flock 9
fi

# install_venv VENV REQUIREMENTS CHECK: (re)create VENV from REQUIREMENTS unless
# its stamp matches and CHECK (a Python snippet run by the venv's interpreter)
# still passes; the check catches a venv whose python3 was removed or upgraded.
install_venv() {
    local venv=$1 requirements=$2 check=$3
    local stamp="$venv/.requirements.sha256" want
    [[ -f $requirements ]] || die "missing $requirements"
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    # Up to date: say nothing (this runs once per test binary).
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]] && "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        return 0
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
    "$venv/bin/python" -c "$check" >&2 || die "$requirements did not install what it should into $venv"
    printf '%s\n' "$want" >"$stamp"
    log "installed $requirements into $venv"
}

install_venv "$tools_dir/venv" "$repo_root/tests/requirements.txt" '
import importlib.util, sys, os
bin = os.path.dirname(sys.executable)
sys.exit(0 if importlib.util.find_spec("moto.server") and os.access(os.path.join(bin, "parliament"), os.X_OK) else 1)
'
install_venv "$tools_dir/awscli-venv" "$repo_root/tests/awscli-requirements.txt" '
import importlib.util, sys, os
bin = os.path.dirname(sys.executable)
sys.exit(0 if importlib.util.find_spec("awscli") and os.access(os.path.join(bin, "aws"), os.X_OK) else 1)
'
