"""The people screens: list, person page, the office's account forms, role grants."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of, verify
from campaigndesk.org import actions
from campaigndesk.org.models import Role, RoleGrant, User
from tests.factories import UserFactory, grant


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def usernames_in(response) -> set[str]:
    return {row["person"].username for row in response.context["rows"]}


@pytest.fixture
def contacts(world):
    """Give the Ganjingzi liaison a phone number and e-mail to look for."""
    world.gjz_liaison.phone = "0411-8888-0001"
    world.gjz_liaison.email = "liaison@gjz.example.invalid"
    world.gjz_liaison.title = "科员"
    world.gjz_liaison.save(update_fields=["phone", "email", "title"])
    return world.gjz_liaison


@pytest.fixture
def district_office(world):
    """An office supervisor whose grant covers Ganjingzi only."""
    person = UserFactory(username="gjz_office", unit=world.ganjingzi)
    grant(person, Role.OFFICE, world.ganjingzi)
    return person


# --- list -----------------------------------------------------------------------------------


def test_office_lists_every_active_person_with_phone_numbers(world, client_for, contacts):
    response = client_for(world.office).get(reverse("org:person_list"))
    assert response.status_code == 200
    assert len(usernames_in(response)) == 9
    assert "0411-8888-0001" in response.content.decode()
    assert response.context["can_create"] is True


def test_liaison_lists_the_people_of_its_district_without_their_phone_numbers(
    world, client_for, contacts
):
    response = client_for(world.street_liaison).get(reverse("org:person_list"))
    assert usernames_in(response) == {"street_liaison"}
    response = client_for(world.zs_liaison).get(reverse("org:person_list"))
    assert usernames_in(response) == {"zs_liaison"}
    response = client_for(world.gjz_head).get(reverse("org:person_list"))
    assert usernames_in(response) == {"gjz_head", "gjz_liaison", "street_liaison"}
    # The unit head covers the liaison, so sees the phone; a leader does not.
    assert "0411-8888-0001" in response.content.decode()
    leader_page = client_for(world.leader).get(reverse("org:person_list")).content.decode()
    assert "0411-8888-0001" not in leader_page
    assert response.context["can_create"] is False


def test_person_without_a_role_may_not_open_the_people_list(world, client_for):
    assert client_for(world.nobody).get(reverse("org:person_list")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_people_list(world, client_for):
    assert login_url_in(client_for(None).get(reverse("org:person_list")))


def test_people_list_refuses_post(world, client_for):
    assert client_for(world.office).post(reverse("org:person_list")).status_code == 405


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unit": "ganjingzi"}, {"gjz_head", "gjz_liaison", "street_liaison"}),
        ({"unit": "street"}, {"street_liaison"}),
        ({"role": Role.LIAISON}, {"gjz_liaison", "street_liaison", "zs_liaison"}),
        ({"role": Role.UNIT_HEAD, "unit": "ganjingzi"}, {"gjz_head"}),
        ({"q": "liaison"}, {"gjz_liaison", "street_liaison", "zs_liaison"}),
        ({"q": "科员"}, {"gjz_liaison"}),
        ({"q": "no such person"}, set()),
    ],
)
def test_people_list_filters_by_unit_role_and_text(world, client_for, contacts, params, expected):
    if "unit" in params:
        params = {**params, "unit": getattr(world, params["unit"]).pk}
    response = client_for(world.office).get(reverse("org:person_list"), params)
    assert usernames_in(response) == expected


def test_people_list_rejects_a_unit_outside_the_scope_as_a_filter(world, client_for):
    response = client_for(world.zs_liaison).get(
        reverse("org:person_list"), {"unit": world.ganjingzi.pk}
    )
    assert response.context["form"].errors["unit"]
    assert usernames_in(response) == {"zs_liaison"}


def test_only_managers_can_list_deactivated_people(world, client_for):
    world.gjz_liaison.is_active = False
    world.gjz_liaison.save(update_fields=["is_active"])
    office = client_for(world.office)
    assert "gjz_liaison" not in usernames_in(office.get(reverse("org:person_list")))
    with_inactive = office.get(reverse("org:person_list"), {"inactive": "on"})
    assert "gjz_liaison" in usernames_in(with_inactive)
    head = client_for(world.gjz_head).get(reverse("org:person_list"), {"inactive": "on"})
    assert "gjz_liaison" not in usernames_in(head)


def test_people_list_pages(world, client_for):
    response = client_for(world.office).get(reverse("org:person_list"), {"per_page": 5})
    assert len(response.context["rows"]) == 5
    assert response.context["page"].paginator.num_pages == 2


# --- person page ----------------------------------------------------------------------------


def test_office_sees_the_person_page_with_contact_roles_and_history(world, client_for, contacts):
    actions.update_person(world.office, contacts, {"title": "副科长"})
    actions.grant_role(world.office, contacts, Role.LIAISON, world.street)
    response = client_for(world.office).get(reverse("org:person_detail", args=[contacts.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "0411-8888-0001" in page and "liaison@gjz.example.invalid" in page
    assert {r["grant"].unit.code for r in response.context["grants"]} == {"GJZ", "GJZ-ST"}
    assert "科员 → 副科长" in page  # the person's own history ...
    assert "org.grant_role" in page  # ... and the roles given to them
    assert reverse("org:grant_create", args=[contacts.pk]) in page


@pytest.mark.parametrize(
    ("persona", "sees_contact"),
    [
        ("office", True),
        ("gjz_head", True),
        ("gjz_liaison", True),  # themself
        ("leader", False),
        ("inspector", False),
        ("viewer", False),
    ],
)
def test_contact_details_are_shown_to_the_office_unit_heads_and_the_person(
    world, client_for, contacts, persona, sees_contact
):
    response = client_for(getattr(world, persona)).get(
        reverse("org:person_detail", args=[contacts.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert ("0411-8888-0001" in page) is sees_contact
    assert ("liaison@gjz.example.invalid" in page) is sees_contact
    assert "科员" in page  # name, position and unit are for everyone who sees the person


def test_history_hides_contact_changes_from_people_who_may_not_see_contacts(
    world, client_for, contacts
):
    actions.update_person(world.office, contacts, {"phone": "0411-9999-0002"})
    leader_page = client_for(world.leader).get(reverse("org:person_detail", args=[contacts.pk]))
    assert "0411-9999-0002" not in leader_page.content.decode()
    assert "(hidden)" in leader_page.content.decode()
    office_page = client_for(world.office).get(reverse("org:person_detail", args=[contacts.pk]))
    assert "0411-8888-0001 → 0411-9999-0002" in office_page.content.decode()


def test_street_liaison_reads_its_own_page_without_management_links(world, client_for):
    response = client_for(world.street_liaison).get(
        reverse("org:person_detail", args=[world.street_liaison.pk])
    )
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert reverse("org:person_edit", args=[world.street_liaison.pk]) not in (
        response.content.decode()
    )


def test_liaison_of_another_district_gets_404_for_a_person_page(world, client_for):
    url = reverse("org:person_detail", args=[world.gjz_liaison.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_a_person_page(world, client_for):
    assert login_url_in(
        client_for(None).get(reverse("org:person_detail", args=[world.gjz_liaison.pk]))
    )


def test_person_page_refuses_post(world, client_for):
    url = reverse("org:person_detail", args=[world.gjz_liaison.pk])
    assert client_for(world.office).post(url).status_code == 405


# --- create ---------------------------------------------------------------------------------


def new_person_data(world, **overrides):
    data = {
        "username": "gjz_new",
        "full_name": "王新",
        "email": "wang@gjz.example.invalid",
        "unit": world.ganjingzi.pk,
        "title": "科员",
        "phone": "0411-1234-5678",
        "password1": "Harbour-lights-2018",
        "password2": "Harbour-lights-2018",
    }
    return {**data, **overrides}


def test_office_creates_an_account_with_an_initial_password(world, client_for):
    url = reverse("org:person_create")
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, new_person_data(world))
    person = User.objects.get(username="gjz_new")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:person_detail", args=[person.pk])
    assert person.unit == world.ganjingzi and person.full_name == "王新"
    assert person.check_password("Harbour-lights-2018")
    record = history_of(person).get()
    assert record.action == "org.create_person"
    assert "password" not in record.after
    assert record.after["username"] == "gjz_new"


def test_unit_head_may_not_create_accounts(world, client_for):
    client = client_for(world.gjz_head)
    assert client.get(reverse("org:person_create")).status_code == 403
    assert client.post(reverse("org:person_create"), new_person_data(world)).status_code == 403
    assert not User.objects.filter(username="gjz_new").exists()


def test_district_office_cannot_put_an_account_in_another_district(
    world, client_for, district_office
):
    data = new_person_data(world, unit=world.zhongshan.pk)
    response = client_for(district_office).post(reverse("org:person_create"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["unit"][0]


def test_anonymous_visitor_is_sent_to_sign_in_from_the_new_person_form(world, client_for):
    assert login_url_in(client_for(None).post(reverse("org:person_create"), new_person_data(world)))


def test_new_person_form_refuses_put(world, client_for):
    assert client_for(world.office).put(reverse("org:person_create")).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "OFFICE"}, "username", "already exists"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
        ({"username": ""}, "username", "This field is required."),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"unit": ""}, "unit", "This field is required."),
        ({"password2": "Harbour-lights-2019"}, "password2", "didn’t match"),
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"password1": "password1", "password2": "password1"}, "password2", "too common"),
        ({"password1": "4930572916", "password2": "4930572916"}, "password2", "entirely numeric"),
        (
            {
                "username": "harbourlights",
                "password1": "harbourlights",
                "password2": "harbourlights",
            },
            "password2",
            "too similar",
        ),
    ],
)
def test_new_person_form_rejects_bad_input_with_a_clear_message(
    world, client_for, overrides, field, message
):
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(
        reverse("org:person_create"), new_person_data(world, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert AuditRecord.objects.count() == before


# --- edit -----------------------------------------------------------------------------------


def edit_data(person, **overrides):
    data = {
        "full_name": person.full_name,
        "email": person.email,
        "unit": person.unit_id,
        "title": person.title,
        "phone": person.phone,
        "is_active": "on",
    }
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


def test_office_edits_a_person_and_the_trail_records_the_diff(world, client_for, contacts):
    url = reverse("org:person_edit", args=[contacts.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(contacts, title="科长", unit=world.street.pk))
    assert response.status_code == 302
    contacts.refresh_from_db()
    assert contacts.title == "科长" and contacts.unit == world.street
    record = history_of(contacts).get()
    assert record.action == "org.update_person"
    assert record.before == {"title": "科员", "unit_id": world.ganjingzi.pk}
    assert record.after == {"title": "科长", "unit_id": world.street.pk}


def test_office_deactivates_and_reactivates_a_person(world, client_for):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    client = client_for(world.office)
    client.post(url, edit_data(world.gjz_liaison, is_active=None))
    world.gjz_liaison.refresh_from_db()
    assert world.gjz_liaison.is_active is False
    # Still reachable by the office, so it can be undone.
    assert client.get(reverse("org:person_detail", args=[world.gjz_liaison.pk])).status_code == 200
    client.post(url, edit_data(world.gjz_liaison))
    world.gjz_liaison.refresh_from_db()
    assert world.gjz_liaison.is_active is True
    assert [r.after for r in history_of(world.gjz_liaison).order_by("pk")] == [
        {"is_active": False},
        {"is_active": True},
    ]


def test_office_cannot_deactivate_its_own_account(world, client_for):
    url = reverse("org:person_edit", args=[world.office.pk])
    response = client_for(world.office).post(url, edit_data(world.office, is_active=None))
    assert response.status_code == 200
    assert response.context["form"].errors["is_active"] == [
        "You cannot deactivate your own account."
    ]


@pytest.mark.parametrize(
    ("overrides", "field"), [({"full_name": ""}, "full_name"), ({"email": "x@"}, "email")]
)
def test_person_edit_form_rejects_bad_input(world, client_for, overrides, field):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    response = client_for(world.office).post(url, edit_data(world.gjz_liaison, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not history_of(world.gjz_liaison).exists()


def test_unit_head_may_not_edit_people(world, client_for):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    client = client_for(world.gjz_head)
    assert client.get(url).status_code == 403
    assert client.post(url, edit_data(world.gjz_liaison, title="x")).status_code == 403


def test_liaison_of_another_district_gets_404_on_the_person_edit_form(world, client_for):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_person_edit_form(world, client_for):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    assert login_url_in(client_for(None).get(url))


def test_person_edit_refuses_delete(world, client_for):
    url = reverse("org:person_edit", args=[world.gjz_liaison.pk])
    assert client_for(world.office).delete(url).status_code == 405


# --- password -------------------------------------------------------------------------------


def test_office_sets_a_new_password_and_the_trail_records_the_act_without_it(world, client_for):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"new_password1": "Seaside-walk-2019", "new_password2": "Seaside-walk-2019"}
    )
    assert response.status_code == 302
    world.gjz_liaison.refresh_from_db()
    assert world.gjz_liaison.check_password("Seaside-walk-2019")
    record = history_of(world.gjz_liaison).get()
    assert record.action == "org.set_password"
    assert record.before is None and record.after is None


@pytest.mark.parametrize(
    ("p1", "p2", "message"),
    [("Seaside-walk-2019", "other", "didn’t match"), ("12345678", "12345678", "too common")],
)
def test_password_form_rejects_bad_passwords(world, client_for, p1, p2, message):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    response = client_for(world.office).post(url, {"new_password1": p1, "new_password2": p2})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["new_password2"])
    assert not history_of(world.gjz_liaison).exists()


def test_unit_head_may_not_set_passwords(world, client_for):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    data = {"new_password1": "Seaside-walk-2019", "new_password2": "Seaside-walk-2019"}
    assert client_for(world.gjz_head).post(url, data).status_code == 403


def test_liaison_of_another_district_gets_404_on_the_password_form(world, client_for):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_password_form(world, client_for):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    assert login_url_in(client_for(None).get(url))


def test_password_form_refuses_put(world, client_for):
    url = reverse("org:person_password", args=[world.gjz_liaison.pk])
    assert client_for(world.office).put(url).status_code == 405


# --- role grants ----------------------------------------------------------------------------


def test_office_gives_a_role_over_a_unit_and_the_trail_records_it(world, client_for):
    url = reverse("org:grant_create", args=[world.zs_liaison.pk])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": Role.UNIT_HEAD, "unit": world.zhongshan.pk})
    assert response.status_code == 302
    new = RoleGrant.objects.get(user=world.zs_liaison, role=Role.UNIT_HEAD)
    assert new.unit == world.zhongshan
    record = history_of(new).get()
    assert record.action == "org.grant_role"
    assert record.after["user_id"] == world.zs_liaison.pk


def test_giving_a_role_twice_is_refused(world, client_for):
    url = reverse("org:grant_create", args=[world.zs_liaison.pk])
    response = client_for(world.office).post(
        url, {"role": Role.LIAISON, "unit": world.zhongshan.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This person already holds this role over this unit."
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [({"role": "emperor"}, "role"), ({"role": ""}, "role"), ({"unit": ""}, "unit")],
)
def test_grant_form_rejects_bad_input(world, client_for, data, field):
    url = reverse("org:grant_create", args=[world.zs_liaison.pk])
    response = client_for(world.office).post(
        url, {"role": Role.VIEWER, "unit": world.zhongshan.pk, **data}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_a_role_over_a_deactivated_unit_is_refused(world, client_for):
    actions.update_unit(world.office, world.bureau, {"is_active": False})
    url = reverse("org:grant_create", args=[world.zs_liaison.pk])
    response = client_for(world.office).post(url, {"role": Role.VIEWER, "unit": world.bureau.pk})
    assert "deactivated" in response.context["form"].errors["unit"][0]


def test_district_office_may_only_grant_roles_over_its_own_units(
    world, client_for, district_office
):
    url = reverse("org:grant_create", args=[world.street_liaison.pk])
    client = client_for(district_office)
    assert client.post(url, {"role": Role.VIEWER, "unit": world.ganjingzi.pk}).status_code == 302
    response = client.post(url, {"role": Role.VIEWER, "unit": world.city.pk})
    assert "Select a valid choice" in response.context["form"].errors["unit"][0]
    # And a person outside its district is not found at all.
    url = reverse("org:grant_create", args=[world.zs_liaison.pk])
    assert client.get(url).status_code == 404


def test_unit_head_may_not_give_roles(world, client_for):
    url = reverse("org:grant_create", args=[world.gjz_liaison.pk])
    response = client_for(world.gjz_head).post(
        url, {"role": Role.UNIT_HEAD, "unit": world.ganjingzi.pk}
    )
    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user=world.gjz_liaison, role=Role.UNIT_HEAD).exists()


def test_liaison_of_another_district_gets_404_on_the_grant_form(world, client_for):
    url = reverse("org:grant_create", args=[world.gjz_liaison.pk])
    assert client_for(world.zs_liaison).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_grant_form(world, client_for):
    url = reverse("org:grant_create", args=[world.gjz_liaison.pk])
    assert login_url_in(client_for(None).get(url))


def test_grant_form_refuses_put(world, client_for):
    url = reverse("org:grant_create", args=[world.gjz_liaison.pk])
    assert client_for(world.office).put(url).status_code == 405


def revoke_url(person, role_grant) -> str:
    return reverse("org:grant_revoke", args=[person.pk, role_grant.pk])


def test_office_revokes_a_role_and_the_trail_records_it(world, client_for):
    role_grant = world.gjz_liaison.grants.get()
    response = client_for(world.office).post(revoke_url(world.gjz_liaison, role_grant))
    assert response.status_code == 302
    assert not world.gjz_liaison.grants.exists()
    record = AuditRecord.objects.get(action="org.revoke_role")
    assert record.object_id == str(role_grant.pk)
    assert record.before["user_id"] == world.gjz_liaison.pk
    assert verify().ok


def test_office_cannot_revoke_its_own_office_role(world, client_for):
    role_grant = world.office.grants.get()
    response = client_for(world.office).post(revoke_url(world.office, role_grant), follow=True)
    assert "You cannot revoke your own office role" in response.content.decode()
    assert world.office.grants.filter(pk=role_grant.pk).exists()


def test_revoking_a_grant_of_another_person_gives_404(world, client_for):
    role_grant = world.zs_liaison.grants.get()
    response = client_for(world.office).post(revoke_url(world.gjz_liaison, role_grant))
    assert response.status_code == 404
    assert RoleGrant.objects.filter(pk=role_grant.pk).exists()


def test_unit_head_may_not_revoke_roles(world, client_for):
    role_grant = world.gjz_liaison.grants.get()
    response = client_for(world.gjz_head).post(revoke_url(world.gjz_liaison, role_grant))
    assert response.status_code == 403
    assert RoleGrant.objects.filter(pk=role_grant.pk).exists()


def test_liaison_of_another_district_gets_404_when_revoking(world, client_for):
    role_grant = world.gjz_liaison.grants.get()
    response = client_for(world.zs_liaison).post(revoke_url(world.gjz_liaison, role_grant))
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_when_revoking(world, client_for):
    role_grant = world.gjz_liaison.grants.get()
    assert login_url_in(client_for(None).post(revoke_url(world.gjz_liaison, role_grant)))
    assert RoleGrant.objects.filter(pk=role_grant.pk).exists()


def test_revoking_refuses_get(world, client_for):
    role_grant = world.gjz_liaison.grants.get()
    response = client_for(world.office).get(revoke_url(world.gjz_liaison, role_grant))
    assert response.status_code == 405


def test_people_list_rows_link_each_person_and_name_their_roles(world, client_for):
    grant(world.gjz_liaison, Role.VIEWER, world.street)
    response = client_for(world.office).get(
        reverse("org:person_list"), {"unit": world.ganjingzi.pk}
    )
    rows = {row["person"].username: row for row in response.context["rows"]}
    liaison = rows["gjz_liaison"]
    assert liaison["url"] == reverse("org:person_detail", args=[world.gjz_liaison.pk])
    assert liaison["roles"] == [
        "Unit liaison · Ganjingzi District",
        "Viewer · A street office of Ganjingzi",
    ]
    page = response.content.decode()
    assert f'<a href="{liaison["url"]}">' in page
    assert '<span class="badge blue">Viewer · A street office of Ganjingzi</span>' in page
