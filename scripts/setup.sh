# Sourced by kiosk.sh and test.sh: make sure the system libraries and the
# project's virtual environment (.venv, with .[test,speech]) are in place.
# Idempotent; reinstalls only when pyproject.toml changed.
set -eu
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "需要 Python 3.11 或更新版本 (Python >= 3.11 is required; set PYTHON=...)" >&2
    exit 1
fi

# Kivy's wheel bundles SDL2 but needs the system's GL, EGL and mtdev.
missing=""
for lib in libGL.so.1:libgl1 libEGL.so.1:libegl1 libmtdev.so.1:libmtdev1; do
    ldconfig -p 2>/dev/null | grep -q "${lib%%:*}" || missing="$missing ${lib##*:}"
done
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing="$missing python3-venv"

# install_missing PACKAGES: Debian packages, as root; otherwise say what to install.
install_missing() {
    [ -n "$1" ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing system packages:$1" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $1 >/dev/null
    else
        echo "missing system packages:$1 — run: sudo apt-get install$1" >&2
        exit 1
    fi
}
install_missing "$missing"

stamp=.venv/.installed
want=$(cat pyproject.toml | cksum)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,speech]'
    echo "$want" > "$stamp"
fi
