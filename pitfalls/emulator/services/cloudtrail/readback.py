"""Read-back of CloudTrail: AWS::CloudTrail::Trail, compared with the template through
CloudTrail's API.
"""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, call, reads


@reads("AWS::CloudTrail::Trail")
def _trail(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.cloudtrail.get_trail, Name=name)["Trail"]
    r.expect(w, "bucket", got["S3BucketName"], p["S3BucketName"])
    r.expect(w, "global events", got.get("IncludeGlobalServiceEvents"),
             p.get("IncludeGlobalServiceEvents", True))
    r.expect(w, "multi-region", got.get("IsMultiRegionTrail"), p.get("IsMultiRegionTrail", False))
    r.expect(w, "log file validation", got.get("LogFileValidationEnabled"),
             p.get("EnableLogFileValidation", False))
    r.expect(w, "logging", c.cloudtrail.get_trail_status(Name=name)["IsLogging"], p["IsLogging"])
    if "KMSKeyId" in p:
        r.expect(w, "kms key", got.get("KmsKeyId"), p["KMSKeyId"])
    if p.get("EventSelectors"):
        got_sel = c.cloudtrail.get_event_selectors(TrailName=name).get("EventSelectors", [])
        r.expect(w, "event selectors", got_sel, p["EventSelectors"])
