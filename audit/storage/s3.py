"""Objects in an S3-compatible bucket (``STORAGE_URL=s3://BUCKET[/PREFIX]``) through boto3.

The endpoint, keys and region come from the standard variables boto3 reads itself:
``AWS_ENDPOINT_URL`` (MinIO, Ceph, Garage, moto...; unset for AWS),
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``. Objects stay
private: a browser gets one only through the app, after its access check, or through
a presigned URL valid for a few minutes (:meth:`S3Storage.url_for_download`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from audit.storage.base import (
    Data,
    ObjectMissing,
    Storage,
    StorageConfigError,
    StorageUnavailable,
    check_key,
    is_key,
    sha256_of,
)

log = logging.getLogger(__name__)
# boto3 logs where it found its keys and endpoint at INFO on every start: not news.
logging.getLogger("botocore").setLevel(logging.WARNING)

_MISSING = {"NoSuchKey", "404", "NotFound"}
_REFUSING = {
    "AccessDenied",
    "403",
    "Forbidden",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AllAccessDisabled",
    "NoSuchBucket",
    "AccountProblem",
}
_FULL = {"EntityTooLarge", "QuotaExceeded", "XMinioStorageFull", "InsufficientStorage"}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def unavailable(error: Exception, action: str = "stored") -> StorageUnavailable:
    """boto3's failure in words a person uploading understands (logged in full)."""
    why = StorageUnavailable.AWAY
    if isinstance(error, ClientError):
        code = _code(error)
        if code in _REFUSING:
            why = StorageUnavailable.REFUSING
        elif code in _FULL:
            why = StorageUnavailable.FULL
    elif isinstance(error, NoCredentialsError):
        why = StorageUnavailable.REFUSING
    log.warning("S3 storage: could not be %s: %s", action, error)
    failure = StorageUnavailable(why, action=action)
    failure.__cause__ = error
    return failure


_FAILURES = (ClientError, BotoCoreError, Boto3Error)


def parse_url(url: str) -> tuple[str, str]:
    """``s3://BUCKET[/PREFIX]`` → (bucket, prefix ending in ``/`` or empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageConfigError(f"not an S3 storage URL (s3://BUCKET[/PREFIX]): {url}")
    prefix = parts.path.strip("/")
    if prefix:
        try:
            check_key(prefix)
        except ValueError as error:
            raise StorageConfigError(f"not a usable prefix in {url}: {prefix!r}") from error
        prefix += "/"
    return parts.netloc, prefix


class S3Storage(Storage):
    """Objects in ``bucket`` under ``prefix``; one boto3 client, shared by threads."""

    def __init__(self, url: str, addressing_style: str = "path", timeout: float = 10) -> None:
        self.url = url
        self.bucket, self.prefix = parse_url(url)
        config = Config(
            connect_timeout=timeout,
            read_timeout=max(timeout, 30),
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": addressing_style},
        )
        self.client: Any = boto3.session.Session().client("s3", config=config)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: Data, content_type: str = "application/octet-stream") -> None:
        name = self._key(key)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                self.client.put_object(
                    Bucket=self.bucket, Key=name, Body=bytes(data), ContentType=content_type
                )
            else:  # a stream: multipart when large; a failed upload is aborted whole
                self.client.upload_fileobj(
                    data, self.bucket, name, ExtraArgs={"ContentType": content_type}
                )
        except _FAILURES as error:
            raise unavailable(error) from error

    def open(self, key: str) -> BinaryIO:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(key) from error
            raise unavailable(error, "read") from error
        except _FAILURES as error:
            raise unavailable(error, "read") from error
        return response["Body"]

    def get(self, key: str) -> bytes:
        stream = self.open(key)
        try:
            return stream.read()
        except _FAILURES as error:
            raise unavailable(error, "read") from error
        finally:
            stream.close()

    def sha256(self, key: str) -> str:
        stream = self.open(key)
        try:
            return sha256_of(stream)
        except _FAILURES as error:
            raise unavailable(error, "read") from error
        finally:
            stream.close()

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise unavailable(error, "read") from error
        except _FAILURES as error:
            raise unavailable(error, "read") from error

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise ObjectMissing(key)
        return int(head["ContentLength"])

    def delete(self, *keys: str) -> None:
        names = [self._key(key) for key in keys]
        failed: Exception | None = None
        for start in range(0, len(names), 1000):  # the most one request may name
            batch = [{"Key": name} for name in names[start : start + 1000]]
            try:
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except _FAILURES as error:
                failed = error
                continue
            for problem in answer.get("Errors", []):
                log.warning("S3 storage: %s not deleted: %s", problem.get("Key"), problem)
                failed = failed or RuntimeError(problem.get("Message", "not deleted"))
        if failed is not None:
            raise unavailable(failed, "removed")

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if is_key(key):
                        yield key
        except _FAILURES as error:
            raise unavailable(error, "read") from error

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _code(error) in _MISSING | {"NoSuchBucket"}:
                failure = StorageUnavailable(f"the bucket {self.bucket!r} does not exist")
            else:
                failure = unavailable(error, "reached")
            raise failure.not_ready("Check STORAGE_URL and the AWS_* settings.") from error
        except _FAILURES as error:
            raise unavailable(error, "reached").not_ready() from error

    def url_for_download(
        self,
        key: str,
        filename: str,
        expires: int = 300,
        content_type: str | None = None,
        inline: bool = False,
    ) -> str | None:
        disposition = "inline" if inline else "attachment"
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": f'{disposition}; filename="{filename}"',
            "ResponseCacheControl": "private, no-store",
        }
        if content_type:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)
