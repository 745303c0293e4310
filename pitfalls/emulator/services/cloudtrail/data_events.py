"""S3 data events: a write to a bucket reaches EventBridge only when a trail records it.

As in AWS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
and https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-s3.html#event-ref-s3-via-cloudtrail),
S3 object-level API calls are CloudTrail *data events*: EventBridge sees them as
"AWS API Call via CloudTrail" events from source "aws.s3" only if a trail in the account is
logging and its event selectors include the object's write data events. That is what makes an
S3 source action with `S3Trigger.EVENTS` start its pipeline; without such a trail, nothing starts.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow
from moto.events.models import events_backends

WRITES = ("All", "WriteOnly")


def _selects(selector: dict[str, Any], object_arn: str) -> bool:
    """An event selector that records write data events of this S3 object."""
    if selector.get("ReadWriteType", "All") not in WRITES:
        return False
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") != "AWS::S3::Object":
            continue
        for value in resource.get("Values") or []:
            # "arn:aws:s3" selects every bucket; "arn:aws:s3:::bucket/" (or a prefix) selects
            # the objects under it.
            if value in ("arn:aws:s3", "arn:aws:s3:::") or object_arn.startswith(value):
                return True
    return False


def recording_trails(account_id: str, region: str, bucket: str, key: str) -> list[str]:
    """Names of the logging trails that record writes of s3://bucket/key as data events."""
    object_arn = f"arn:aws:s3:::{bucket}/{key}"
    found = []
    for trail_region, backend in cloudtrail_backends[account_id].items():
        for trail in backend.trails.values():
            if trail_region != region and not trail.is_multi_region:
                continue
            if not trail.status.is_logging:
                continue
            if any(_selects(s, object_arn) for s in trail.event_selectors or []):
                found.append(trail.trail_name)
    return found


def s3_write(account_id: str, region: str, event_name: str, bucket: str, key: str,
             version_id: str | None) -> None:
    """Put the CloudTrail record of an object write on the default bus, if a trail records it."""
    if not recording_trails(account_id, region, bucket, key):
        return
    now = iso_8601_datetime_without_milliseconds(utcnow())
    detail = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "Root", "principalId": account_id,
                         "arn": f"arn:aws:iam::{account_id}:root", "accountId": account_id},
        "eventTime": now,
        "eventSource": "s3.amazonaws.com",
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "pitfalls-local-aws",
        "requestParameters": {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com",
                              "key": key},
        "responseElements": {"x-amz-version-id": version_id} if version_id else None,
        "requestID": uuid.uuid4().hex[:16].upper(),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
            {"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
        ],
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": account_id,
        "eventCategory": "Data",
    }
    events_backends[account_id][region].put_events([{
        "Source": "aws.s3", "DetailType": "AWS API Call via CloudTrail",
        "Detail": json.dumps(detail), "Resources": [],
    }])
