"""StreamField blocks shared by the page types (news, reports)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

# Rich text features editors need; no raw HTML, no headings inside paragraphs
# (headings are blocks of their own so the structure is data).
PARAGRAPH_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link", "image", "hr"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Heading level 2")), ("h3", _("Heading level 3")), ("h4", _("Heading level 4"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        label = _("Heading")


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)
    alt_text = blocks.CharBlock(
        label=_("Alt text"),
        required=False,
        max_length=250,
        help_text=_(
            "Describe the image for readers who cannot see it; leave empty to use the image's own description."
        ),
    )

    class Meta:
        icon = "image"
        template = "blocks/captioned_image.html"
        label = _("Image")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"))
    attribution = blocks.CharBlock(label=_("Source of the quotation"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"
        label = _("Quote")


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"), required=False, max_length=200, help_text=_("Leave empty to use the document's title.")
    )

    class Meta:
        icon = "doc-full"
        template = "blocks/attachment.html"
        label = _("Attachment")


def paragraph_block():
    return blocks.RichTextBlock(label=_("Paragraph"), features=PARAGRAPH_FEATURES, icon="pilcrow")


class NumberedItemBlock(blocks.StructBlock):
    """A numbered point of a report or notice: "1.网络服务。…" or "一是…"."""

    number = blocks.CharBlock(label=_("Number"), max_length=10, required=False, help_text=_("E.g. 1, 2 or 一是, 二是."))
    lead = blocks.CharBlock(
        label=_("Lead phrase"),
        max_length=200,
        required=False,
        help_text=_("The phrase the item opens with, e.g. 网络服务."),
    )
    text = paragraph_block()

    class Meta:
        icon = "list-ol"
        template = "blocks/numbered_item.html"
        label = _("Numbered item")


def table_block():
    return TableBlock(label=_("Table"), table_options={"startRows": 3, "startCols": 3})


def embed_block():
    return EmbedBlock(label=_("Embedded media"), help_text=_("Address of a video or other media page."))
