"""Page content as a front end needs it: ready HTML, typed blocks, images with renditions.

Rich text comes out as HTML with internal references resolved: links to pages
become the page's path on its site (only for pages the reader may see; a link
to a draft or private page keeps its text and loses its address), documents and
images become absolute URLs on this server, so the front end (another host)
can use them as they are.
"""

from typing import Annotated, Literal

from bs4 import BeautifulSoup
from ninja import Field, Schema
from wagtail.rich_text import RichText, expand_db_html

from cms.api.visibility import public_pages

# Renditions every image comes with: name -> Wagtail filter spec.
RENDITIONS = {
    "thumbnail": "fill-320x240",
    "card": "fill-640x360",
    "large": "max-1600x1600",
}
RENDITION_SPECS = dict(RENDITIONS) | {f"{name}_webp": f"{spec}|format-webp" for name, spec in RENDITIONS.items()}


class RenditionOut(Schema):
    url: str
    width: int
    height: int


class ImageOut(Schema):
    id: int
    title: str
    alt: str
    width: int
    height: int
    renditions: dict[str, RenditionOut] = Field(
        description="thumbnail, card and large, each also as WebP (thumbnail_webp, …)."
    )


class DocumentOut(Schema):
    id: int
    title: str
    url: str
    file_extension: str
    file_size: int | None = None


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if url.startswith("/") else url


def image_out(request, image, alt: str = "") -> dict | None:
    """An image with its renditions (absolute URLs), or None."""
    if image is None:
        return None
    renditions = image.get_renditions(*RENDITION_SPECS.values())
    return {
        "id": image.pk,
        "title": image.title,
        "alt": alt or image.default_alt_text or "",
        "width": image.width,
        "height": image.height,
        "renditions": {
            name: {
                "url": absolute(request, renditions[spec].url),
                "width": renditions[spec].width,
                "height": renditions[spec].height,
            }
            for name, spec in RENDITION_SPECS.items()
        },
    }


def document_out(request, document) -> dict | None:
    if document is None:
        return None
    return {
        "id": document.pk,
        "title": document.title,
        "url": absolute(request, document.url),
        "file_extension": document.file_extension,
        "file_size": document.file_size,
    }


def rich_text_html(request, source) -> str:
    """Database rich text (or a RichText value) as ready HTML for the front end."""
    if isinstance(source, RichText):
        source = source.source
    if not source:
        return ""
    # Most paragraphs are plain text: parse only what needs rewriting.
    if 'linktype="page"' in source:
        soup = BeautifulSoup(source, "html.parser")
        page_links = soup.find_all("a", attrs={"linktype": "page"})
        ids = {int(a["id"]) for a in page_links if a.get("id", "").isdigit()}
        visible = set(public_pages(request).filter(pk__in=ids).values_list("pk", flat=True))
        for link in page_links:
            if not link.get("id", "").isdigit() or int(link["id"]) not in visible:
                # A link to a page the reader may not see: keep the words, drop the address.
                del link["linktype"]
                link.attrs.pop("id", None)
        source = str(soup)
    html = expand_db_html(source)
    if "<img" not in html and 'href="/' not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    for element, attribute in [(img, "src") for img in soup.find_all("img")] + [
        (a, "href") for a in soup.find_all("a", href=True)
    ]:
        value = element.get(attribute, "")
        if value.startswith(("/documents/", "/media/")) or element.name == "img":
            element[attribute] = absolute(request, value)
    return str(soup)


# --- StreamField blocks, typed -------------------------------------------------


class HeadingValue(Schema):
    text: str
    level: str


class ParagraphValue(Schema):
    html: str


class ItemValue(Schema):
    number: str
    lead: str
    html: str


class CaptionedImageValue(Schema):
    image: ImageOut | None
    caption: str
    alt: str


class TableValue(Schema):
    caption: str
    first_row_is_header: bool
    first_col_is_header: bool
    rows: list[list[str | None]]
    html: str


