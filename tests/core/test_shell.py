"""The UI shell: base page, sign-in and password pages, overview, error pages, assets.

The intranet has no CDN and the Content-Security-Policy forbids inline code, so
these tests read the HTML each page sends and check what it loads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from campaigndesk.org.models import User

from ..factories import PhaseFactory

REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


class PageScan(HTMLParser):
    """Collects what a page loads and any inline code the CSP would block."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.style_blocks = 0
        self.html_lang: str | None = None
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.style_attributes += 1
        if any(name.startswith("on") for name in a):
            self.inline_scripts += 1  # onclick= and friends are inline code too
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "script":
            if a.get("src"):
                self.assets.append(a["src"] or "")
            elif a.get("type") != "application/json":
                self._in_inline_script = True
        elif tag == "link" and a.get("href"):
            self.assets.append(a["href"] or "")
        elif tag in {"img", "iframe", "source", "audio", "video"} and a.get("src"):
            self.assets.append(a["src"] or "")
        elif tag == "style":
            self.style_blocks += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_inline_script:
            self.inline_scripts += 1
            self._in_inline_script = False


def scan(response) -> PageScan:
    parser = PageScan()
    parser.feed(response.content.decode())
    return parser


def shell_pages(world, client_for) -> list[tuple[str, Client, str]]:
    office = client_for(world.office)
    return [
        ("login", Client(), reverse("login")),
        ("home", office, reverse("home")),
        ("password change", office, reverse("password_change")),
        ("password reset", Client(), reverse("password_reset")),
        ("home without a role", client_for(world.nobody), reverse("home")),
    ]


# --- Assets and the Content-Security-Policy ----------------------------------------


def test_shell_pages_load_only_assets_served_by_the_project(world, client_for):
    for name, client, url in shell_pages(world, client_for):
        response = client.get(url)
        assert response.status_code == 200, name
        page = scan(response)
        remote = [src for src in page.assets if REMOTE.match(src)]
        assert remote == [], f"{name} loads {remote}"
        assert "/static/campaigndesk/app.css" in page.assets, name
        assert "/static/vendor/htmx/htmx.min.js" in page.assets, name


def test_shell_pages_have_no_inline_scripts_or_styles(world, client_for):
    for name, client, url in shell_pages(world, client_for):
        page = scan(client.get(url))
        assert (page.inline_scripts, page.style_attributes, page.style_blocks) == (0, 0, 0), name


def test_every_page_is_sent_with_a_content_security_policy_of_self(world, client_for):
    for name, client, url in shell_pages(world, client_for):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy, name
        assert "script-src 'self'" in policy, name
        assert "unsafe-inline" not in policy, name


@pytest.mark.parametrize(
    "path",
    [
        "campaigndesk/app.css",
        "campaigndesk/app.js",
        "vendor/htmx/htmx.min.js",
        "vendor/htmx/LICENSE",
        "vendor/htmx/VERSION",
        "vendor/echarts/echarts.min.js",
        "vendor/echarts/LICENSE",
        "vendor/echarts/NOTICE",
        "vendor/echarts/VERSION",
    ],
)
def test_vendored_and_own_static_files_are_in_the_project(path):
    found = finders.find(path)
    assert found, path
    assert Path(found).stat().st_size > 0


@pytest.mark.parametrize(
    ("folder", "package", "licence"),
    [("htmx", "htmx.org", "0BSD"), ("echarts", "echarts", "Apache-2.0")],
)
def test_each_vendored_library_names_its_package_version_licence_and_fetch_date(
    folder, package, licence
):
    text = Path(finders.find(f"vendor/{folder}/VERSION")).read_text()
    assert re.search(rf"^package:\s+{re.escape(package)}\b", text, re.MULTILINE)
    version = re.search(r"^version:\s+(\d+\.\d+\.\d+)$", text, re.MULTILINE)
    assert version
    assert licence in text
    assert re.search(r"^fetched:\s+\d{4}-\d{2}-\d{2}$", text, re.MULTILINE)
    # The built file carries the version it claims (htmx says it in its code, echarts too).
    built = {"htmx": "htmx.min.js", "echarts": "echarts.min.js"}[folder]
    code = Path(finders.find(f"vendor/{folder}/{built}")).read_text()
    assert version.group(1) in code


def test_the_style_sheet_uses_a_font_stack_that_covers_chinese_and_no_web_font():
    css = Path(finders.find("campaigndesk/app.css")).read_text()
    for font in (
        '"PingFang SC"',
        '"Microsoft YaHei"',
        '"Noto Sans CJK SC"',
        '"Source Han Sans SC"',
    ):
        assert font in css
    assert "@font-face" not in css
    assert not REMOTE.search(css) and "url(http" not in css


def test_the_server_error_page_stands_alone_in_both_languages():
    html = render_to_string("500.html")
    page = PageScan()
    page.feed(html)
    assert "服务器出错" in html
    assert "Server error" in html
    assert page.assets == ["/static/campaigndesk/app.css"]
    assert (page.inline_scripts, page.style_attributes) == (0, 0)


# --- Language switch ---------------------------------------------------------------------


@pytest.mark.product_language
def test_language_switch_sets_the_cookie_and_the_next_page_is_in_english(db):
    client = Client()
    login_url = reverse("login")
    assert scan(client.get(login_url)).html_lang == "zh-hans"

    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})

    assert response.status_code == 302
    assert response["Location"] == login_url
    assert response.cookies["django_language"].value == "en"
    assert scan(client.get(login_url)).html_lang == "en"


