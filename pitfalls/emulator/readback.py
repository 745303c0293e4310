"""The read-back framework: boto3 clients, the report, and the registry of per-type checks.

Each service's `readback.py` (in `pitfalls.emulator.services`) registers, for its resource types,
a check (`@reads(type)`: compare a deployed resource with its template's properties, through the
service's API) and the `Fn::GetAtt` attributes it can answer (`attributes(type, Name=fn)`).
`pitfalls.emulator.verify` runs them over a whole stack. Client side only: boto3, never moto.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from pitfalls.emulator.settings import ACCOUNT, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION

NOT_FOUND = {"NoSuchBucket", "NoSuchEntity", "NotFoundException", "ResourceNotFoundException",
             "NoSuchBucketPolicy", "AWS.SimpleQueueService.NonExistentQueue",
             "QueueDoesNotExist", "ParameterNotFound", "TrailNotFoundException",
             "ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException",
             "PipelineNotFoundException", "RepositoryNotFoundException", "NotFound",
             "ResourceNotFound", "InvalidParameter", "ValidationError",
             "404"}  # HeadBucket answers a bare 404 (a HEAD response has no body)


class Gone(Exception):
    """The resource does not exist (any more)."""


class Clients:
    """boto3 clients, made on first use: for the local AWS at `endpoint`, or, with
    `Clients.for_aws()`, for the account and region the default credential chain points at."""

    def __init__(self, endpoint: str | None, session: Any = None,
                 read_timeout: float = 60) -> None:
        self.endpoint = endpoint
        self._session = session
        self._read_timeout = read_timeout
        self._lock = threading.Lock()  # boto3's default session is not thread-safe
        self._made: dict[str, Any] = {}
        self._account: str | None = ACCOUNT if endpoint else None
        self.region: str = REGION if endpoint else str(session.region_name)

    @classmethod
    def for_aws(cls, session: Any = None) -> Clients:
        """Clients for a real account (the caller has checked the credentials are real)."""
        return cls(None, session or boto3.Session())

    @property
    def account(self) -> str:
        if self._account is None:
            self._account = str(self.sts.get_caller_identity()["Account"])
        return self._account

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        with self._lock:
            return self._client(service)

    def _client(self, service: str) -> Any:
        if service not in self._made:
            name = {"awslambda": "lambda",
                    "codestarnotifications": "codestar-notifications"}.get(service, service)
            retries = Config(retries={"max_attempts": 1 if self.endpoint else 5},
                             read_timeout=self._read_timeout)
            if self.endpoint:
                self._made[service] = boto3.client(
                    name, endpoint_url=self.endpoint, region_name=REGION,
                    aws_access_key_id=FAKE_ACCESS_KEY, aws_secret_access_key=FAKE_SECRET_KEY,
                    config=retries)
            else:
                self._made[service] = self._session.client(name, config=retries)
        return self._made[service]



def call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
            raise Gone(str(exc)) from None
        raise


@dataclass
class Report:
    """Mismatches found, per resource."""

    problems: list[str] = field(default_factory=list)
    checked: dict[str, str] = field(default_factory=dict)  # logical id -> type

    def expect(self, where: str, what: str, actual: Any, expected: Any) -> None:
        if norm(actual) != norm(expected):
            self.problems.append(f"{where}: {what} is {actual!r}, the template says {expected!r}")


def norm(value: Any) -> Any:
    """Compare JSON documents as data, numbers and booleans as the text APIs often give."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in "{[":
            try:
                return norm(json.loads(s))
            except ValueError:
                return value
        return s
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


def tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tags or [])}


def sub(actual: dict[str, str], expected: dict[str, str]) -> dict[str, str]:
    """The part of `actual` the template speaks about (services add tags of their own)."""
    return {k: actual.get(k, "<missing>") for k in expected}



Checker = Callable[[Clients, str, dict[str, Any], Report, str], None]
Attribute = Callable[[Clients, str], Any]
CHECKERS: dict[str, Checker] = {}  # resource type -> its check
GETATT: dict[tuple[str, str], Attribute] = {}  # (resource type, attribute) -> how to read it


def reads(rtype: str) -> Callable[[Checker], Checker]:
    """Register a check of `rtype`: fn(clients, physical id, resolved properties, report, where)
    adds a problem to the report for each property the service answers differently; it raises
    `Gone` when the service does not know the resource."""
    def deco(fn: Checker) -> Checker:
        CHECKERS[rtype] = fn
        return fn
    return deco


def attributes(rtype: str, **readers: Attribute) -> None:
    """Register how the service answers `Fn::GetAtt` attributes of `rtype`:
    attribute name -> fn(clients, physical id)."""
    for name, fn in readers.items():
        GETATT[(rtype, name)] = fn
