"""A news page as a WeChat article: inline styles, sanitizing, footnotes, images, limits."""

import io
import os
from urllib.parse import urljoin

import pytest
import wagtail_factories
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.utils import translation
from PIL import Image

from tests.factories import NewsPageFactory
from tests.wechat.simulator import make_image
from wechat import limits, render
from wechat.render import STYLES, Footnote, ImageUploader, render_article, validate_for_wechat

MB = 1024 * 1024


class RecordingUploader:
    """Stands in for ImageUploader: remembers what it was given, uploads nothing."""

    def __init__(self):
        self.uploads = 0
        self.received = []

    def upload(self, data, filename):
        self.received.append((data, filename))
        self.uploads += 1
        return f"https://mmbiz.qpic.cn/test/{self.uploads}/0?wx_fmt=jpeg"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(mode, size):
    """An image that does not compress: its PNG is several MB."""
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))


def transparent_gif():
    """A palette image whose colour 0, the transparent one, surrounds an opaque box."""
    image = Image.new("P", (120, 80), 0)
    image.paste(1, (20, 20, 100, 60))
    return image


def wagtail_image(data, filename, title="活动照片"):
    return wagtail_factories.ImageFactory(title=title, file=ContentFile(data, name=filename))


def page_with(news_index, *blocks, **fields):
    return NewsPageFactory(parent=news_index, body=list(blocks), **fields)


def chinese(message):
    with translation.override("zh-hans"):
        return str(message)


def test_blocks_get_inline_styles_and_nothing_else_survives(news_index):
    dirty = (
        '<p class="lead" style="color:red" onclick="steal()">开馆<b>时间</b><i>调整</i><span class="x">通知</span></p>'
        "<script>alert(1)</script><style>p{color:red}</style><iframe src='https://evil.example'></iframe>"
        "<!-- editor's note --><div id='box'><ul><li>一楼</li></ul><ol><li>二楼</li></ol></div>"
    )
    page = page_with(
        news_index,
        ("heading", {"text": "活动概况", "level": "h2"}),
        ("heading", {"text": "具体安排", "level": "h3"}),
        ("paragraph", dirty),
        ("item", {"number": "一是", "lead": "网络服务。", "text": "<p>开通电子阅览。</p>"}),
        ("quote", {"text": "书籍是人类进步的阶梯。\n——共勉", "attribution": "高尔基"}),
        (
            "table",
            {
                "data": [["项目", "数量"], ["读者活动", "67"]],
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_caption": "2020年服务统计",
            },
        ),
    )

    rendered = render_article(page, RecordingUploader())
    soup = BeautifulSoup(rendered.content, "html.parser")

    assert rendered.problems == []
    for element in soup.find_all(True):
        assert set(element.attrs) <= {"style", "href", "src", "alt"}, element
    assert not soup.find_all(["script", "style", "iframe", "div", "span"])
    for text in ("alert", "steal", "color:red", "evil.example", "editor's note"):
        assert text not in rendered.content
    for name in ("h2", "h3", "ul", "ol", "li", "blockquote", "table", "th", "td"):
        assert soup.find(name)["style"] == STYLES[name], name
    assert soup.find("p", string="2020年服务统计")["style"] == STYLES["table_caption"]
    assert soup.find("table").parent["style"] == STYLES["table_scroll"]
    assert "overflow-x:auto" in STYLES["table_scroll"]
    assert [th.get_text() for th in soup.find_all("th")] == ["项目", "数量"]
    first = soup.find("p")
    assert first["style"] == STYLES["p"]
    assert [strong.get_text() for strong in first.find_all("strong")] == ["时间"] and first.em.get_text() == "调整"
    assert "开馆时间调整通知" in first.get_text()
    item = next(p for p in soup.find_all("p") if "开通电子阅览" in p.get_text())
    assert item.get_text() == "一是 网络服务。 开通电子阅览。" and item.strong.get_text() == "一是 网络服务。"
    quote = soup.find("blockquote")
    assert quote.find("br") and "—— 高尔基" in quote.get_text()


