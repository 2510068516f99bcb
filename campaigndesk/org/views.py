"""Staff screens for units, people and role grants.

Every page takes its objects from `access` (404 outside the person's units) and
every change goes through `org.actions`, which checks permission again and writes
the audit record. A ValidationError from an action is shown on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape  # what django.utils.html.escape runs, without its lazy-text wrapper
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigndesk.core import generation
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.core.paging import paginate

from . import access, actions
from .forms import (
    INDENT,
    GrantForm,
    PersonCreateForm,
    PersonEditForm,
    PersonFilterForm,
    PersonPasswordForm,
    UnitCreateForm,
    UnitEditForm,
    UnitFilterForm,
    UnitMoveForm,
    add_action_errors,
)
from .models import Role, RoleGrant, Unit, UnitKind, User


def _grants_with_units() -> Prefetch:
    return Prefetch("grants", queryset=RoleGrant.objects.select_related("unit").order_by("role"))


def _url_for_pk(name: str) -> Callable[[Any], str]:
    """`reverse(name, args=[pk])` for many rows at the cost of one reverse()."""
    marker = "2147483647"
    head, _sep, tail = reverse(name, args=[int(marker)]).partition(marker)
    return lambda pk: f"{head}{pk}{tail}"


def _form_page(request: HttpRequest, form, *, title: str, cancel_url: str, **extra) -> HttpResponse:
    return render(
        request,
        "org/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, **extra},
    )


# --- units ----------------------------------------------------------------------------------


@require_GET
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "org.view_unit")
    # What the list shows is units and what the viewer may do (their grants): the body is
    # kept per viewer, language and query until a watched table changes
    # (core/generation.py), as the people list is.
    key = (user.pk, translation.get_language(), request.GET.urlencode())
    body = generation.cached(
        "org.unit_list", key, lambda: _unit_list_body(request), limit=PAGE_CACHE_LIMIT
    )
    return render(request, "org/unit_list.html", {"body": body})


def _unit_list_body(request: HttpRequest) -> SafeString:
    user = request.user
    form = UnitFilterForm(request.GET)
    units = access.visible_units(user).for_listing()
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            units = units.filter(
                Q(name_zh__icontains=q)
                | Q(name_en__icontains=q)
                | Q(short_name_zh__icontains=q)
                | Q(code__icontains=q)
            )
        if kind := form.cleaned_data["kind"]:
            units = units.filter(kind=kind)
    page = paginate(request, units)
    base = access.scope_depth(user)
    # Kind labels translated once per page, not once per row and choice.
    kinds = {value: str(label) for value, label in UnitKind.choices}
    detail_url = _url_for_pk("org:unit_detail")
    rows = [
        {
            "unit": u,
            "indent": INDENT * max(u.depth - base, 0),
            "url": detail_url(u.pk),
            "kind": kinds.get(u.kind, u.kind),
        }
        for u in page
    ]
    return render_to_string(
        "org/_unit_list_body.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "rows_html": _unit_rows_html(rows),
            "filtered": bool(form.data),
            "can_create": access.can(user, "org.manage_unit"),
        },
        request=request,
    )


def _unit_rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The table's rows by string formatting, as the template's loop wrote them: fifty
    rows of nodes cost more than the rest of the page together."""
    if not rows:
        return SafeString("")
    active = f'<span class="badge green">{escape(_("active"))}</span>'
    deactivated = f'<span class="badge grey">{escape(_("deactivated"))}</span>'
    no_parent = '<span class="muted">—</span>'
    out = ["\n  "]
    for row in rows:
        unit = row["unit"]
        parent = unit.parent
        out.append(
            f'\n  <tr data-depth="{unit.depth}">\n'
            f'    <td><span class="indent" aria-hidden="true">{escape(row["indent"])}</span>'
            f'<a href="{escape(row["url"])}">{escape(unit.name)}</a></td>\n'
            f"    <td><code>{escape(unit.code)}</code></td>\n"
            f"    <td>{escape(row['kind'])}</td>\n"
            f"    <td>{escape(parent.name) if parent else no_parent}</td>\n"
            f"    <td>{active if unit.is_active else deactivated}</td>\n"
            "  </tr>\n  "
        )
    return SafeString("".join(out))


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = access.get_unit_for_user(user, pk)
    people = (
        access.visible_people(user)
        .filter(unit=unit)
        .select_related("unit")
        .prefetch_related(_grants_with_units())
        .order_by("username")
    )
    grants_here = [
        {"grant": g, "visible": access.can(user, "org.view_person", g.user)}
        for g in RoleGrant.objects.filter(unit=unit)
        .select_related("user__unit")
        .order_by("role", "user__username")
    ]
    context = {
        "unit": unit,
        "parent_visible": unit.parent is not None
        and access.can(user, "org.view_unit", unit.parent),
        "children": unit.children.order_by("sort_order", "path"),
        "grants_here": grants_here,
        "page": paginate(request, people),
        "can_manage": access.can(user, "org.manage_unit", unit),
        "can_manage_people": access.can(user, "org.manage_people", unit),
    }
    return render(request, "org/unit_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def unit_create_top(request: HttpRequest) -> HttpResponse:
    """A new unit under any unit the office manages, or at the top of the tree."""
    user = request.user
    access.require(user, "org.manage_unit")
    top = access.visible_units(user, [Role.OFFICE]).order_by("path").first()
    form = UnitCreateForm(
        request.POST or None,
        actor=user,
        initial={"kind": UnitKind.DISTRICT, "parent": top.pk if top else None},
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        parent = fields.pop("parent")
        try:
            unit = actions.create_unit(user, parent=parent, **fields)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was created.") % {"name": unit.name})
            return redirect("org:unit_detail", pk=unit.pk)
    return _form_page(request, form, title=_("New unit"), cancel_url=reverse("org:unit_list"))


@require_http_methods(["GET", "POST"])
@login_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new unit below the unit `pk`."""
    parent = access.get_unit_for_user(request.user, pk)
    access.require(request.user, "org.manage_unit", parent)
    form = UnitCreateForm(request.POST or None, initial={"kind": UnitKind.SUBUNIT})
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.create_unit(request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was created.") % {"name": unit.name})
            return redirect("org:unit_detail", pk=unit.pk)
    return _form_page(
        request,
        form,
        title=_("New unit under %(parent)s") % {"parent": parent.name},
        cancel_url=reverse("org:unit_detail", args=[parent.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk)
    access.require(request.user, "org.manage_unit", unit)
    form = UnitEditForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_unit(request.user, unit, form.changes())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was saved.") % {"name": unit.name})
            return redirect("org:unit_detail", pk=unit.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(unit)s") % {"unit": unit.name},
        cancel_url=reverse("org:unit_detail", args=[unit.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.get_unit_for_user(request.user, pk)
    access.require(request.user, "org.manage_unit", unit)
    form = UnitMoveForm(request.POST or None, unit=unit, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.move_unit(request.user, unit, form.cleaned_data["parent"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The unit %(name)s was moved.") % {"name": unit.name})
            return redirect("org:unit_detail", pk=unit.pk)
    return _form_page(
        request,
        form,
        title=_("Move %(unit)s") % {"unit": unit.name},
        cancel_url=reverse("org:unit_detail", args=[unit.pk]),
        intro=_("The unit moves with every unit below it."),
    )


# --- people ---------------------------------------------------------------------------------


def _manages_people(user) -> bool:
    return access.can(user, "org.manage_people")


@require_GET
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, "org.view_people")
    # Everything the list shows is people, units and grants, and who looks (their grants
    # and rules): the body is kept per viewer, language and query until any of those
    # tables changes (core/generation.py), so paging back and forth reads nothing.
    key = (user.pk, translation.get_language(), request.GET.urlencode())
    body = generation.cached(
        "org.person_list", key, lambda: _person_list_body(request), limit=PAGE_CACHE_LIMIT
    )
    return render(request, "org/person_list.html", {"body": body})


PAGE_CACHE_LIMIT = 500  # rendered bodies of 10-40 kB


def _person_list_body(request: HttpRequest) -> SafeString:
    user = request.user
    form = PersonFilterForm(request.GET, actor=user)
    valid = form.is_valid()
    include_inactive = valid and bool(form.cleaned_data.get("inactive"))
    people = access.visible_people(user, include_inactive=include_inactive).select_related("unit")
    if valid:
        if q := form.cleaned_data["q"].strip():
            people = people.filter(
                Q(username__icontains=q) | Q(full_name__icontains=q) | Q(title__icontains=q)
            )
        if unit := form.cleaned_data["unit"]:
            people = people.filter(unit__in=Unit.objects.subtree_of(unit))
        if role := form.cleaned_data["role"]:
            people = people.filter(Exists(RoleGrant.objects.filter(user=OuterRef("pk"), role=role)))
    page = paginate(request, people.order_by("unit__path", "username"))
    rows = _person_rows(user, page)
    return render_to_string(
        "org/_person_list_body.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "rows_html": _person_rows_html(rows),
            "filtered": bool(form.data),
            "can_create": _manages_people(user),
        },
        request=request,
    )


def _person_rows(user, page) -> list[dict[str, Any]]:
    """What each row shows, worked out here: labels translated and the detail URL
    reversed once per page rather than once per row in the template."""
    people = list(page)
    role_labels = {value: str(label) for value, label in Role.choices}
    badge = _("%(role)s · %(unit)s")
    english = current_is_english()
    roles: dict[int, list[str]] = {p.pk: [] for p in people}
    if people:
        # Plain values rather than prefetched grants and units: no model instances.
        for user_id, role, name_zh, name_en in (
            RoleGrant.objects.filter(user__in=roles)
            .order_by("role", "unit__path")
            .values_list("user_id", "role", "unit__name_zh", "unit__name_en")
        ):
            unit = (name_en or name_zh) if english else (name_zh or name_en)
            roles[user_id].append(badge % {"role": role_labels.get(role, role), "unit": unit})
    detail_url = _url_for_pk("org:person_detail")
    return [
        {
            "person": person,
            "url": detail_url(person.pk),
            "unit": person.unit.name if person.unit else "",
            "roles": roles[person.pk],
            "contact": access.can(user, "org.view_contact", person),
        }
        for person in people
    ]


def _person_rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The table's rows by string formatting: through the template, each cell's nodes
    cost more than reading the page of people."""
    deactivated = f' <span class="badge grey">{escape(_("deactivated"))}</span>'
    no_role = f'<span class="muted">{escape(_("no role"))}</span>'
    hidden = '<span class="muted">—</span>'
    out = []
    for row in rows:
        person = row["person"]
        badges = "".join(f'<span class="badge blue">{escape(r)}</span> ' for r in row["roles"])
        out.append(
            f'<tr><td><a href="{escape(row["url"])}">{escape(person.display_name)}</a>'
            f"{'' if person.is_active else deactivated}</td>"
            f"<td>{escape(person.username)}</td>"
            f"<td>{escape(row['unit'])}</td>"
            f"<td>{escape(person.title or '—')}</td>"
            f"<td>{badges or no_role}</td>"
            f"<td>{escape(person.phone or '—') if row['contact'] else hidden}</td></tr>"
        )
    return SafeString("\n".join(out))


def _person(request: HttpRequest, pk: int) -> User:
    """The person, or 404; deactivated accounts are found by those who manage people."""
    return access.get_person_for_user(
        request.user, pk, include_inactive=_manages_people(request.user)
    )


@require_GET
@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = _person(request, pk)
    grants = [
        {"grant": g, "can_revoke": access.can(user, "org.manage_people", g.unit)}
        for g in person.grants.select_related("unit").order_by("role", "unit__path")
    ]
    context = {
        "person": person,
        "grants": grants,
        "show_contact": access.can(user, "org.view_contact", person),
        "can_manage": access.can(user, "org.manage_people", person.unit),
        "unit_visible": person.unit is not None and access.can(user, "org.view_unit", person.unit),
    }
    return render(request, "org/person_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, "org.manage_people")
    form = PersonCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.create_person(
                request.user, password=form.cleaned_data["password1"], **form.person_fields()
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request, _("The account of %(name)s was created.") % {"name": person.display_name}
            )
            return redirect("org:person_detail", pk=person.pk)
    return _form_page(request, form, title=_("New person"), cancel_url=reverse("org:person_list"))


def _person_for_management(request: HttpRequest, pk: int) -> User:
    person = _person(request, pk)
    access.require(request.user, "org.manage_people", person.unit)
    return person


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_management(request, pk)
    form = PersonEditForm(request.POST or None, instance=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(request.user, person, form.changes())
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": person.display_name})
            return redirect("org:person_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": person.display_name},
        cancel_url=reverse("org:person_detail", args=[person.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def person_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_management(request, pk)
    form = PersonPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.set_password(request.user, person, form.cleaned_data["new_password1"])
        messages.success(
            request, _("A new password was set for %(name)s.") % {"name": person.display_name}
        )
        return redirect("org:person_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        title=_("Set a new password for %(name)s") % {"name": person.display_name},
        cancel_url=reverse("org:person_detail", args=[person.pk]),
        intro=_("Tell the person their new password in person or by phone, never by e-mail."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_management(request, pk)
    form = GrantForm(request.POST or None, person=person, actor=request.user)
    if request.method == "POST" and form.is_valid():
        role, unit = form.cleaned_data["role"], form.cleaned_data["unit"]
        try:
            grant = actions.grant_role(request.user, person, role, unit)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s over %(unit)s.")
                % {
                    "name": person.display_name,
                    "role": grant.get_role_display(),
                    "unit": unit.name,
                },
            )
            return redirect("org:person_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        title=_("Give %(name)s a role") % {"name": person.display_name},
        cancel_url=reverse("org:person_detail", args=[person.pk]),
    )


@require_POST
@login_required
def grant_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    person = _person(request, pk)
    grant = get_object_or_404(RoleGrant.objects.select_related("unit"), pk=grant_pk, user=person)
    try:
        actions.revoke_role(request.user, grant)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s no longer holds the role %(role)s over %(unit)s.")
            % {"name": person.display_name, "role": grant.get_role_display(), "unit": grant.unit},
        )
    return redirect("org:person_detail", pk=person.pk)
