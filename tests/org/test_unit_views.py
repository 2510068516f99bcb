"""The unit screens: tree list, unit page, and the office's create, edit and move forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.org import actions
from campaigndesk.org.models import Role, Unit, UnitKind
from tests.factories import UserFactory, grant


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def codes_in(response) -> list[str]:
    return [row["unit"].code for row in response.context["rows"]]


# --- list -----------------------------------------------------------------------------------


def test_office_sees_every_unit_as_a_tree_in_path_order(world, client_for):
    response = client_for(world.office).get(reverse("org:unit_list"))
    assert response.status_code == 200
    codes = codes_in(response)
    assert set(codes) == {"CITY", "OFFICE", "GJZ", "GJZ-ST", "ZS", "KJJ"}
    assert codes[0] == "CITY"
    # The street office comes right after its district, indented one level deeper.
    assert codes.index("GJZ-ST") == codes.index("GJZ") + 1
    indents = {row["unit"].code: row["indent"] for row in response.context["rows"]}
    assert indents["CITY"] == ""
    assert len(indents["GJZ-ST"]) == len(indents["GJZ"]) + 1


def test_district_liaison_sees_only_its_district_and_below_indented_from_the_district(
    world, client_for
):
    response = client_for(world.gjz_liaison).get(reverse("org:unit_list"))
    assert response.status_code == 200
    assert codes_in(response) == ["GJZ", "GJZ-ST"]
    assert [len(r["indent"]) for r in response.context["rows"]] == [0, 1]
    assert "中山区" not in response.content.decode()


def test_person_without_a_role_may_not_open_the_unit_list(world, client_for):
    assert client_for(world.nobody).get(reverse("org:unit_list")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_unit_list(world, client_for):
    assert login_url_in(client_for(None).get(reverse("org:unit_list")))


def test_unit_list_refuses_post(world, client_for):
    assert client_for(world.office).post(reverse("org:unit_list")).status_code == 405


def test_unit_list_filters_by_kind(world, client_for):
    response = client_for(world.office).get(reverse("org:unit_list"), {"kind": "district"})
    assert codes_in(response) == ["GJZ", "ZS"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("甘井子", ["GJZ", "GJZ-ST"]), ("kjj", ["KJJ"]), ("zhongshan", ["ZS"]), ("nothing", [])],
)
def test_unit_list_searches_names_and_codes(world, client_for, q, expected):
    response = client_for(world.office).get(reverse("org:unit_list"), {"q": q})
    assert codes_in(response) == expected


def test_unit_list_search_stays_inside_the_scope(world, client_for):
    response = client_for(world.zs_liaison).get(reverse("org:unit_list"), {"q": "甘井子"})
    assert codes_in(response) == []
    assert "No units match these filters." in response.content.decode()


def test_unit_list_pages(world, client_for):
    client = client_for(world.office)
    first = client.get(reverse("org:unit_list"), {"per_page": 4})
    second = client.get(reverse("org:unit_list"), {"per_page": 4, "page": 2})
    assert len(first.context["rows"]) == 4
    assert len(second.context["rows"]) == 2
    assert set(codes_in(first)).isdisjoint(codes_in(second))
    assert 'rel="next"' in first.content.decode()


def test_unit_list_with_an_unknown_kind_shows_the_error(world, client_for):
    response = client_for(world.office).get(reverse("org:unit_list"), {"kind": "planet"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]


# --- unit page ------------------------------------------------------------------------------


def test_office_sees_the_unit_page_with_children_people_roles_and_history(world, client_for):
    actions.update_unit(world.office, world.ganjingzi, {"name_en": "Ganjingzi"})
    response = client_for(world.office).get(reverse("org:unit_detail", args=[world.ganjingzi.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "甘井子区" in page and "Ganjingzi" in page
    assert "GJZ-ST" in page  # the child
    assert {p.username for p in response.context["page"]} == {"gjz_head", "gjz_liaison"}
    assert {r["grant"].user.username for r in response.context["grants_here"]} == {
        "gjz_head",
        "gjz_liaison",
    }
    assert "Ganjingzi District → Ganjingzi" in page  # the history block
    assert reverse("org:unit_edit", args=[world.ganjingzi.pk]) in page


def test_liaison_reads_its_unit_page_without_edit_links(world, client_for):
    response = client_for(world.gjz_liaison).get(
        reverse("org:unit_detail", args=[world.ganjingzi.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("org:unit_edit", args=[world.ganjingzi.pk]) not in page
    assert reverse("org:unit_create", args=[world.ganjingzi.pk]) not in page
    # A liaison may not read the audit trail, so the history has no link into it.
    assert reverse("audit:list") not in page


def test_street_liaison_sees_its_parent_named_but_not_linked(world, client_for):
    response = client_for(world.street_liaison).get(
        reverse("org:unit_detail", args=[world.street.pk])
    )
    assert response.status_code == 200
    assert response.context["parent_visible"] is False
    assert reverse("org:unit_detail", args=[world.ganjingzi.pk]) not in response.content.decode()


def test_liaison_of_another_district_gets_404_for_the_unit_page(world, client_for):
    response = client_for(world.zs_liaison).get(
        reverse("org:unit_detail", args=[world.ganjingzi.pk])
    )
    assert response.status_code == 404


def test_missing_unit_gives_404(world, client_for):
    assert client_for(world.office).get(reverse("org:unit_detail", args=[99999])).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_a_unit_page(world, client_for):
    assert login_url_in(client_for(None).get(reverse("org:unit_detail", args=[world.city.pk])))


def test_unit_page_refuses_post(world, client_for):
    url = reverse("org:unit_detail", args=[world.city.pk])
    assert client_for(world.office).post(url).status_code == 405


# --- create ---------------------------------------------------------------------------------


def new_unit_data(**overrides):
    data = {
        "code": "GJZ-NEW",
        "name_zh": "甘井子区新街道",
        "name_en": "A new street office",
        "short_name_zh": "",
        "kind": UnitKind.SUBUNIT,
        "sort_order": 3,
    }
    return {**data, **overrides}


def test_office_creates_a_sub_unit_and_the_trail_records_it(world, client_for):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, new_unit_data())
    unit = Unit.objects.get(code="GJZ-NEW")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert unit.parent == world.ganjingzi and unit.is_within(world.ganjingzi)
    assert unit.depth == world.ganjingzi.depth + 1
    record = history_of(unit).get()
    assert record.action == "org.create_unit"
    assert record.actor == world.office
    assert record.source == f"POST {url}"


def test_unit_head_may_not_create_units(world, client_for):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    client = client_for(world.gjz_head)
    assert client.get(url).status_code == 403
    assert client.post(url, new_unit_data()).status_code == 403
    assert not Unit.objects.filter(code="GJZ-NEW").exists()


def test_liaison_of_another_district_gets_404_when_creating_below_it(world, client_for):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    assert client_for(world.zs_liaison).post(url, new_unit_data()).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_create_form(world, client_for):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    assert login_url_in(client_for(None).post(url, new_unit_data()))
    assert not Unit.objects.filter(code="GJZ-NEW").exists()


def test_unit_create_refuses_put(world, client_for):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    assert client_for(world.office).put(url).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "gjz"}, "code", "A unit with the code gjz already exists."),
        ({"code": "GJZ"}, "code", "A unit with the code GJZ already exists."),
        ({"code": "bad code!"}, "code", "Use letters, digits, dot, dash and underscore only."),
        ({"code": "-lead"}, "code", "Use letters, digits, dot, dash and underscore only."),
        ({"code": ""}, "code", "This field is required."),
        ({"name_zh": "  "}, "name_zh", "This field is required."),
        ({"kind": "planet"}, "kind", "Select a valid choice."),
        ({"sort_order": -1}, "sort_order", "greater than or equal to 0"),
    ],
)
def test_unit_create_form_rejects_bad_input_with_a_clear_message(
    world, client_for, overrides, field, message
):
    url = reverse("org:unit_create", args=[world.ganjingzi.pk])
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(url, new_unit_data(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert AuditRecord.objects.count() == before


# --- edit -----------------------------------------------------------------------------------


def test_office_edits_names_kind_sort_and_active_and_the_trail_records_the_diff(world, client_for):
    url = reverse("org:unit_edit", args=[world.zhongshan.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name_zh": "中山区",
            "name_en": "Zhongshan",
            "short_name_zh": "中山",
            "kind": UnitKind.DISTRICT,
            "sort_order": 7,
            # is_active unticked
        },
    )
    assert response.status_code == 302
    world.zhongshan.refresh_from_db()
    assert world.zhongshan.name_en == "Zhongshan"
    assert world.zhongshan.sort_order == 7
    assert world.zhongshan.is_active is False
    record = history_of(world.zhongshan).get()
    assert record.action == "org.update_unit"
    assert record.before == {
        "name_en": "Zhongshan District",
        "short_name_zh": "",
        "sort_order": 0,
        "is_active": True,
    }
    assert record.after == {
        "name_en": "Zhongshan",
        "short_name_zh": "中山",
        "sort_order": 7,
        "is_active": False,
    }


def test_saving_an_unchanged_unit_records_nothing(world, client_for):
    url = reverse("org:unit_edit", args=[world.zhongshan.pk])
    u = world.zhongshan
    data = {
        "name_zh": u.name_zh,
        "name_en": u.name_en,
        "short_name_zh": "",
        "kind": u.kind,
        "sort_order": 0,
        "is_active": "on",
    }
    assert client_for(world.office).post(url, data).status_code == 302
    assert not history_of(world.zhongshan).exists()


def test_unit_edit_requires_a_chinese_name(world, client_for):
    url = reverse("org:unit_edit", args=[world.zhongshan.pk])
    response = client_for(world.office).post(url, {"name_zh": "", "kind": "district"})
    assert response.status_code == 200
    assert response.context["form"].errors["name_zh"]
    world.zhongshan.refresh_from_db()
    assert world.zhongshan.name_zh == "中山区"


def test_liaison_may_read_but_not_edit_its_unit(world, client_for):
    url = reverse("org:unit_edit", args=[world.ganjingzi.pk])
    client = client_for(world.gjz_liaison)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name_zh": "改名", "kind": "district"}).status_code == 403


def test_liaison_of_another_district_gets_404_on_the_edit_form(world, client_for):
    url = reverse("org:unit_edit", args=[world.ganjingzi.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_edit_form(world, client_for):
    assert login_url_in(client_for(None).get(reverse("org:unit_edit", args=[world.city.pk])))


def test_unit_edit_refuses_delete(world, client_for):
    url = reverse("org:unit_edit", args=[world.city.pk])
    assert client_for(world.office).delete(url).status_code == 405


# --- move -----------------------------------------------------------------------------------


def test_office_moves_a_unit_with_its_subtree_under_another_parent(world, client_for):
    below_street = actions.create_unit(
        world.office, parent=world.street, code="GJZ-ST-1", name_zh="社区", kind="subunit"
    )
    url = reverse("org:unit_move", args=[world.street.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, {"parent": world.zhongshan.pk})
    assert response.status_code == 302
    world.street.refresh_from_db()
    below_street.refresh_from_db()
    assert world.street.parent == world.zhongshan
    assert world.street.is_within(world.zhongshan)
    assert below_street.is_within(world.street) and below_street.depth == 3
    record = history_of(world.street).first()
    assert record.action == "org.move_unit"
    assert record.before["parent_id"] == world.ganjingzi.pk
    assert record.after["parent_id"] == world.zhongshan.pk
    # The street liaison's scope moved with the unit.
    assert not access_sees(world.gjz_liaison, world.street)
    assert verify().ok


def access_sees(user, unit) -> bool:
    from campaigndesk.org import access

    access.forget_grants(user)
    return access.visible_units(user).filter(pk=unit.pk).exists()


@pytest.mark.parametrize("target", ["ganjingzi", "street"])
def test_a_unit_cannot_be_moved_below_itself(world, client_for, target):
    url = reverse("org:unit_move", args=[world.ganjingzi.pk])
    response = client_for(world.office).post(url, {"parent": getattr(world, target).pk})
    assert response.status_code == 200
    assert "cannot be moved below itself" in response.context["form"].errors["parent"][0]
    world.ganjingzi.refresh_from_db()
    assert world.ganjingzi.parent == world.city


def test_moving_a_unit_to_its_own_parent_is_refused(world, client_for):
    url = reverse("org:unit_move", args=[world.ganjingzi.pk])
    response = client_for(world.office).post(url, {"parent": world.city.pk})
    assert response.context["form"].errors["parent"] == ["The unit is already under this parent."]


def test_a_district_office_cannot_move_units_outside_its_district(world, client_for):
    district_office = UserFactory(username="gjz_office", unit=world.ganjingzi)
    grant(district_office, Role.OFFICE, world.ganjingzi)
    url = reverse("org:unit_move", args=[world.street.pk])
    response = client_for(district_office).post(url, {"parent": world.zhongshan.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["parent"][0]


def test_unit_head_may_not_move_units(world, client_for):
    url = reverse("org:unit_move", args=[world.street.pk])
    assert client_for(world.gjz_head).post(url, {"parent": world.city.pk}).status_code == 403


def test_liaison_of_another_district_gets_404_on_the_move_form(world, client_for):
    url = reverse("org:unit_move", args=[world.street.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_move_form(world, client_for):
    assert login_url_in(client_for(None).get(reverse("org:unit_move", args=[world.street.pk])))


def test_unit_move_refuses_patch(world, client_for):
    url = reverse("org:unit_move", args=[world.street.pk])
    assert client_for(world.office).patch(url).status_code == 405
