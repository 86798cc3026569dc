"""`soporte oauth login`: the admin signs in once as the support mailbox's user (Microsoft
365, Google) and soporte keeps the refresh token it is given; from then on it renews
its own access tokens (daemon/oauth.py). The flows are in daemon/oauth_login.py."""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import webbrowser

from daemon import oauth
from daemon.cli.common import config_from
from daemon.oauth_login import (BROWSER_WAIT_SECONDS, RedirectCatcher, browser_login, code_from_redirect,
                                exchange_code, finish_device_flow, start_device_flow)
from daemon.sections import OAuth

EXIT_SETUP = 2


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("oauth", help="sign in once to Microsoft 365 or Google (xoauth2 logins)")
    commands = group.add_subparsers(dest="oauth_command", required=True)
    p = commands.add_parser("login", help="sign in as the support mailbox's user; the refresh token "
                                          "is kept in the storage folder")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--device", action="store_true",
                     help="type a code at the provider's page, on any device ([oauth] device_url; "
                          "the default when it is set)")
    how.add_argument("--browser", action="store_true",
                     help="sign in in a browser the provider sends back to this machine ([oauth] authorize_url)")
    p.add_argument("--port", type=int, default=0,
                   help="loopback port for the browser's return, to forward with ssh -L (default: any free one)")
    p.set_defaults(handler=cmd_login)


def cmd_login(args: argparse.Namespace) -> int:
    config = config_from(args)
    cfg = config.mailbox.oauth or config.smtp.oauth
    if cfg is None:
        print('error: nothing logs in with OAuth: set auth = "xoauth2" in [mailbox] (or [smtp]) '
              "and token_url and client_id in [oauth]", file=sys.stderr)
        return EXIT_SETUP
    use_device = args.device or (not args.browser and bool(cfg.device_url))
    missing = ("device_url" if use_device and not cfg.device_url
               else "authorize_url" if not use_device and not cfg.authorize_url else "")
    if missing:
        print(f"error: set [oauth] {missing} (the provider's "
              f"{'device authorization' if use_device else 'authorization'} endpoint)", file=sys.stderr)
        return EXIT_SETUP
    secret = os.environ.get(cfg.client_secret_env, "")
    try:
        grant = _device_login(cfg, secret) if use_device else _browser_login(cfg, secret, args.port)
    except oauth.OAuthError as exc:
        print(f"error: the sign-in failed: {exc}", file=sys.stderr)
        return 1
    if not grant.refresh_token:
        print("error: the provider gave an access token but no refresh token, so soporte could not renew it: "
              "Microsoft needs offline_access in [oauth] scope", file=sys.stderr)
        return 1
    path = oauth.keep_refresh_token(cfg, grant.refresh_token)
    print(f"signed in: the refresh token is kept in {path} (readable by this user only);\n"
          "soporte uses it from its next token renewal, a running daemon within the hour.")
    if os.environ.get(cfg.refresh_token_env) is None:
        print(f"If the service's environment sets ${cfg.refresh_token_env}, remove it: a token given there "
              "wins over this one.")
    return 0


def _device_login(cfg: OAuth, secret: str) -> oauth.Grant:
    code = start_device_flow(cfg, secret, oauth.post_form, time.time())
    print(code.message or f"Open {code.verification_uri} and enter the code {code.user_code}", flush=True)
    print("Sign in as the support mailbox's user. Waiting...", flush=True)
    return finish_device_flow(cfg, secret, code, oauth.post_form)


def _browser_login(cfg: OAuth, secret: str, port: int) -> oauth.Grant:
    catcher = RedirectCatcher(port)
    try:
        login = browser_login(cfg, catcher.port)
        print("Open this address and sign in as the support mailbox's user:\n\n  " + login.url + "\n", flush=True)
        print(f"On a server, forward the port first (ssh -L {catcher.port}:127.0.0.1:{catcher.port} ...), "
              "or paste here the address the browser ends on.", flush=True)
        threading.Thread(target=_pasted_addresses, args=(catcher,), daemon=True).start()
        _open_browser(login.url)
        address = catcher.wait(BROWSER_WAIT_SECONDS)
    finally:
        catcher.close()
    if address is None:
        raise oauth.OAuthError(f"no sign-in arrived in {BROWSER_WAIT_SECONDS // 60} minutes")
    return exchange_code(cfg, secret, login, code_from_redirect(login, address), oauth.post_form, time.time())


def _pasted_addresses(catcher: RedirectCatcher) -> None:
    for line in sys.stdin:
        if "code=" in line or "error=" in line:
            catcher.offer(line)
            return


def _open_browser(url: str) -> None:
    """Only where there is a browser to open: on a bare server, Python would start a
    text-mode one inside the terminal."""
    if os.environ.get("BROWSER") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") \
            or sys.platform in ("darwin", "win32"):
        webbrowser.open(url)
