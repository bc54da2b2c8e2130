"""Markdown rendering: ordinary formatting survives, nothing executable does."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from lms.courses.markdown import render

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="/media/abc.png" onload="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://evil.example/track.png)",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action=https://evil.example><input name=p></form>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<details open ontoggle=alert(1)>x</details>",
    '<p id="content" class="flash-error">spoofed</p>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</script>",
    "[a](<javascript:alert(1)>)",
    "[a][ref]\n\n[ref]: javascript:alert(1)",
    "[![x](/media/a.png)](javascript:alert(1))",
    "[*[nested*](javascript:alert(1))](https://ok.example)",
    '<a href="https://ok.example" target="_blank">new tab</a>',
    "<textarea><script>alert(1)</script></textarea>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "!!! note\n    <script>alert(1)</script>",
    "```html\n<script>alert(1)</script>\n```",
]

EVENT_ATTRIBUTE = re.compile(r"^on", re.IGNORECASE)
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "input",
    "meta",
    "base",
    "link",
    "textarea",
    "details",
    "noscript",
    "template",
}


def assert_inert(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in FORBIDDEN_TAGS, html
        for attribute, value in tag.attrs.items():
            assert not EVENT_ATTRIBUTE.match(attribute), html
            assert attribute not in {"style", "background", "xlink:href", "formaction"}, html
            values = value if isinstance(value, list) else [value]
            for item in values:
                lowered = re.sub(r"\s", "", str(item)).lower()
                assert not lowered.startswith(("javascript:", "vbscript:", "data:")), html
        if tag.name == "img":
            assert tag.get("src", "/media/").startswith("/media/"), html
        if tag.name in {"p", "div", "span"}:
            assert tag.get("id") != "content"
            assert not set(tag.get("class", [])) - {
                "admonition",
                "admonition-title",
                "note",
                "remember",
                "case",
                "footnote",
                "toc",
            }


@pytest.mark.parametrize("source", HOSTILE)
def test_nothing_executable_survives(source):
    assert_inert(render(source).html)


def test_ordinary_formatting_survives():
    source = """## Mở đầu

Đoạn có **chữ đậm**, *chữ nghiêng*, `mã` và [liên kết](https://example.vn/trang).

- một
- hai

1. thứ nhất
2. thứ hai

| Cột A | Cột B |
|---|---|
| 1 | 2 |

> Trích dẫn

Chú thích[^1].

[^1]: Nguồn tham khảo.

!!! note
    Nội dung lưu ý.

!!! remember
    Điều cần ghi nhớ.

!!! case "Tình huống 1: Họp thôn"
    Người dân phản ánh.

![Sơ đồ](/media/0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd.png)

```
mã nguồn
```
"""
    rendered = render(source)
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.find("h2", id="h-mo-dau").get_text() == "Mở đầu"
    assert soup.find("strong").get_text() == "chữ đậm" and soup.find("em")
    assert soup.find("a", href="https://example.vn/trang")
    assert len(soup.select("ul li")) == 2 and len(soup.select("ol li")) >= 2
    assert soup.find("table") and soup.find("th").get_text() == "Cột A"
    assert soup.find("blockquote")
    assert soup.select_one("sup a.footnote-ref") and soup.select_one("div.footnote")
    titles = [p.get_text() for p in soup.select("div.admonition p.admonition-title")]
    assert titles == ["Lưu ý", "Ghi nhớ", "Tình huống 1: Họp thôn"]
    assert {tuple(d["class"]) for d in soup.select("div.admonition")} == {
        ("admonition", "note"),
        ("admonition", "remember"),
        ("admonition", "case"),
    }
    assert (
        soup.find(
            "img", src="/media/0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd.png"
        )["alt"]
        == "Sơ đồ"
    )
    assert soup.find("pre").get_text().strip() == "mã nguồn"
    assert "#h-mo-dau" in rendered.toc_html
    assert "Nội dung lưu ý" in rendered.text and "<" not in rendered.text


def test_text_is_stored_nfc():
    decomposed = "Chi\u0309 thi\u0323"  # "Chỉ thị" with combining marks
    assert "Chỉ thị" in render(decomposed).html


def test_links_leave_no_opener():
    html = render("[x](https://example.vn)").html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "source", ["- " * 600 + "a", "> " * 100 + "a", "[" * 5000, "1. " * 60 + "x"]
)
def test_pathological_text_is_refused_quickly(source):
    from lms.errors import InvalidInput

    with pytest.raises(InvalidInput):
        render(source)


def test_heading_ids_cannot_take_page_ids():
    html = render("## Image upload\n\n## Live preview").html
    assert 'id="h-image-upload"' in html and 'id="h-live-preview"' in html


def test_callout_syntax_inside_code_stays_as_written():
    html = render("```\n!!! note\n```\n\n!!! note\n    Thật sự là lưu ý.").html
    assert "<code>!!! note\n</code>" in html
    assert html.count("admonition-title") == 1


def test_author_ids_are_prefixed_so_they_cannot_take_the_pages_own(app):
    from bs4 import BeautifulSoup

    html = render(
        '<div id="save-status">giả mạo</div>\n\n<div id="q1">x</div>\n\n[tới đó](#save-status)'
        "\n\n## Mở đầu\n\nChú thích[^1].\n\n[^1]: Ghi chú."
    ).html
    soup = BeautifulSoup(html, "html.parser")
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    assert "save-status" not in ids and "q1" not in ids
    assert {"a-save-status", "a-q1", "h-mo-dau", "fn:1", "fnref:1"} <= ids
    assert soup.find("a", string="tới đó")["href"] == "#a-save-status"
    assert soup.select_one("a.footnote-ref")["href"] == "#fn:1"  # the renderer's own ids stay
    # Questions written in [html] go through the same sanitizer.
    from lms.courses.markdown import sanitize_html

    assert sanitize_html('<div id="save-status">x</div>') == '<div id="a-save-status">x</div>'


@pytest.mark.parametrize(
    "src",
    [
        "/media/../../people/1",
        "/media/0123abcd.png",
        "/media/" + "a" * 64 + ".png/../../people/1",
        "/media/" + "A" * 64 + ".png",
        "/media/" + "a" * 64 + ".svg",
        "/media/" + "a" * 64 + ".png?x=1",
        "//evil.example/media/" + "a" * 64 + ".png",
        "https://evil.example/x.png",
    ],
)
def test_image_sources_must_be_exactly_a_media_address(src):
    html = render(f'![x]({src})\n\n<img src="{src}" alt="y">').html
    assert "src=" not in html
    good = "/media/" + "0f" * 32 + ".jpg"
    assert f'src="{good}"' in render(f"![x]({good})").html
