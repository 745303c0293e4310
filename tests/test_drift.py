"""scripts/drift.py: the probe records what each scenario does; compare names what changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "drift"
sys.path.insert(0, str(ROOT / "scripts"))

import drift  # noqa: E402


def probes() -> tuple[dict, dict]:  # type: ignore[type-arg]
    return drift.load(str(FIXTURES / "pinned.json")), drift.load(str(FIXTURES / "latest.json"))


def test_compare_names_each_kind_of_change() -> None:
    found = drift.changes(*probes())
    assert "01" not in found, "an unchanged scenario is not reported"
    assert found["02"][0] == "BROKEN CONSTRUCT NO LONGER FLAGGED"
    assert "broken findings changed: -PP02-ADMIN-ACCESS" in found["02"]
    assert found["03"][0] == "FIX NEWLY FLAGGED: W3005"
    assert found["04"] == ["broken template changed"]
    assert found["05"] == ["pinned: ran; latest: RuntimeError: NODEJS_14_X is not a member of Runtime"]


def test_report_shows_versions_and_changes(capsys: pytest.CaptureFixture[str]) -> None:
    text, changed = drift.report(*probes())
    assert changed
    assert "aws-cdk-lib      2.275.0 -> 2.276.0" in text
    assert "cdk-nag          3.0.2 (same)" in text
    assert "scenario 02:\n  - BROKEN CONSTRUCT NO LONGER FLAGGED" in text
    assert drift.main(["compare", str(FIXTURES / "pinned.json"), str(FIXTURES / "latest.json")]) == 1
    assert "scenario 04:\n  - broken template changed" in capsys.readouterr().out


def test_compare_of_a_probe_with_itself_is_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    same = str(FIXTURES / "pinned.json")
    assert drift.main(["compare", same, same]) == 0
    assert "no scenario changed behaviour (5 probed)" in capsys.readouterr().out


def test_a_scenario_probed_on_one_side_only_is_reported() -> None:
    pinned, latest = probes()
    del latest["scenarios"]["01"]
    assert drift.changes(pinned, latest)["01"] == ["probed only in the pinned environment"]


def test_bad_probe_files_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notjson.json").write_text("{")
    (tmp_path / "other.json").write_text(json.dumps({"versions": {}}))
    for bad, says in [("missing.json", "no such file"), ("notjson.json", "not JSON"),
                      ("other.json", "not a probe file")]:
        assert drift.main(["compare", str(tmp_path / bad), str(FIXTURES / "latest.json")]) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1


def test_template_hash_ignores_key_order_and_cdk_metadata() -> None:
    a = {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"X": 1, "Y": 2}}}}
    b = {"Resources": {"B": {"Properties": {"Y": 2, "X": 1}, "Type": "AWS::S3::Bucket"},
                       "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2.276"}}},
         "Conditions": {"CDKMetadataAvailable": {}}}
    assert drift.normalized_hash(a) == drift.normalized_hash(b)
    a["Resources"]["B"]["Properties"]["X"] = 3
    assert drift.normalized_hash(a) != drift.normalized_hash(b)


def test_probe_in_this_environment(tmp_path: Path) -> None:
    """The real probe, on two scenarios of the pinned environment: broken flagged, fixed clean."""
    out = tmp_path / "probe.json"
    assert drift.main(["probe", "--out", str(out), "--scenarios", "1,7"]) == 0
    data = drift.load(str(out))
    assert sorted(data["scenarios"]) == ["01", "07"]
    for n, s in data["scenarios"].items():
        assert "error" not in s, s
        assert s["broken"]["flagged"] and s["broken"]["findings"], n
        assert s["fixed"]["findings"] == [] and not s["fixed"]["flagged"], n
        assert len(s["broken"]["template"]) == 64 and s["broken"]["template"] != s["fixed"]["template"]
    assert "PP07-SOURCE-NOT-VERSIONED" in data["scenarios"]["07"]["broken"]["findings"]
    assert data["versions"]["aws-cdk-lib"] != "not installed"
    assert drift.main(["compare", str(out), str(out)]) == 0


def test_probe_refuses_unknown_scenarios(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        drift.main(["probe", "--out", str(tmp_path / "p.json"), "--scenarios", "7,99"])
    assert exc.value.code == 2
    assert not (tmp_path / "p.json").exists()
