"""pitfalls.templates.template: reading a template as plain data."""

from __future__ import annotations

from pitfalls.templates import refs_in, refs_in_order


def test_refs_in_order_reads_refs_getatts_and_sub_but_not_its_escapes() -> None:
    value = {"A": {"Ref": "Topic"}, "B": [{"Fn::GetAtt": ["Fn", "Arn"]}, {"Ref": "Topic"}],
             "C": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Role.Arn}"}}
    assert refs_in_order(value) == ["Topic", "Fn", "Bucket", "Role"]
    assert refs_in(value) == {"Topic", "Fn", "Bucket", "Role"}
    assert refs_in_order({"Fn::Sub": []}) == [] and refs_in_order(None) == []
