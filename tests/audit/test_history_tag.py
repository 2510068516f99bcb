"""`{% object_history obj %}`: the last changes of any model instance, on any page."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory

from campaigndesk.audit import trail
from campaigndesk.core import writes
from campaigndesk.org import actions
from campaigndesk.org.models import Role


def render(obj, user, args: str = "") -> str:
    request = RequestFactory().get("/desk/")
    request.user = user
    template = Template("{% load audit %}{% object_history obj " + args + " %}")
    return template.render(Context({"obj": obj, "request": request}))


def test_history_shows_who_when_what_and_each_field_before_and_after(world):
    actions.update_unit(world.office, world.bureau, {"name_en": "Science Bureau", "sort_order": 4})
    html = render(world.bureau, world.office)
    assert "office" in html
    assert "org.update_unit" in html
    assert "English name: Municipal Science and Technology Bureau → Science Bureau" in html
    assert "Sort order: 0 → 4" in html
    assert '<time datetime="' in html


def test_history_works_for_any_model_such_as_a_campaign(world):
    with transaction.atomic():
        writes.update(world.office, world.campaign, {"title_en": "Emancipate the mind"})
    html = render(world.campaign, world.office)
    assert "Emancipate the mind" in html
    assert "/desk/audit/?type=campaigns.campaign&amp;object_id=" in html


def test_history_shows_the_last_twenty_changes_newest_first(world):
    for i in range(25):
        actions.update_unit(world.office, world.bureau, {"sort_order": i + 1})
    html = render(world.bureau, world.office)
    assert html.count("<li>\n      <p>") == 20
    assert ": 24 → 25" in html and ": 5 → 6" in html
    assert ": 4 → 5" not in html
    assert html.index("24 → 25") < html.index("23 → 24")
    assert "Showing the last 20 changes." in html


def test_history_of_an_unchanged_object_says_so(world):
    assert "No changes have been recorded yet." in render(world.bureau, world.office)


def test_history_links_to_the_full_trail_only_for_those_who_may_read_it(world):
    actions.update_unit(world.office, world.ganjingzi, {"name_en": "Ganjingzi"})
    link = f"/desk/audit/?type=org.unit&amp;object_id={world.ganjingzi.pk}"
    assert link in render(world.ganjingzi, world.office)
    assert link in render(world.ganjingzi, world.leader)
    liaison_view = render(world.ganjingzi, world.gjz_liaison)
    assert "/desk/audit/" not in liaison_view
    assert "Ganjingzi District → Ganjingzi" in liaison_view


def test_history_does_not_mix_in_other_objects(world):
    actions.update_unit(world.office, world.zhongshan, {"name_en": "Zhongshan"})
    assert "No changes have been recorded yet." in render(world.ganjingzi, world.office)


def test_history_can_include_records_of_related_objects(world):
    actions.update_person(world.office, world.nobody, {"title": "处长"})
    role_grant = actions.grant_role(world.office, world.nobody, Role.VIEWER, world.bureau)
    actions.revoke_role(world.office, role_grant)
    actions.grant_role(world.office, world.zs_liaison, Role.VIEWER, world.bureau)  # someone else
    html = render(world.nobody, world.office, 'include="org.rolegrant:user_id"')
    assert "org.update_person" in html
    assert html.count("org.grant_role") == 1
    assert "org.revoke_role" in html
    # Foreign keys read as the names of what they point at, not as ids.
    assert "Unit: Municipal Science and Technology Bureau" in html


def test_history_names_foreign_keys_with_one_query_per_related_model(
    world, django_assert_num_queries
):
    for target in [world.zhongshan, world.ganjingzi, world.zhongshan]:
        actions.move_unit(world.office, world.street, target)
    render(world.street, world.office)  # warm the content-type cache
    # 1 the records, 2 the reference stamp: the units their parent ids point at are
    # kept per process until a unit changes (outside a request the stamp is read at
    # each use).
    with django_assert_num_queries(2):
        html = render(world.street, world.office)
    assert "Parent unit: Ganjingzi District → Zhongshan District" in html
    assert "Parent unit: Zhongshan District → Ganjingzi District" in html


def test_history_names_a_renamed_unit_by_its_new_name_at_once(world):
    actions.move_unit(world.office, world.street, world.zhongshan)
    assert "Parent unit: Ganjingzi District → Zhongshan District" in render(
        world.street, world.office
    )
    type(world.zhongshan).objects.filter(pk=world.zhongshan.pk).update(name_en="Zhongshan")
    html = render(world.street, world.office)
    assert "Parent unit: Ganjingzi District → Zhongshan" in html
    assert "Zhongshan District" not in html


def test_history_masks_contact_details_for_those_who_may_not_see_them(world):
    actions.update_person(world.office, world.gjz_liaison, {"email": "l@gjz.example.invalid"})
    assert "l@gjz.example.invalid" in render(world.gjz_liaison, world.office)
    assert "l@gjz.example.invalid" in render(world.gjz_liaison, world.gjz_head)
    leader_view = render(world.gjz_liaison, world.leader)
    assert "l@gjz.example.invalid" not in leader_view
    assert "(hidden)" in leader_view


def test_history_of_system_changes_names_the_command(world):
    from campaigndesk.org.access import SYSTEM

    with trail.source("command:demo"):
        actions.update_unit(SYSTEM, world.city, {"name_en": "Dalian City"})
    assert "system (command:demo)" in render(world.city, world.office)


def test_a_malformed_include_is_a_template_error(world):
    with pytest.raises(TemplateSyntaxError, match=r"app\.model:field"):
        render(world.nobody, world.office, 'include="rolegrant"')