def test_external_links_become_numbered_footnotes(news_index):
    url = "https://www.sxlib.org.cn/dtxx/"
    page = page_with(
        news_index,
        (
            "paragraph",
            f'<p>详见<a href="{url}">省图书馆网站</a>，又见<a href="{url}">省馆</a>和'
            '<a href="https://mp.weixin.qq.com/s/abc">往期推送</a>，咨询<a href="mailto:info@library.example">邮箱</a>。</p>',
        ),
    )

    rendered = render_article(page, RecordingUploader())
    soup = BeautifulSoup(rendered.content, "html.parser")

    assert rendered.footnotes == [Footnote(1, "省图书馆网站", url), Footnote(2, "邮箱", "info@library.example")]
    body = soup.find("p")
    assert "省图书馆网站[1]" in body.get_text() and "省馆[1]" in body.get_text() and "邮箱[2]" in body.get_text()
    assert body.sup["style"] == STYLES["sup"]
    # Only a link to another WeChat article stays a link.
    assert [a["href"] for a in soup.find_all("a")] == ["https://mp.weixin.qq.com/s/abc"]
    notes = soup.find_all("section")[-1]
    assert notes["style"] == STYLES["notes"]
    lines = [p.get_text() for p in notes.find_all("p")]
    assert lines == ["参考链接", f"[1] 省图书馆网站：{url}", "[2] 邮箱：info@library.example"]


