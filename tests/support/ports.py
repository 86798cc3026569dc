"""Free TCP ports for test servers.

In: a host to bind on. Out: a port number nobody was listening on a moment ago.
Never holds the port: the caller binds it next (aiosmtpd and Dovecot cannot be given
port 0 and report back, so a tiny race window is the price).
"""

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on `host` that the kernel considers free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