@pytest.mark.product_language
def test_language_switch_offers_the_other_language_as_a_post_form(db):
    response = Client().get(reverse("login"))
    html = response.content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'name="language" value="en"' in html
    assert 'name="language" value="zh-hans"' not in html  # the current one is not offered


# --- Signing in and out ------------------------------------------------------------------


def test_login_with_the_persona_password_opens_the_overview(world, password):
    client = Client()
    response = client.post(reverse("login"), {"username": "office", "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_signs_nobody_in(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "office", "password": "wrong-password"})
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_returns_to_the_page_that_asked_for_it(world, password):
    client = Client()
    target = reverse("campaigns:list")
    response = client.post(
        reverse("login"), {"username": "office", "password": password, "next": target}
    )
    assert response["Location"] == target


def test_anonymous_visitor_of_the_overview_is_sent_to_sign_in(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_shows_the_demo_hint_only_on_a_demo_server(db, settings):
    settings.DEBUG = False
    assert "demo-hint" not in Client().get(reverse("login")).content.decode()
    settings.DEBUG = True
    assert "demo-hint" in Client().get(reverse("login")).content.decode()


def test_logout_by_get_is_refused(world, client_for):
    client = client_for(world.office)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_logout_by_post_signs_out_and_returns_to_sign_in(world, client_for):
    client = client_for(world.office)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


# --- Passwords -----------------------------------------------------------------------------


def test_password_reset_sends_a_link_that_lets_the_person_set_a_new_password(
    world, mailoutbox, password
):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": world.office.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [world.office.email]
    assert "\n" not in mail.subject
    link = re.search(r"https?://testserver(/accounts/password/reset/\S+/)", mail.body)
    assert link, mail.body
    assert "office" in mail.body  # the user name, in case the person forgot it

    # Django swaps the token in the address for one kept in the session, then shows the form.
    response = client.get(link.group(1))
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.get(form_url)
    assert response.status_code == 200
    assert response.context["validlink"] is True

    new = "a-new-long-passphrase-7"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert Client().login(username="office", password=new)
    assert not Client().login(username="office", password=password)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db, mailoutbox):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.invalid"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_a_used_or_wrong_reset_link_says_it_no_longer_works(world):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    response = Client().get(url)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert reverse("password_reset") in response.content.decode()


def test_password_change_works_and_the_new_password_signs_in(world, client_for, password):
    client = client_for(world.gjz_liaison)
    new = "another-long-passphrase-9"
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("password_change_done")).status_code == 200
    assert Client().login(username="gjz_liaison", password=new)


def test_password_change_with_a_wrong_current_password_shows_the_error(world, client_for):
    client = client_for(world.gjz_liaison)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "x-long-pass-44",
            "new_password2": "x-long-pass-44",
        },
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert User.objects.get(username="gjz_liaison").check_password("x-long-pass-44") is False


def test_password_change_needs_a_signed_in_person(db):
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The overview and the shell around every page ------------------------------------------


@pytest.mark.product_language
def test_overview_shows_the_campaign_its_phases_key_tasks_and_my_roles(world, client_for):
    world.campaign.theme_zh = "解放思想推动高质量发展"
    world.campaign.save(update_fields=["theme_zh"])
    PhaseFactory(
        campaign=world.campaign,
        number=2,
        starts_on=world.campaign.starts_on.replace(year=2019, month=1, day=1),
        ends_on=world.campaign.ends_on,
    )
    response = client_for(world.gjz_liaison).get(reverse("home"))
    html = response.content.decode()
    assert world.campaign.title_zh in html
    assert "解放思想推动高质量发展" in html
    assert world.phase1.name_zh in html
    assert "第2阶段" in html
    assert response.context["campaign"].key_tasks.count() == 1
    assert world.ganjingzi.name_zh in html  # the unit of the liaison's role
    assert 'class="role-list"' in html


def test_overview_in_english_shows_the_english_titles(world, client_for):
    client = client_for(world.office)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert world.campaign.title_en in html
    assert "Phase 1" in html
    assert "Dalian" in html  # the office's role sits at the city


def test_person_without_a_role_is_told_to_ask_the_office(world, client_for):
    client = client_for(world.nobody)
    client.cookies["django_language"] = "en"  # the English text is the one known here
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["campaign"] is None
    assert world.campaign.title_en not in html
    assert 'class="role-list"' not in html
    assert "Ask the campaign office" in html


def test_top_bar_shows_the_person_their_roles_and_the_menu(world, client_for):
    html = client_for(world.office).get(reverse("home")).content.decode()
    assert world.office.full_name in html
    assert 'class="roles"' in html
    assert 'aria-current="page"' in html  # the overview entry is marked current
    assert 'class="skip-link" href="#main"' in html
    assert 'id="main"' in html


def test_top_bar_of_a_person_without_a_role_says_so(world, client_for):
    client = client_for(world.nobody)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert '<span class="badge">No role yet</span>' in html


def test_top_bar_names_the_role_in_words(world, client_for):
    client = client_for(world.gjz_liaison)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert '<span class="badge">Unit liaison</span>' in html


def test_footer_names_the_version(world, client_for):
    html = client_for(world.viewer).get(reverse("home")).content.decode()
    assert f"{metadata.version('campaigndesk')}" in html
    assert 'class="site-footer"' in html


@pytest.mark.product_language
def test_page_not_found_uses_the_shell_with_a_way_back(world, client_for):
    response = client_for(world.office).get("/desk/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="error-page"' in html
    assert reverse("home") in html
    assert scan(response).html_lang == "zh-hans"
