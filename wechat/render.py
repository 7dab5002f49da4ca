"""A news page as a WeChat article: inline-styled HTML, images on WeChat's servers, links as footnotes.

WeChat's editor keeps little of an article's HTML: no <style>, classes, scripts or iframes,
and no links except to other WeChat articles (mp.weixin.qq.com). So every element gets its
style inline (STYLES, defined once), rich text is cut down to a whitelist of tags, and every
other link becomes the linked words with a number, [1], and a footnote at the end that gives
its address as plain text. Images must be on WeChat's own servers (media/uploadimg, JPG or
PNG under 1 MB): `ImageUploader` converts and uploads them, once per content hash.

`render_article` checks WeChat's limits before it uploads anything: an article with
problems (e.g. a body that is too long) costs no calls, and the editors read why.
"""

import hashlib
import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from bs4.element import PreformattedString
from django.conf import settings
from django.core.cache import cache
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.rich_text import RichText

from cms.api.visibility import public_anywhere
from wechat import limits
from wechat.client import image_format

logger = logging.getLogger(__name__)

# Links to other WeChat articles are the only ones WeChat keeps.
WECHAT_ARTICLE_HOST = "mp.weixin.qq.com"

# Inline CSS of each element (or role, for elements used in more than one way).
# Kept short: the styles count towards WeChat's 20,000-character limit on every element.
STYLES = {
    "p": "margin:0 0 1em;font-size:16px;line-height:1.75;color:#333;text-align:justify;",
    "h2": "margin:1.6em 0 0.8em;padding-left:8px;border-left:4px solid #8b4513;"
    "font-size:19px;font-weight:bold;line-height:1.4;color:#222;",
    "h3": "margin:1.4em 0 0.6em;font-size:17px;font-weight:bold;line-height:1.4;color:#222;",
    "h4": "margin:1.2em 0 0.5em;font-size:16px;font-weight:bold;line-height:1.4;color:#444;",
    "ul": "margin:0 0 1em;padding-left:1.6em;list-style-type:disc;",
    "ol": "margin:0 0 1em;padding-left:1.6em;list-style-type:decimal;",
    "li": "margin:0 0 0.4em;font-size:16px;line-height:1.75;color:#333;",
    "hr": "margin:1.5em 0;border:0;border-top:1px solid #ddd;",
    "a": "color:#576b95;",  # WeChat's own link colour
    "blockquote": "margin:1em 0;padding:0.6em 1em;border-left:3px solid #ccc;background:#f7f7f7;",
    "quote_text": "margin:0;font-size:15px;line-height:1.75;color:#555;",
    "quote_source": "margin:0.4em 0 0;font-size:14px;color:#888;text-align:right;",
    # A wide table scrolls sideways inside its box instead of squeezing or overflowing a phone's
    # screen; cells do not wrap, so columns keep a readable width.
    "table_scroll": "overflow-x:auto;margin:0 0 1em;",
    "table_caption": "margin:1em 0 0.4em;font-size:14px;color:#666;text-align:center;",
    "table": "border-collapse:collapse;min-width:100%;font-size:14px;line-height:1.5;",
    "th": "border:1px solid #ccc;padding:6px 8px;background:#f2f2f2;font-weight:bold;white-space:nowrap;",
    "td": "border:1px solid #ccc;padding:6px 8px;white-space:nowrap;",
    "figure": "margin:1em 0;text-align:center;",
    "img": "display:block;max-width:100%;height:auto;margin:0 auto;",
    "figcaption": "margin-top:0.4em;font-size:14px;line-height:1.5;color:#888;",
    "sup": "font-size:12px;color:#888;",
    "notes": "margin-top:2em;padding-top:0.8em;border-top:1px solid #ddd;",
    "notes_heading": "margin:0 0 0.5em;font-size:15px;font-weight:bold;color:#666;",
    "note": "margin:0 0 0.3em;font-size:13px;line-height:1.6;color:#888;word-break:break-all;",
}
# The only attributes that survive, besides the inline style.
KEPT_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}

# Rich text is cut down to these tags (database format: <embed> is a Wagtail image)...
_RICH_TEXT_TAGS = frozenset({"p", "br", "strong", "em", "sub", "sup", "ul", "ol", "li", "hr", "a", "embed"})
_RENAMED = {"b": "strong", "i": "em"}
# ...these go with everything inside them, and any other tag leaves its text behind.
_DROPPED = frozenset({"script", "style", "iframe", "object", "noscript", "template", "svg", "math", "head", "title"})
# Marks an element's entry in STYLES while the article is built; removed before output.
_ROLE = "data-wechat-role"

