"""The CodeStar Notifications API (rest-json), served beside moto's services by our server.

moto has no such service, so `pitfalls.emulator.server` hands requests signed for
`codestar-notifications` to `wsgi` here. Operations: CreateNotificationRule,
DescribeNotificationRule, DeleteNotificationRule, ListNotificationRules, ListTargets,
ListEventTypes, ListTagsForResource; any other answers 400 and names itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from pitfalls.emulator.services.codestarnotifications.backend import (
    EVENT_TYPES,
    RuleError,
    event_type_summary,
    notifications_backends,
)

SIGNING_NAME = "codestar-notifications"


def signed_for(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, region) of a SigV4-signed request, from its credential scope."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        return scope[3], scope[2]
    except IndexError:
        return None


def _create(b: Any, body: dict[str, Any]) -> dict[str, Any]:
    rule = b.create(body["Name"], body["Resource"], body.get("EventTypeIds") or [],
                    body.get("Targets") or [], body.get("DetailType", "FULL"),
                    body.get("Status", "ENABLED"), body.get("CreatedBy"), body.get("Tags"))
    return {"Arn": rule.arn}


def _list(b: Any, body: dict[str, Any]) -> dict[str, Any]:
    rules = list(b.rules.values())
    for f in body.get("Filters") or []:
        if f["Name"] == "RESOURCE":
            rules = [r for r in rules if r.resource == f["Value"]]
        elif f["Name"] == "TARGET_ADDRESS":
            rules = [r for r in rules if any(t["TargetAddress"] == f["Value"] for t in r.targets)]
    return {"NotificationRules": [{"Id": r.arn.rsplit("/", 1)[-1], "Arn": r.arn} for r in rules]}


def _targets(b: Any, body: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for rule in b.rules.values():
        for target in rule.describe()["Targets"]:
            found[target["TargetAddress"]] = target
    return {"Targets": list(found.values())}


OPERATIONS: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
    "/createNotificationRule": _create,
    "/describeNotificationRule": lambda b, body: b.get(body["Arn"]).describe(),
    "/deleteNotificationRule": lambda b, body: (b.delete(body["Arn"]), {"Arn": body["Arn"]})[1],
    "/listNotificationRules": _list,
    "/listTargets": _targets,
    "/listEventTypes": lambda b, body: {"EventTypes": [event_type_summary(e)
                                                       for e in EVENT_TYPES]},
    "/listTagsForResource": lambda b, body: {"Tags": b.get(body["Arn"]).tags},
}


def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer one CodeStar Notifications request."""
    _, region = signed_for(environ) or ("", "us-east-1")
    path = environ.get("PATH_INFO", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    status, answer = "200 OK", {}
    try:
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        operation = OPERATIONS.get(path)
        if operation is None:
            raise RuleError("ValidationException", f"{path.strip('/')} of CodeStar Notifications "
                            "is not supported by the local AWS")
        answer = operation(notifications_backends[DEFAULT_ACCOUNT_ID][region], body)
    except RuleError as exc:
        status = "404 Not Found" if exc.code == "ResourceNotFoundException" else "400 Bad Request"
        answer = {"message": exc.message}
        headers = [("x-amzn-ErrorType", exc.code)]
    except (KeyError, ValueError) as exc:
        status, answer = "400 Bad Request", {"message": f"Invalid request: {exc}"}
        headers = [("x-amzn-ErrorType", "ValidationException")]
    else:
        headers = []
    data = json.dumps(answer, default=str).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data))), *headers])
    return [data]