class QuoteValue(Schema):
    text: str
    attribution: str


class AttachmentValue(Schema):
    title: str
    document: DocumentOut | None


class EmbedValue(Schema):
    url: str
    html: str


class HeadingBlockOut(Schema):
    type: Literal["heading"]
    id: str
    value: HeadingValue


class ParagraphBlockOut(Schema):
    type: Literal["paragraph"]
    id: str
    value: ParagraphValue


class ItemBlockOut(Schema):
    type: Literal["item"]
    id: str
    value: ItemValue


class ImageBlockOut(Schema):
    type: Literal["image"]
    id: str
    value: CaptionedImageValue


class TableBlockOut(Schema):
    type: Literal["table"]
    id: str
    value: TableValue


class QuoteBlockOut(Schema):
    type: Literal["quote"]
    id: str
    value: QuoteValue


class DocumentBlockOut(Schema):
    type: Literal["document"]
    id: str
    value: AttachmentValue


class EmbedBlockOut(Schema):
    type: Literal["embed"]
    id: str
    value: EmbedValue


SectionContentBlock = Annotated[
    ParagraphBlockOut | ItemBlockOut | ImageBlockOut | TableBlockOut, Field(discriminator="type")
]


class SectionValue(Schema):
    number: str
    heading: str
    content: list[SectionContentBlock]


class SectionBlockOut(Schema):
    type: Literal["section"]
    id: str
    value: SectionValue


NewsBodyBlock = Annotated[
    HeadingBlockOut
    | ParagraphBlockOut
    | ItemBlockOut
    | ImageBlockOut
    | TableBlockOut
    | QuoteBlockOut
    | DocumentBlockOut
    | EmbedBlockOut,
    Field(discriminator="type"),
]
ReportBodyBlock = Annotated[
    ParagraphBlockOut | SectionBlockOut | ImageBlockOut | TableBlockOut, Field(discriminator="type")
]


def _table(request, block, value):
    value = value or {}
    return {
        "caption": value.get("table_caption") or "",
        "first_row_is_header": bool(value.get("first_row_is_table_header")),
        "first_col_is_header": bool(value.get("first_col_is_header")),
        "rows": value.get("data") or [],
        "html": str(block.render(value)),
    }


def _embed(request, block, value):
    if value is None:
        return {"url": "", "html": ""}
    try:
        html = value.html
    except Exception:  # the provider cannot be reached from here: keep the address
        html = ""
    return {"url": value.url, "html": html}


BLOCK_VALUES = {
    "heading": lambda request, block, value: {"text": value["text"], "level": value["level"]},
    "paragraph": lambda request, block, value: {"html": rich_text_html(request, value)},
    "item": lambda request, block, value: {
        "number": value["number"] or "",
        "lead": value["lead"] or "",
        "html": rich_text_html(request, value["text"]),
    },
    "image": lambda request, block, value: {
        "image": image_out(request, value["image"], value["alt_text"]),
        "caption": value["caption"] or "",
        "alt": value["alt_text"] or (value["image"].default_alt_text if value["image"] else "") or "",
    },
    "table": _table,
    "quote": lambda request, block, value: {"text": value["text"], "attribution": value["attribution"] or ""},
    "document": lambda request, block, value: {
        "title": value["title"] or (value["document"].title if value["document"] else ""),
        "document": document_out(request, value["document"]),
    },
    "embed": _embed,
    "section": lambda request, block, value: {
        "number": value["number"],
        "heading": value["heading"],
        "content": stream_blocks(request, value["content"]),
    },
}


def stream_blocks(request, stream_value) -> list[dict]:
    """A StreamField value as a list of typed blocks (type, id, value)."""
    return [
        {
            "type": child.block_type,
            "id": child.id or "",
            "value": BLOCK_VALUES[child.block_type](request, child.block, child.value),
        }
        for child in stream_value
        if child.block_type in BLOCK_VALUES
    ]