def test_page_and_document_links_give_their_public_addresses(news_index, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://cms.library.example"
    other = NewsPageFactory(parent=news_index, title="馆际互借服务开通")
    draft = NewsPageFactory(parent=news_index, title="草稿", live=False)
    document = wagtail_factories.DocumentFactory(title="2020年报")
    page = page_with(
        news_index,
        (
            "paragraph",
            f'<p>见<a linktype="page" id="{other.pk}">馆际互借</a>与<a linktype="page" id="{draft.pk}">草稿</a>，'
            f'全文见<a linktype="document" id="{document.pk}">年报</a>。</p>',
        ),
        ("document", {"document": document, "title": ""}),
        ("embed", None),
    )

    rendered = render_article(page, RecordingUploader())

    document_url = urljoin("https://cms.library.example", document.url)
    assert other.get_full_url().startswith("http://localhost/")
    assert rendered.footnotes == [Footnote(1, "馆际互借", other.get_full_url()), Footnote(2, "年报", document_url)]
    assert "草稿[" not in rendered.content and "草稿" in rendered.content
    # The attachment block's link is the same document: the same footnote.
    assert "附件：2020年报<sup" in rendered.content and rendered.content.count(document_url) == 1


@pytest.mark.parametrize(
    "filename, data, uploaded_as",
    [
        ("poster.gif", encoded(transparent_gif(), "GIF", transparency=0), "png"),
        ("banner.gif", encoded(Image.new("RGB", (120, 80), (200, 30, 30)), "GIF"), "jpeg"),
        ("photo.webp", encoded(Image.new("RGB", (300, 200), (30, 90, 160)), "WEBP"), "jpeg"),
        ("scan.bmp", encoded(Image.new("RGB", (300, 200), (250, 250, 250)), "BMP"), "jpeg"),
        ("huge.png", encoded(noise("RGB", (1200, 1000)), "PNG"), "jpeg"),
        ("huge-transparent.png", encoded(noise("RGBA", (800, 700)), "PNG"), "png"),
    ],
)
def test_images_are_converted_and_uploaded_under_the_limit(
    news_index, wechat_sim, wechat_api, filename, data, uploaded_as
):
    image = wagtail_image(data, filename)
    page = page_with(news_index, ("image", {"image": image, "caption": "开幕式现场", "alt_text": ""}))

    rendered = render_article(page, ImageUploader(wechat_api))

    assert rendered.problems == [] and rendered.images_uploaded == 1
    (call,) = wechat_sim.calls_to("media/uploadimg")
    url = BeautifulSoup(rendered.content, "html.parser").find("img")["src"]
    content_type, stored = wechat_sim.images[url.rsplit("/", 1)[1]]
    assert content_type == f"image/{uploaded_as}" and call.files["media"][1] == content_type
    assert len(stored) < limits.BODY_IMAGE_BYTE_LIMIT
    assert Image.open(io.BytesIO(stored)).format.lower() == uploaded_as
    assert "开幕式现场" in rendered.content


def test_a_large_image_is_read_from_its_rendition(news_index):
    image = wagtail_image(encoded(Image.new("RGB", (2400, 1800), (10, 120, 60)), "PNG"), "wide.png")
    uploader = RecordingUploader()

    render_article(page_with(news_index, ("image", {"image": image, "caption": "", "alt_text": ""})), uploader)

    ((data, _),) = uploader.received
    assert max(Image.open(io.BytesIO(data)).size) == 1600


def test_a_second_render_uploads_nothing(news_index, wechat_sim, wechat_api, monkeypatch):
    photo = wagtail_image(encoded(Image.new("RGB", (300, 200), (30, 90, 160)), "WEBP"), "photo.webp")
    chart = wagtail_image(make_image("PNG", size=(60, 40)), "chart.png", title="统计图")
    page = page_with(
        news_index,
        ("image", {"image": photo, "caption": "", "alt_text": ""}),
        ("paragraph", f'<p>见下图。</p><embed embedtype="image" id="{chart.pk}" format="fullwidth" alt="统计图"/>'),
        ("image", {"image": photo, "caption": "同一张照片", "alt_text": ""}),
    )

    first = render_article(page, ImageUploader(wechat_api))
    assert first.images_uploaded == 2 and len(wechat_sim.calls_to("media/uploadimg")) == 2

    # A re-sync finds each file by its hash: nothing is converted or uploaded again.
    monkeypatch.setattr(render, "prepare_body_image", lambda data: pytest.fail("converted again"))
    second = render_article(page, ImageUploader(wechat_api))

    assert second.images_uploaded == 0 and len(wechat_sim.calls_to("media/uploadimg")) == 2
    assert second.content == first.content
    sources = [img["src"] for img in BeautifulSoup(second.content, "html.parser").find_all("img")]
    assert len(sources) == 3 and sources[0] == sources[2] != sources[1]


def test_a_body_over_the_limit_is_reported_before_any_upload(news_index):
    image = wagtail_image(make_image("JPEG"), "photo.jpg")
    paragraphs = "".join(f"<p>{'读书' * 200}{n}</p>" for n in range(50))
    page = page_with(
        news_index,
        ("image", {"image": image, "caption": "", "alt_text": ""}),
        ("paragraph", paragraphs),
    )
    uploader = RecordingUploader()

    rendered = render_article(page, uploader)

    count = len(rendered.content) + render.IMAGE_URL_ESTIMATE
    assert count >= limits.CONTENT_CHAR_LIMIT
    assert [chinese(problem) for problem in rendered.problems] == [
        f"正文超过微信限制（{limits.CONTENT_CHAR_LIMIT} 字符，含排版代码）：当前 {count} 字符。请删减内容或分为两篇发布。"
    ]
    assert uploader.received == [] and rendered.images_uploaded == 0
    with pytest.raises(ValueError, match="must not be sent"):
        rendered.as_draft_article("cover-media-id")


def test_a_long_title_is_reported(news_index):
    page = page_with(news_index, ("paragraph", "<p>正文。</p>"), title="图" * 33)
    uploader = RecordingUploader()

    rendered = render_article(page, uploader)

    expected = f"标题超过微信限制（{limits.TITLE_MAX_CHARS} 字）：当前 33 字"
    assert [chinese(problem) for problem in rendered.problems] == [expected]
    assert [chinese(problem) for problem in validate_for_wechat(page)] == [expected]
    page.wechat_title = "图" * 32  # a WeChat-only title, when the model has one, is what counts
    assert validate_for_wechat(page) == []


def test_the_article_links_to_the_page_and_wechat_accepts_it(news_index, wechat_sim, wechat_api):
    image = wagtail_image(make_image("PNG", size=(60, 40)), "chart.png")
    page = page_with(
        news_index,
        ("paragraph", "<p>世界读书日当天，图书馆举行户外阅读推广活动。</p>"),
        ("image", {"image": image, "caption": "活动现场", "alt_text": ""}),
        responsible_editor="李编辑",
        source="办公室",
    )

    rendered = render_article(page, ImageUploader(wechat_api))
    cover = wechat_api.add_permanent_image(make_image("JPEG"), "cover.jpg")
    media_id = wechat_api.add_draft(rendered.as_draft_article(cover))

    assert rendered.content_source_url == page.get_full_url()
    assert rendered.content_source_url.startswith("http://localhost/")
    (article,) = wechat_sim.drafts[media_id]["articles"]
    assert article["content_source_url"] == rendered.content_source_url
    assert (article["title"], article["author"], article["digest"]) == (page.title, "李编辑", page.digest)
    # The simulator, like WeChat, removes images that were not uploaded through media/uploadimg.
    assert article["content"] == rendered.content and "<img" in article["content"]