# Larger originals (pixels on the longer side) are read from the API's "large" rendition,
# which readers' requests have usually made already, instead of being decoded whole.
SOURCE_MAX_SIDE = 1600
SOURCE_RENDITION = "max-1600x1600"
# Qualities tried at each size before an image is made smaller.
_JPEG_QUALITIES = (85, 75, 65)
# An image that would have to shrink below this (pixels, shorter side) is refused.
_MIN_SIDE = 200
# Characters counted for each image's WeChat URL while the body is checked before uploading
# (about 130 in practice); after uploading, the body is measured again with the real ones.
IMAGE_URL_ESTIMATE = 160


# --- Images -------------------------------------------------------------------------


class UnusableImageError(ValueError):
    """An image that cannot be made a JPEG or PNG under WeChat's size limit."""


def prepare_body_image(data):
    """`data` as WeChat takes body images: JPEG or PNG under 1 MB; unchanged when it is one already.

    Other formats (GIF, WebP, BMP, TIFF...) and images that are too large are converted:
    to PNG when they use transparency, else JPEG (GIFs keep their first frame), then
    encoded at lower qualities and smaller sizes until they fit.
    """
    if image_format(data) in limits.BODY_IMAGE_FORMATS and len(data) < limits.BODY_IMAGE_BYTE_LIMIT:
        return data
    try:
        with Image.open(io.BytesIO(data)) as opened:
            # The copy drops EXIF, so a phone photo is turned upright first.
            image = ImageOps.exif_transpose(opened)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnusableImageError(f"not an image Pillow can read: {exc}") from exc
    if _uses_transparency(image):
        image, kind, qualities = image.convert("RGBA"), "PNG", (None,)
    else:
        image, kind, qualities = image.convert("RGB"), "JPEG", _JPEG_QUALITIES
    scale = 1.0
    while True:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        frame = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        for quality in qualities:
            encoded = _encode(frame, kind, quality)
            if len(encoded) < limits.BODY_IMAGE_BYTE_LIMIT:
                return encoded
        if min(size) <= _MIN_SIDE:
            raise UnusableImageError(f"still {len(encoded)} bytes at {size[0]}x{size[1]} pixels")
        # Bytes shrink roughly with the pixels: aim just under the limit, by a tenth to a half a step.
        scale *= min(0.9, max(0.5, 0.95 * math.sqrt(limits.BODY_IMAGE_BYTE_LIMIT / len(encoded))))


def _uses_transparency(image):
    # A palette or alpha channel alone is not enough: many are fully opaque.
    return image.has_transparency_data and image.convert("RGBA").getextrema()[3][0] < 255


def _encode(image, kind, quality):
    buffer = io.BytesIO()
    if kind == "JPEG":
        image.save(buffer, kind, quality=quality, optimize=True, progressive=True)
    else:
        image.save(buffer, kind)
    return buffer.getvalue()


class ImageStore(Protocol):
    """URLs of images WeChat has, by the SHA-256 (hex) of a file's content."""

    def get(self, sha256: str) -> str | None: ...

    def set(self, sha256: str, url: str) -> None: ...


class DjangoCacheImageStore:
    """An ImageStore in the Django cache, kept without expiry (WeChat's image URLs do not expire).

    A lost entry (an evicting cache, LocMemCache of another process) costs one upload more.
    """

    def __init__(self, namespace):
        self._prefix = f"wechat:{namespace}:body-image:"

    def get(self, sha256):
        return cache.get(self._prefix + sha256)

    def set(self, sha256, url):
        cache.set(self._prefix + sha256, url, timeout=None)


class BodyImageUploader(Protocol):
    """What render_article needs to put an image into an article: a WeChat URL for its file."""

    uploads: int  # files sent to WeChat so far (RenderedArticle.images_uploaded counts the difference)

    def upload(self, data: bytes, filename: str) -> str: ...


class ImageUploader:
    """Uploads body images through a WeChatApi, each content once.

    Both the hash of the file as given and the hash of what was sent map to the URL: a
    re-sync finds the file it gave before without converting it again, and two files that
    convert to the same bytes share one upload.
    """

    def __init__(self, api, store=None):
        self.api = api
        self.store = store if store is not None else DjangoCacheImageStore(api.app_id)
        self.uploads = 0

    def upload(self, data, filename):
        source_hash = hashlib.sha256(data).hexdigest()
        url = self.store.get(source_hash)
        if url:
            return url
        prepared = prepare_body_image(data)
        upload_hash = hashlib.sha256(prepared).hexdigest()
        url = self.store.get(upload_hash)
        if not url:
            url = self.api.upload_body_image(prepared, filename)
            self.uploads += 1
            self.store.set(upload_hash, url)
        if source_hash != upload_hash:
            self.store.set(source_hash, url)
        return url


