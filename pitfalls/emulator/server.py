"""The emulator process: `python -m pitfalls.emulator.server --port N --token T`.

Installs our models and patches into moto first, then serves moto's WSGI app on 127.0.0.1 only,
plus `GET /_pitfalls/identity` so the controlling side can tell this process from any other.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from pitfalls.emulator.process import PORT_BUSY_EXIT

HOST = "127.0.0.1"
IDENTITY_PATH = "/_pitfalls/identity"


def _with_identity(app: Callable[..., Iterable[bytes]], token: str) -> Callable[..., Any]:
    """moto's app, plus our identity page and the services moto lacks (CodeStar Notifications)."""
    from pitfalls.emulator.services.codestarnotifications import api as notifications

    body = json.dumps({"service": "pitfalls-emulator", "pid": os.getpid(), "token": token}).encode()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == IDENTITY_PATH:
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if (notifications.signed_for(environ) or ("",))[0] == notifications.SIGNING_NAME:
            return notifications.wsgi(environ, start_response)
        return app(environ, start_response)

    return wsgi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pitfalls.emulator.server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)

    # Before anything of moto is imported: no outbound calls (moto would fetch nothing, but be sure)
    # and no Docker (functions run on the local Node: pitfalls.emulator.services.awslambda.runtime).
    os.environ.setdefault("MOTO_DOCKER_NETWORK_MODE", "none")
    # IAM knows the AWS managed policies, so attaching one that does not exist fails as in AWS.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    os.environ["MOTO_PORT"] = str(args.port)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from pitfalls.emulator import patches, runtime

    patches.install()
    runtime.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the log

    app = DomainDispatcherApplication(create_backend_app)
    try:
        server = make_server(HOST, args.port, _with_identity(app, args.token), threaded=True,
                             request_handler=MotoRequestHandler)
    except OSError as exc:
        print(f"port {args.port} on {HOST} is busy ({exc.strerror})", file=sys.stderr, flush=True)
        return PORT_BUSY_EXIT
    except SystemExit:  # werkzeug's answer to a port in use: a message, then exit
        return PORT_BUSY_EXIT

    def shut_down(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    print(f"pitfalls emulator listening on http://{HOST}:{args.port}", flush=True)
    server.serve_forever()
    server.server_close()
    runtime.shutdown()
    print("pitfalls emulator stopped", flush=True)
    # All state is in memory and goes with the process; skip the interpreter's slow teardown of
    # moto's many modules (seconds), so `stop` returns at once.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
