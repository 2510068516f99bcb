"""What every endpoint shares: the error schema, ids, strict query parameters,
the language switch and keyset paging."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet, Subquery
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema
from ninja.responses import Response
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from .auth import person

# --- ids ------------------------------------------------------------------------------------

# Ids are 64-bit: anything larger cannot name a row, and passing it on would make
# SQLite raise OverflowError and PostgreSQL "bigint out of range" (a 500).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Free-text filters: NUL cannot be stored in PostgreSQL text and would fail the query.
SearchText = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]


# --- errors ---------------------------------------------------------------------------------


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="Where the error is: source, then field.")
    msg: str = Field(description="What is wrong, in the request's language.")
    type: str = Field(description="A stable error code, e.g. int_parsing or less_than_equal.")


class Error(Schema):
    """Every error the API returns."""

    detail: str = Field(description="What went wrong, in the request's language.")
    errors: list[ErrorItem] | None = Field(
        None, description="Validation errors (422 only), first one first."
    )


def form_refusal(form: BaseForm) -> ValidationError:
    """A screen's form that refused its data, as the API's 422 (the form's own, translated
    messages; `__all__` for what concerns several fields)."""
    return ValidationError({name: list(errors) for name, errors in form.errors.as_data().items()})


def responses(ok: Any, *codes: int, ok_status: int = 200) -> dict[int, Any]:
    """The response map of an operation: its success schema, 401 (every operation needs
    a signed-in person or a token), 422 (every operation validates its parameters) and
    the further error codes it can return."""
    result: dict[int, Any] = {ok_status: ok}
    for code in sorted({401, 422, *codes}):
        result[code] = Error
    return result


# --- workflow steps -------------------------------------------------------------------------

W = TypeVar("W")


def step_post(router: Router, prefix: str, out: Any) -> Callable[..., Callable[..., Any]]:
    """The decorator of a workflow step's endpoint, `post(step, summary, *codes)`: POST
    <prefix>/<step>, answering `out`; 404 for an object outside the caller's sight, 403
    for a step the caller may not take, and the step's own further codes."""

    def post(step: str, summary: str, *codes: int, ok_status: int = 200) -> Callable[..., Any]:
        return router.post(
            f"{prefix}/{step}",
            response=responses(out, 403, 404, *codes, ok_status=ok_status),
            summary=summary,
        )

    return post


def run_step(
    request: HttpRequest,
    pk: int,
    run: Callable[[Any, W], Any],
    *,
    find: Callable[[Any, int], W],
    answer: Callable[[Any, int], Any],
) -> Any:
    """Run one step of an object's workflow as the caller, then answer the object read
    afresh. `find` raises Http404 for an object the caller does not see; the step itself
    refuses with PermissionDenied (403) or ValidationError (422)."""
    user = person(request)
    run(user, find(user, pk))
    return answer(user, pk)


# --- languages -------------------------------------------------------------------------------

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
Language = Literal["zh-hans", "en"]
assert set(LANGUAGE_CODES) == {"zh-hans", "en"}, "update Language when LANGUAGES changes"


def requested_language(request: HttpRequest) -> str:
    """`?lang=` when it names a language we have, else what LocaleMiddleware chose
    (Accept-Language, then the language cookie, then the default)."""
    lang = request.GET.get("lang")
    if lang in LANGUAGE_CODES:
        return lang
    return translation.get_language() or settings.LANGUAGE_CODE


def in_requested_language(
    run: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Run an operation (authentication, validation, the view, error handling) in the
    request's language, so bilingual `name` fields and error messages agree."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = requested_language(request)
        with translation.override(language):
            response = run(request, *args, **kwargs)
        # LocaleMiddleware only sets Content-Language when it is missing.
        response.headers["Content-Language"] = language
        return response

    return wrapper


# --- uploads ---------------------------------------------------------------------------------

TOO_LARGE = gettext_lazy("The file is larger than %(max)s MB.")


def limit_body(max_file_bytes: int) -> Callable[..., Callable[..., HttpResponse]]:
    """A view decorator (`decorate_view`): 413 before the body is read when it is larger
    than a file of `max_file_bytes` and the form around it can be."""
    max_request = max_file_bytes + 64 * 1024

    def decorator(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_request:
                with translation.override(requested_language(request)):
                    detail = TOO_LARGE % {"max": max_file_bytes // 1_048_576}
                    return Response({"detail": str(detail)}, status=413)
            return run(request, *args, **kwargs)

        return wrapper

    return decorator


# --- strict query parameters -----------------------------------------------------------------


class StrictQuery(Schema):
    """Query parameters of an operation. An unknown parameter is an error: a misspelt
    filter would otherwise return everything and look like an answer."""

    lang: Language | None = Field(
        None, description="Language of the `name`/`title` fields and of error messages."
    )

    @model_validator(mode="after")
    def _no_unknown_parameters(self, info: Any) -> StrictQuery:
        request = (info.context or {}).get("request")
        if request is None:
            return self
        known = {f.alias or name for name, f in type(self).model_fields.items()}
        unknown = sorted(set(request.GET.keys()) - known)
        if unknown:
            raise PydanticCustomError(
                "unknown_parameter", "Unknown query parameter {name}.", {"name": unknown[0]}
            )
        return self


# --- keyset paging -------------------------------------------------------------------------

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(StrictQuery):
    after: Id | None = Field(
        None, description="The id of the last item of the previous page (see `next`)."
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}."
    )


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int = Field(description="How many items match, on all pages together.")
    next: str | None = Field(description="The address of the next page; null on the last.")


M = TypeVar("M", bound=Model)


def _after(queryset: QuerySet[M], order: Sequence[str], after: int) -> Q:
    """Rows that sort after the row `after` in `order` (the last field must be unique).

    The anchor's values are read in a subquery, so the page stays one query. An anchor
    outside `queryset` (unknown, or outside the person's scope) yields an empty page.
    """
    anchor = queryset.filter(pk=after)
    result = Q(pk__in=[])
    equal = Q()
    for field in order:
        name = field.lstrip("-")
        value = Subquery(anchor.values(name)[:1])
        lookup = "lt" if field.startswith("-") else "gt"
        result |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return result


def keyset_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    query: PageQuery,
    order: Sequence[str],
) -> dict[str, Any]:
    """One page of `queryset` in `order`: two queries (COUNT and the page) whatever the
    page size. `order` must end with a unique field."""
    count = queryset.count()
    rows = queryset.order_by(*order)
    if query.after is not None:
        rows = rows.filter(_after(queryset, order, query.after))
    items = list(rows[: query.limit + 1])
    next_url = None
    if len(items) > query.limit:
        items = items[: query.limit]
        params = request.GET.copy()
        params["after"] = str(items[-1].pk)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return {"items": items, "count": count, "next": next_url}
