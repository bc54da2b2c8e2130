"""The help pages: one per role and language, reachable from the menu, nothing left untranslated."""

from __future__ import annotations

import re

import pytest

from tests.support import login, post

ROLES = ("cadre", "trainer", "commander", "admin")
TITLES = {
    "vi": {
        "cadre": "Hướng dẫn cho cán bộ, chiến sỹ",
        "trainer": "Hướng dẫn cho giảng viên",
        "commander": "Hướng dẫn cho chỉ huy",
        "admin": "Hướng dẫn cho quản trị",
    },
    "en": {
        "cadre": "Help for cadres and soldiers",
        "trainer": "Help for trainers",
        "commander": "Help for commanders",
        "admin": "Help for administrators",
    },
}
# Letters that only Vietnamese uses (and its tone marks), never English.
VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ\u0300-\u0323]")
# Common English words that no Vietnamese sentence contains.
ENGLISH = re.compile(
    r"\b(the|and|of|to|your|you|with|press|open|when|is|are|for|or|it)\b", re.IGNORECASE
)


def sign_in(client, username: str, locale: str) -> None:
    login(client, username)
    post(client, "/locale", {"locale": locale, "next": "/"}, token_from="/")


def help_body(html: str) -> str:
    """The page's own text: the role links and the article, without tags."""
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_each_roles_page_renders_in_each_language(client, people, role, locale):
    sign_in(client, people["cadre"].username, locale)
    response = client.get(f"/help/{role}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert TITLES[locale][role] in html
    for other in ROLES:  # every other role's page is one link away
        if other != role:
            assert f'href="/help/{other}"' in html
    body = help_body(html)
    if locale == "en":
        assert not VIETNAMESE.findall(body), body
    else:
        assert not ENGLISH.findall(body), body
    # The steps name the buttons as the interface in that language names them.
    other_locale = "en" if locale == "vi" else "vi"
    assert TITLES[other_locale][role] not in html


@pytest.mark.parametrize(
    ("role", "landing"),
    [("cadre", "cadre"), ("trainer", "trainer"), ("commander", "commander"), ("admin", "admin")],
)
def test_help_in_the_menu_leads_to_the_users_own_role(client, people, role, landing):
    login(client, people[role].username)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/help/">Hướng dẫn</a>' in home
    response = client.get("/help/")
    assert response.status_code == 302
    assert response.location == f"/help/{landing}"


def test_a_user_with_several_roles_lands_on_the_most_specific(client, make_user, province):
    make_user("nhieuvaitro", ("cadre", "trainer"), province["HS"], "Hoàng Văn Bình")
    login(client, "nhieuvaitro")
    assert client.get("/help/").location == "/help/trainer"


def test_an_unknown_role_is_not_found(client, people):
    login(client, people["cadre"].username)
    response = client.get("/help/general")
    assert response.status_code == 404
