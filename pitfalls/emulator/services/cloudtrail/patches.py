"""Patches of moto for CloudTrail: LookupEvents (added), and S3 writes as data events."""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.s3.models import FakeKey, S3Backend

from pitfalls.emulator.moto_patch import adds, replaces
from pitfalls.emulator.services.cloudtrail.data_events import s3_write

_original_put_object = S3Backend.put_object
_original_copy_object = S3Backend.copy_object
_original_complete_multipart_upload = S3Backend.complete_multipart_upload

# The S3 operation a nested put_object belongs to (CopyObject and CompleteMultipartUpload store
# their result through put_object; the data event carries the outer name, once).
_operation = threading.local()


@adds("moto.cloudtrail.responses:CloudTrailResponse.lookup_events")
def lookup_events(self: Any) -> str:
    """CloudTrail LookupEvents, which the CDK CLI calls after a failed deploy: moto has none, and
    the SDK's retries of its 500 answer hold the CLI for ~25 s (added; empty, as no management
    events are recorded)."""
    return json.dumps({"Events": []})


def _announce(backend: S3Backend, name: str, key: FakeKey | None) -> None:
    if key is None or key.bucket_name is None:
        return
    bucket = backend.get_bucket(key.bucket_name)
    version = key.version_id if bucket.is_versioned else None
    s3_write(backend.account_id, bucket.region_name, name, key.bucket_name, key.name, version)


def _outer(backend: S3Backend, name: str, run: Any) -> Any:
    if getattr(_operation, "name", None):
        return run()
    _operation.name = name
    try:
        key = run()
    finally:
        _operation.name = None
    _announce(backend, name, key)
    return key


@replaces("moto.s3.models:S3Backend.put_object",
          "db803f2da9d786ad050987d2b5def89cfa38c1bd0281f70ce6c76b4abc31566a")
def put_object(self: S3Backend, bucket_name: str, key_name: str, value: bytes,
               *args: Any, **kwargs: Any) -> FakeKey:
    """A PutObject is a data event: EventBridge receives it when a trail records it."""
    return _outer(self, "PutObject", lambda: _original_put_object(
        self, bucket_name, key_name, value, *args, **kwargs))


@replaces("moto.s3.models:S3Backend.copy_object",
          "e63e9144071cdad98131a716c4f2d053c64f041278ced3294f0a1514209e4a69")
def copy_object(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
    """A CopyObject is a data event: EventBridge receives it when a trail records it."""
    return _outer(self, "CopyObject", lambda: _original_copy_object(self, *args, **kwargs))


@replaces("moto.s3.models:S3Backend.complete_multipart_upload",
          "f16c9a08e5db3f4fddba3a9dcb82f0ed5889e482cff8106c47d7cc7c04309748")
def complete_multipart_upload(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
    """A CompleteMultipartUpload is a data event: EventBridge receives it when a trail records
    it."""
    return _outer(self, "CompleteMultipartUpload",
                  lambda: _original_complete_multipart_upload(self, *args, **kwargs))
