from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .trail import source


class AuditSourceMiddleware:
    """Tag every change made while serving a request with the request's method and path."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with source(f"{request.method} {request.path}"):
            return self.get_response(request)
