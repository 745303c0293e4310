"""Read-back of ECR: AWS::ECR::Repository, compared with the template through ECR's API."""

from __future__ import annotations

from typing import Any

from pitfalls.emulator.readback import Clients, Report, call, reads


@reads("AWS::ECR::Repository")
def _repository(c: Clients, name: str, p: dict[str, Any], r: Report, w: str) -> None:
    got = call(c.ecr.describe_repositories, repositoryNames=[name])["repositories"][0]
    if "ImageTagMutability" in p:
        r.expect(w, "tag mutability", got["imageTagMutability"], p["ImageTagMutability"])
