"""The REST API under ``/api/v1/``: the same services and access rules as the web pages,
spoken in JSON, described by an OpenAPI 3.1 document (``/api/v1/openapi.json``)."""