def image_source(image):
    """The bytes and file name to upload for a Wagtail image."""
    try:
        if max(image.width, image.height) > SOURCE_MAX_SIDE:
            file = image.get_rendition(SOURCE_RENDITION).file
        else:
            file = image.file
        with file.open("rb") as opened:
            return opened.read(), PurePosixPath(file.name).name
    except OSError as exc:  # the file is missing or unreadable (Wagtail's SourceImageIOError too)
        raise UnusableImageError(f"cannot read {image.file.name}: {exc}") from exc


# --- The article ----------------------------------------------------------------------


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str  # the linked words; empty when they are the address itself
    url: str


@dataclass
class RenderedArticle:
    """A page as a WeChat draft article. Not to be sent while `problems` (editors' messages) has any."""

    title: str
    author: str
    digest: str
    content: str
    content_source_url: str
    footnotes: list[Footnote] = field(default_factory=list)
    images_uploaded: int = 0
    problems: list = field(default_factory=list)

    def as_draft_article(self, thumb_media_id):
        """The article object of draft/add and draft/update, with the cover's permanent media_id."""
        if self.problems:
            raise ValueError(f"Article has problems and must not be sent: {[str(p) for p in self.problems]}")
        return {
            "title": self.title,
            "author": self.author,
            "digest": self.digest,
            "content": self.content,
            "content_source_url": self.content_source_url,
            "thumb_media_id": thumb_media_id,
        }


def _article_fields(page):
    """Title, author and digest as WeChat shows them; WeChat-only title and digest fields win when set."""
    title = getattr(page, "wechat_title", "") or page.title
    digest = getattr(page, "wechat_digest", "") or page.digest
    return title, page.responsible_editor or page.source, digest


def _too_long(message, count, limit):
    return format_lazy(message, count=count, limit=limit) if count > limit else None


def validate_for_wechat(page):
    """Editors' messages for what keeps `page` from being a WeChat article, checked without WeChat."""
    title, author, digest = _article_fields(page)
    problems = [
        _too_long(
            _("The title is too long for WeChat (at most {limit} characters): it has {count}."),
            len(title),
            limits.TITLE_MAX_CHARS,
        ),
        _too_long(
            _("The digest is too long for WeChat (at most {limit} characters): it has {count}."),
            len(digest),
            limits.DIGEST_MAX_CHARS,
        ),
        _too_long(
            _(
                "The author is too long for WeChat (at most {limit} characters): it has {count}. "
                "The author is the responsible editor, or the contributor when there is none."
            ),
            len(author),
            limits.AUTHOR_MAX_CHARS,
        ),
        _too_long(
            _("The page's address is too long for WeChat's link to the original ({count} bytes, at most {limit})."),
            len(_source_url(page).encode()),
            limits.CONTENT_SOURCE_URL_MAX_BYTES,
        ),
    ]
    if not page.body:
        problems.append(_("The body is empty: WeChat needs the article's text."))
    return [problem for problem in problems if problem is not None]


def _source_url(page):
    return page.get_full_url() or ""


def _content_problems(html, pending_images):
    # The byte limit (1 MB) cannot be reached below the character limit (at most 4 bytes a
    # character), so characters are what the editors are told about.
    count = len(html) + pending_images * IMAGE_URL_ESTIMATE
    if count < limits.CONTENT_CHAR_LIMIT:
        return []
    message = _(
        "The body is too long for WeChat (fewer than {limit} characters, formatting included): it has {count}. "
        "Shorten it or split it into two articles."
    )
    return [format_lazy(message, limit=limits.CONTENT_CHAR_LIMIT, count=count)]


def render_article(page, uploader):
    """`page` (a NewsPage) as a WeChat article; images go through `uploader` only when nothing is wrong."""
    title, author, digest = _article_fields(page)
    problems = validate_for_wechat(page)
    builder = _ArticleBuilder()
    for child in page.body:
        builder.block(child.block_type, child.value)
    builder.finish()
    problems += _content_problems(builder.html(), builder.image_elements)
    uploads_before = uploader.uploads
    if not problems:
        problems += builder.upload_images(uploader)
        if not problems:
            problems += _content_problems(builder.html(), 0)
    return RenderedArticle(
        title=title,
        author=author,
        digest=digest,
        content=builder.html(),
        content_source_url=_source_url(page),
        footnotes=builder.footnotes,
        images_uploaded=uploader.uploads - uploads_before,
        problems=problems,
    )


