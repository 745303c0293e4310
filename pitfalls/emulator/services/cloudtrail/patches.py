"""Additions to moto's CloudTrail: LookupEvents."""

from __future__ import annotations

import json
from typing import Any

from pitfalls.emulator.moto_patch import adds


@adds("moto.cloudtrail.responses:CloudTrailResponse.lookup_events")
def lookup_events(self: Any) -> str:
    """CloudTrail LookupEvents, which the CDK CLI calls after a failed deploy: moto has none, and
    the SDK's retries of its 500 answer hold the CLI for ~25 s (added; empty, as no management
    events are recorded)."""
    return json.dumps({"Events": []})
