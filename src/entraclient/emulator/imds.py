"""The emulator's instance metadata service (IMDS), for region detection.

Invariants:

* It answers as Azure's IMDS does: ``Metadata: true`` and ``api-version`` are required (400
  otherwise); leaf nodes need ``format=text``.
* The region is the one set with ``Emulator.set_region``; with none set every answer is 404,
  as if not running in Azure.
* It is served on the emulator's own HTTPS port, so a client reaches it by pointing
  ``ENTRACLIENT_IMDS_ENDPOINT`` at ``Emulator.imds_endpoint``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.regional import RegionSettings

__all__ = ["MetadataEndpoints", "imds_routes"]


def _imds_refusal(request: Request) -> Response | None:
    if request.headers.get("metadata", "").lower() != "true":
        body = {"error": "Bad request. Required metadata header not specified"}
        return JSONResponse(body, status_code=400)
    if not request.query_params.get("api-version"):
        body = {"error": "Bad request. api-version was not specified in the request"}
        return JSONResponse(body, status_code=400)
    return None


class MetadataEndpoints:
    """``/metadata/instance/compute`` and its ``location`` leaf."""

    def __init__(self, settings: RegionSettings) -> None:
        self._settings = settings

    async def compute(self, request: Request) -> Response:
        """The compute document (a few fields, ``location`` among them)."""
        refusal = _imds_refusal(request)
        location = self._settings.location
        if refusal is not None or location is None:
            return refusal or JSONResponse({"error": "Not found"}, status_code=404)
        body = {
            "azEnvironment": "AzurePublicCloud",
            "location": location,
            "name": "emulated-vm",
            "vmId": "00000000-0000-4000-8000-00000000e5a1",
        }
        return JSONResponse(body)

    async def location(self, request: Request) -> Response:
        """The region alone, as text (leaf nodes need ``format=text``)."""
        refusal = _imds_refusal(request)
        location = self._settings.location
        if refusal is not None or location is None:
            return refusal or JSONResponse({"error": "Not found"}, status_code=404)
        if request.query_params.get("format") != "text":
            body = {"error": "Bad request. Leaf nodes support only format=text"}
            return JSONResponse(body, status_code=400)
        return PlainTextResponse(location)


def imds_routes(context: EmulatorContext) -> list[Route]:
    """The metadata-service routes."""
    endpoints = MetadataEndpoints(context.regions)
    return [
        Route("/metadata/instance/compute", endpoints.compute, methods=["GET"]),
        Route("/metadata/instance/compute/location", endpoints.location, methods=["GET"]),
    ]
