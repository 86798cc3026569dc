#!/bin/sh
# Make sure a Dovecot IMAP binary is present for the integration tests and `make demo`.
# In: nothing (Debian/Ubuntu with apt). Out: `dovecot` installed from `dovecot-imapd`.
# Never: leaves a system-wide dovecot running on ports 143/993 (the tests start their
# own throw-away instance on a free loopback port with its own config).
set -eu

PACKAGE="dovecot-imapd"

find_dovecot() {
    command -v dovecot 2>/dev/null && return 0
    for candidate in /usr/sbin/dovecot /usr/local/sbin/dovecot; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if existing="$(find_dovecot)"; then
    echo "dovecot already installed: $existing"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "error: dovecot is not installed and this script is not running as root." >&2
    echo "Install it yourself with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $PACKAGE" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; install Dovecot's IMAP server ($PACKAGE or your" >&2
    echo "distribution's equivalent) so that the 'dovecot' binary is on PATH." >&2
    exit 1
fi

# policy-rc.d exiting 101 tells invoke-rc.d "do not start services": the package's
# postinst then installs dovecot without launching a system-wide instance. An
# existing policy file is kept and restored so we never change the host's policy.
POLICY=/usr/sbin/policy-rc.d
BACKUP=""
if [ -e "$POLICY" ]; then
    BACKUP="$(mktemp)"
    cp -p "$POLICY" "$BACKUP"
fi
restore_policy() {
    if [ -n "$BACKUP" ]; then
        mv -f "$BACKUP" "$POLICY"
    else
        rm -f "$POLICY"
    fi
}
trap restore_policy EXIT
# An interrupt exits through the EXIT trap, so the policy is restored either way.
trap 'exit 130' INT TERM
printf '#!/bin/sh\nexit 101\n' > "$POLICY"
chmod 755 "$POLICY"

export DEBIAN_FRONTEND=noninteractive
if ! apt-get update; then
    echo "error: 'apt-get update' failed; check network access and apt sources." >&2
    exit 1
fi
if ! apt-get install -y --no-install-recommends "$PACKAGE"; then
    echo "error: 'apt-get install $PACKAGE' failed; see the apt output above." >&2
    exit 1
fi

# Belt and braces: if something started the system service anyway (e.g. under
# systemd, which ignores policy-rc.d on some setups), stop it by its own PID file.
PIDFILE=/run/dovecot/master.pid
if [ -s "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE")"
    if kill -0 "$pid" 2>/dev/null; then
        echo "stopping the system dovecot the package started (pid $pid)"
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            systemctl stop dovecot.service dovecot.socket 2>/dev/null || kill "$pid"
            systemctl disable dovecot.service dovecot.socket 2>/dev/null || true
        else
            kill "$pid"
        fi
    fi
fi

if ! installed="$(find_dovecot)"; then
    echo "error: $PACKAGE installed but no 'dovecot' binary was found." >&2
    exit 1
fi
echo "dovecot installed: $installed ($("$installed" --version))"
