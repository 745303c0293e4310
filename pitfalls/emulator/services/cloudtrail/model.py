"""CloudTrail trails (the trail is recorded; no events are delivered to its bucket)."""

from __future__ import annotations

from typing import Any

from moto.cloudtrail.exceptions import TrailNotFoundException
from moto.cloudtrail.models import CloudTrailBackend, cloudtrail_backends

from pitfalls.emulator.cloudformation.errors import UnsupportedProperty
from pitfalls.emulator.cloudformation.resource import Resource, as_bool, register

SELECTOR_KEYS = {"IncludeManagementEvents", "ReadWriteType", "DataResources",
                 "ExcludeManagementEventSources"}


def cloudtrail(account_id: str, region: str) -> CloudTrailBackend:
    return cloudtrail_backends[account_id][region]


@register
class Trail(Resource):
    TYPE = "AWS::CloudTrail::Trail"
    NAME_PROPERTY = "TrailName"
    NAME_MAX = 128
    PROPERTIES = {"TrailName": "", "S3BucketName": "the bucket must exist", "S3KeyPrefix": "",
                  "IsLogging": "StartLogging / StopLogging", "IncludeGlobalServiceEvents": "",
                  "IsMultiRegionTrail": "", "EnableLogFileValidation": "",
                  "IsOrganizationTrail": "", "KMSKeyId": "", "SnsTopicName": "",
                  "CloudWatchLogsLogGroupArn": "", "CloudWatchLogsRoleArn": "",
                  "EventSelectors": "", "Tags": ""}
    REQUIRED = ("IsLogging", "S3BucketName")
    ATTRIBUTES = ("Arn", "SnsTopicArn")
    REF = "trail name"
    READ_BACK = "GetTrail, GetTrailStatus, GetEventSelectors, ListTags"

    @classmethod
    def check(cls, props: dict[str, Any]) -> None:
        for selector in props.get("EventSelectors", []):
            for key in selector:
                if key not in SELECTOR_KEYS:
                    raise UnsupportedProperty(cls.TYPE, f"EventSelectors.{key}")

    @classmethod
    def _name_for(cls, props: dict[str, Any], stack_id: str, logical_id: str) -> str:
        return super()._name_for(props, stack_id, logical_id).replace(".", "-")

    def _settings(self) -> dict[str, Any]:
        p = self.props
        return {
            "s3_key_prefix": p.get("S3KeyPrefix"),
            "sns_topic_name": p.get("SnsTopicName"),
            "cw_log_group_arn": p.get("CloudWatchLogsLogGroupArn"),
            "cw_role_arn": p.get("CloudWatchLogsRoleArn"),
            "kms_key_id": p.get("KMSKeyId"),
        }

    def _logging_and_selectors(self) -> None:
        b, p = cloudtrail(self.account_id, self.region), self.props
        if as_bool(p["IsLogging"]):
            b.start_logging(self.name)
        else:
            b.stop_logging(self.name)
        selectors = p.get("EventSelectors")
        if selectors:
            b.put_event_selectors(self.name, selectors, [])
        else:
            trail = b.get_trail(self.name)
            trail.event_selectors = []

    def create(self) -> None:
        p = self.props
        trail = cloudtrail(self.account_id, self.region).create_trail(
            name=self.name, bucket_name=p["S3BucketName"],
            is_global=as_bool(p.get("IncludeGlobalServiceEvents", True)),
            is_multi_region=as_bool(p.get("IsMultiRegionTrail", False)),
            log_validation=as_bool(p.get("EnableLogFileValidation", False)),
            is_org_trail=as_bool(p.get("IsOrganizationTrail", False)),
            tags_list=p.get("Tags") or [], **self._settings())
        self.physical_id = trail.trail_name
        self._logging_and_selectors()

    def update(self, old: dict[str, Any], changed: set[str]) -> None:
        p = self.props
        b = cloudtrail(self.account_id, self.region)
        b.update_trail(
            name=self.name, s3_bucket_name=p["S3BucketName"],
            include_global_service_events=as_bool(p.get("IncludeGlobalServiceEvents", True)),
            is_multi_region_trail=as_bool(p.get("IsMultiRegionTrail", False)),
            enable_log_file_validation=as_bool(p.get("EnableLogFileValidation", False)),
            is_organization_trail=as_bool(p.get("IsOrganizationTrail", False)),
            **self._settings())
        trail: Any = b.get_trail(self.name)
        # moto's update_trail keeps a setting given as None; a property removed from the
        # template must go back to unset.
        for attr, key in (("s3_key_prefix", "S3KeyPrefix"), ("sns_topic_name", "SnsTopicName"),
                          ("cw_log_group_arn", "CloudWatchLogsLogGroupArn"),
                          ("cw_role_arn", "CloudWatchLogsRoleArn"), ("kms_key_id", "KMSKeyId")):
            setattr(trail, attr, p.get(key))
        self._logging_and_selectors()
        if "Tags" in changed:
            arn = b.get_trail(self.name).arn
            b.tagging_service.delete_all_tags_for_resource(arn)
            b.tagging_service.tag_resource(arn, p.get("Tags") or [])

    def destroy(self) -> None:
        try:
            cloudtrail(self.account_id, self.region).delete_trail(self.name)
        except TrailNotFoundException:
            pass

    def attribute(self, name: str) -> Any:
        trail = cloudtrail(self.account_id, self.region).get_trail(self.name)
        return trail.arn if name == "Arn" else trail.topic_arn
