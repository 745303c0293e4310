"""Read-back of SSM: AWS::SSM::Parameter, compared with the template through SSM's API."""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, call, reads


@reads("AWS::SSM::Parameter")
def _parameter(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.ssm.get_parameter, Name=name)["Parameter"]
    r.expect(w, "value", got["Value"], p["Value"])
    r.expect(w, "type", got["Type"], p["Type"])