class _ArticleBuilder:
    """Builds the article's HTML: elements carry a role until `finish` gives them their inline styles."""

    def __init__(self):
        self.soup = BeautifulSoup("", "html.parser")
        self.footnotes = []
        self._footnote_numbers = {}  # url -> number: a repeated address keeps its number
        self.images = {}  # Wagtail image pk -> (image, its <img> elements), uploaded once each
        self.image_elements = 0
        self._renderers = {
            "heading": self._heading,
            "paragraph": self._paragraph,
            "item": self._item,
            "image": self._image_block,
            "table": self._table,
            "quote": self._quote,
            "document": self._document,
            "embed": self._embed,
        }

    def html(self):
        return str(self.soup)

    def block(self, block_type, value):
        if block_type not in self._renderers:
            raise ValueError(f"No WeChat rendering for {block_type} blocks")
        self._renderers[block_type](value)

    def finish(self):
        """Add the footnotes, then give every element its inline style and nothing else."""
        if self.footnotes:
            notes = self._tag("section", role="notes")
            notes.append(self._tag("p", gettext("Links"), role="notes_heading"))
            for note in self.footnotes:
                line = f"[{note.number}] {note.url}"
                if note.text:
                    line = gettext("[{number}] {text}: {url}").format(number=note.number, text=note.text, url=note.url)
                notes.append(self._tag("p", line, role="note"))
            self.soup.append(notes)
        for element in self.soup.find_all(True):
            role = element.attrs.pop(_ROLE, element.name)
            kept = {
                name: value for name, value in element.attrs.items() if name in KEPT_ATTRIBUTES.get(element.name, ())
            }
            element.attrs = kept | ({"style": STYLES[role]} if role in STYLES else {})

    def upload_images(self, uploader):
        """Put each image's WeChat URL into its <img> elements; editors' messages for unusable images."""
        problems = []
        for image, elements in self.images.values():
            # WeChat's errors are not caught: the caller retries or reports them.
            try:
                data, filename = image_source(image)
                url = uploader.upload(data, filename)
            except UnusableImageError as exc:
                logger.warning("Image %s cannot go to WeChat: %s", image.pk, exc)
                problems.append(_unusable_image(image))
                continue
            for element in elements:
                element["src"] = url
        return problems

    # --- elements --------------------------------------------------------------------------

    def _tag(self, name, text=None, role=None):
        element = self.soup.new_tag(name)
        if role:
            element[_ROLE] = role
        if text:
            element.string = text
        return element

    def _text_with_breaks(self, element, text):
        for number, line in enumerate(text.splitlines()):
            if number:
                element.append(self._tag("br"))
            element.append(line)
        return element

    def _figure(self, image, alt, caption=""):
        figure = self._tag("figure")
        img = self._tag("img")
        img["src"] = ""  # WeChat's URL, once uploaded
        img["alt"] = alt or image.default_alt_text or ""
        self.images.setdefault(image.pk, (image, []))[1].append(img)
        self.image_elements += 1
        figure.append(img)
        if caption:
            figure.append(self._tag("figcaption", caption))
        return figure

    def _marker(self, url, text):
        """The footnote mark [n] for a link to `url`."""
        if url not in self._footnote_numbers:
            number = len(self.footnotes) + 1
            self._footnote_numbers[url] = number
            self.footnotes.append(Footnote(number, "" if text == url else text, url))
        return self._tag("sup", f"[{self._footnote_numbers[url]}]")

    # --- rich text ---------------------------------------------------------------------------

    def _rich_text(self, value):
        """Database rich text as sanitized elements: whitelisted tags, images and links resolved."""
        source = value.source if isinstance(value, RichText) else value
        fragment = BeautifulSoup(source or "", "html.parser")
        for special in fragment.find_all(string=lambda text: isinstance(text, PreformattedString)):
            special.extract()  # comments, CDATA, declarations
        for element in fragment.find_all(True):
            if element.decomposed:
                continue  # inside a dropped element
            element.name = _RENAMED.get(element.name, element.name)
            if element.name in _DROPPED:
                element.decompose()
            elif element.name not in _RICH_TEXT_TAGS:
                element.unwrap()
        for embed in fragment.find_all("embed"):
            image = None
            if embed.get("embedtype") == "image" and embed.get("id", "").isdigit():
                image = get_image_model().objects.filter(pk=embed["id"]).first()
            if image is None:
                embed.decompose()
            else:
                embed.replace_with(self._figure(image, embed.get("alt", "")))
        for link in fragment.find_all("a"):
            self._link(link)
        return list(fragment.contents)

    def _link(self, link):
        url = self._link_url(link)
        if url and urlsplit(url).hostname == WECHAT_ARTICLE_HOST:
            link.attrs = {"href": url}
            return
        if url:
            link.insert_after(self._marker(url, link.get_text(" ", strip=True)))
        link.unwrap()

    def _link_url(self, link):
        """The address a reader can type for a link, or None (a page nobody may see, an anchor...)."""
        linktype, target = link.get("linktype"), link.get("id", "")
        if linktype == "page":
            page = public_anywhere().filter(pk=target).first() if target.isdigit() else None
            return page.get_full_url() if page else None
        if linktype == "document":
            document = get_document_model().objects.filter(pk=target).first() if target.isdigit() else None
            return _document_url(document) if document else None
        href = link.get("href", "")
        scheme = urlsplit(href).scheme.lower()
        if scheme in ("http", "https"):
            return href
        if scheme in ("mailto", "tel"):
            return href[len(scheme) + 1 :]
        return None

    # --- blocks ---------------------------------------------------------------------------------

    def _heading(self, value):
        self.soup.append(self._tag(value["level"], value["text"]))

    def _paragraph(self, value):
        self.soup.extend(self._rich_text(value))

    def _item(self, value):
        nodes = self._rich_text(value["text"])
        lead = " ".join(part for part in (value["number"], value["lead"]) if part)
        if lead:
            # "1.网络服务。…": the number and lead phrase open the item's first paragraph.
            strong = self._tag("strong", lead)
            if nodes and getattr(nodes[0], "name", None) == "p":
                nodes[0].insert(0, strong)
                strong.insert_after(" ")
            else:
                nodes.insert(0, self._tag("p"))
                nodes[0].append(strong)
        self.soup.extend(nodes)

    def _image_block(self, value):
        if value["image"] is not None:
            self.soup.append(self._figure(value["image"], value["alt_text"], value["caption"]))

    def _table(self, value):
        value = value or {}
        if value.get("table_caption"):
            self.soup.append(self._tag("p", value["table_caption"], role="table_caption"))
        table = self._tag("table")
        for row_number, row in enumerate(value.get("data") or []):
            tr = self._tag("tr")
            for col_number, cell in enumerate(row):
                header = (row_number == 0 and value.get("first_row_is_table_header")) or (
                    col_number == 0 and value.get("first_col_is_header")
                )
                tr.append(self._text_with_breaks(self._tag("th" if header else "td"), cell or ""))
            table.append(tr)
        scroll = self._tag("section", role="table_scroll")
        scroll.append(table)
        self.soup.append(scroll)

    def _quote(self, value):
        quote = self._tag("blockquote")
        quote.append(self._text_with_breaks(self._tag("p", role="quote_text"), value["text"]))
        if value["attribution"]:
            quote.append(self._tag("p", f"—— {value['attribution']}", role="quote_source"))
        self.soup.append(quote)

    def _document(self, value):
        document = value["document"]
        if document is None:
            return
        title = value["title"] or document.title
        paragraph = self._tag("p", gettext("Attachment: {title}").format(title=title))
        paragraph.append(self._marker(_document_url(document), title))
        self.soup.append(paragraph)

    def _embed(self, value):
        if value is None:
            return
        # WeChat shows no iframes: the media's address goes into the footnotes.
        paragraph = self._tag("p", gettext("Video or other media"))
        paragraph.append(self._marker(value.url, ""))
        self.soup.append(paragraph)


def _unusable_image(image):
    message = _(
        "The image “{title}” cannot be read, or not made a JPG or PNG under {limit} MB for WeChat. "
        "Replace it with another file."
    )
    return format_lazy(message, title=image.title, limit=limits.BODY_IMAGE_BYTE_LIMIT // (1024 * 1024))


def _document_url(document):
    """A document's full URL: documents are served by this server, not by the public front end."""
    base = getattr(settings, "WAGTAILAPI_BASE_URL", None) or settings.WAGTAILADMIN_BASE_URL
    return urljoin(base, document.url)
