"""A real S3 server for tests: moto's server mode on 127.0.0.1, spoken to over HTTP by
boto3 exactly as a deployed app speaks to MinIO or AWS.

- ``s3_server`` (session): one server for the run.
- ``s3``: the standard ``AWS_*`` variables pointing at it, and a fresh bucket per
  test (:attr:`S3.url` is a ``STORAGE_URL``).
- ``lone_s3``: the same on a server of the test's own, which the test may stop
  (:meth:`S3.outage`) and start again on the same port.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest

if TYPE_CHECKING:  # moto is imported when a test first asks for a server
    from moto.server import ThreadedMotoServer

REGION = "eu-west-2"


class S3:
    """A moto server and a bucket on it."""

    def __init__(self, server: ThreadedMotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        host, self.port = server.get_host_and_port()
        self.endpoint = f"http://{host}:{self.port}"
        for name, value in {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "test-key",
            "AWS_SECRET_ACCESS_KEY": "test-secret",  # noqa: S105 - moto takes any
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        self.bucket = f"audit-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )

    def client(self):  # noqa: ANN201 - a boto3 S3 client
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION)

    def url(self, prefix: str = "files") -> str:
        """A STORAGE_URL for this bucket under ``prefix``."""
        return f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}"

    def objects(self, prefix: str = "") -> dict[str, bytes]:
        """Every object in the bucket under ``prefix``, read straight from the server."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"]
                found[item["Key"]] = body.read()
        return found

    def outage(self) -> None:
        """Stop the server and close its socket: connections are refused, as when the
        store is down."""
        self.server.stop()
        if self.server._server is not None:  # the listening socket, else the kernel queues
            self.server._server.server_close()

    def restart(self) -> None:
        """The store is back, on the same port (moto keeps its buckets in this process)."""
        self.server = _start(self.port)


def _start(port: int = 0) -> ThreadedMotoServer:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[ThreadedMotoServer]:
    server = _start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: ThreadedMotoServer, monkeypatch: pytest.MonkeyPatch) -> S3:
    return S3(s3_server, monkeypatch)


@pytest.fixture
def lone_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    store = S3(_start(), monkeypatch)
    yield store
    if store.server._server_ready_event.is_set():
        store.outage()
