"""What every "do this to that object" POST view shares: put an action's refusal
into its form, or run it and go back to the object's page with its message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm, Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

T = TypeVar("T")


def show_errors(form: BaseForm, exc: ValidationError) -> None:
    """Put an action's ValidationError into the form, next to the field it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != NON_FIELD_ERRORS else None
            form.add_error(target, errors)
    else:
        form.add_error(None, exc)


def perform(
    request: HttpRequest,
    *,
    load: Callable[[], T],
    key: str,
    form: Callable[[T], BaseForm] | None,
    run: Callable[[T, dict[str, Any]], str],
    url: Callable[[T], str],
    page: Callable[[HttpRequest, T, dict[str, BaseForm], int], HttpResponse],
) -> HttpResponse:
    """Validate, run the action, and redirect with its message or show its refusal (400).

    `load` fetches the object as the person may see it (404 outside their units) and
    checks the permission; it is called again after a refusal, because the action may
    have changed the object in memory before refusing.
    """
    obj = load()
    bound = form(obj) if form else None
    if bound is None or bound.is_valid():
        try:
            notice = run(obj, bound.cleaned_data if bound else {})
        except ValidationError as exc:
            if bound is None:  # an action without fields: its refusal still needs a place
                bound = Form(data={}, prefix=key)
                bound.is_valid()
            show_errors(bound, exc)
        else:
            messages.success(request, notice)
            return redirect(url(obj))
    return page(request, load(), {key: bound}, 400)
