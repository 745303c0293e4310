"""Pipeline artifacts: zip objects in the pipeline's artifact store, encrypted with its key.

As in AWS (https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts.html#concepts-artifacts
and https://docs.aws.amazon.com/codepipeline/latest/userguide/S3-artifact-encryption.html), each
output artifact of an action is one object under `<pipeline name>/<artifact name>/<random>` in the
artifact store bucket, written with SSE-KMS under the store's encryption key (the AWS managed
`aws/s3` key when the store names none).
"""

from __future__ import annotations

import io
import string
import zipfile
from dataclasses import dataclass
from typing import Any

from moto.kms.models import kms_backends
from moto.moto_api._internal import mock_random
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition


class ArtifactError(Exception):
    """An artifact cannot be read or written; the action fails with this message."""


@dataclass(frozen=True)
class ArtifactRef:
    """Where an artifact of an execution is: its name, bucket and object key."""

    name: str
    bucket: str
    key: str

    def to_api(self) -> dict[str, Any]:
        """ArtifactDetail, as ListActionExecutions and the events give it."""
        return {"name": self.name, "s3location": {"bucket": self.bucket, "key": self.key}}

    def to_job(self) -> dict[str, Any]:
        """Artifact, as a job (a Lambda invoke action's event) gives it."""
        return {"name": self.name, "revision": None,
                "location": {"type": "S3", "s3Location": {"bucketName": self.bucket,
                                                          "objectKey": self.key}}}


def _random_id(n: int = 7) -> str:
    chars = string.ascii_letters + string.digits
    return "".join(mock_random.choice(chars) for _ in range(n))


class ArtifactStore:
    """The artifact store of one pipeline (its `artifactStore`: S3 location and key)."""

    def __init__(self, account_id: str, region: str, pipeline: str, store: dict[str, Any]) -> None:
        self.account_id, self.region, self.pipeline = account_id, region, pipeline
        self.bucket = str(store.get("location", ""))
        key = store.get("encryptionKey") or {}
        self.key_id: str | None = key.get("id")

    @property
    def s3(self) -> Any:
        return s3_backends[self.account_id][get_partition(self.region)]

    def location(self, artifact: str) -> ArtifactRef:
        """A new object key for `artifact`, the way CodePipeline names them."""
        return ArtifactRef(artifact, self.bucket,
                           f"{self.pipeline[:20]}/{artifact[:10]}/{_random_id()}")

    def check_key(self) -> None:
        """The store's KMS key must exist and be enabled, or nothing can be written."""
        if not self.key_id:
            return
        backend = kms_backends[self.account_id][self.region]
        key_id = self.key_id.split(":key/")[-1]
        if key_id.startswith("alias/") or ":alias/" in self.key_id:
            alias = "alias/" + self.key_id.split("alias/")[-1]
            key_id = backend.get_key_id_from_alias(alias) or ""
        key = backend.keys.get(key_id)
        if key is None:
            raise ArtifactError(f"The artifact store's KMS key {self.key_id} does not exist")
        if key.key_state != "Enabled":
            raise ArtifactError(f"The artifact store's KMS key {self.key_id} is {key.key_state} "
                                "(KMS.DisabledException): artifacts cannot be encrypted")

    def put(self, ref: ArtifactRef, data: bytes) -> ArtifactRef:
        """Write an artifact object, SSE-KMS with the store's key."""
        self.check_key()
        if ref.bucket not in self.s3.buckets:
            raise ArtifactError(f"The artifact store bucket {ref.bucket} does not exist")
        self.s3.put_object(ref.bucket, ref.key, data, encryption="aws:kms",
                           kms_key_id=self.key_id)
        return ref

    def write(self, artifact: str, data: bytes) -> ArtifactRef:
        return self.put(self.location(artifact), data)

    def read(self, ref: ArtifactRef) -> bytes:
        self.check_key()
        try:
            key = self.s3.get_object(ref.bucket, ref.key)
        except Exception:  # a missing bucket: moto raises its own MissingBucket
            key = None
        if key is None:
            raise ArtifactError(f"Input artifact {ref.name} is not in the artifact store "
                                f"(s3://{ref.bucket}/{ref.key} does not exist)")
        return bytes(key.value)

    def exists(self, ref: ArtifactRef) -> bool:
        try:
            return self.s3.get_object(ref.bucket, ref.key) is not None
        except Exception:
            return False


def zip_files(files: dict[str, bytes | str]) -> bytes:
    """A zip of `files` (name -> content), the form every artifact takes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


def read_file(data: bytes, artifact: str, path: str) -> bytes:
    """One file of an artifact's zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.read(path.lstrip("/"))
    except zipfile.BadZipFile:
        raise ArtifactError(f"Input artifact {artifact} is not a zip file") from None
    except KeyError:
        raise ArtifactError(f"File {path} does not exist in artifact {artifact}") from None
