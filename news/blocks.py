"""The body of a news item."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.blocks import (
    AttachmentBlock,
    CaptionedImageBlock,
    HeadingBlock,
    NumberedItemBlock,
    QuoteBlock,
    embed_block,
    paragraph_block,
    table_block,
)


class NewsBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = paragraph_block()
    item = NumberedItemBlock()
    image = CaptionedImageBlock()
    table = table_block()
    quote = QuoteBlock()
    document = AttachmentBlock()
    embed = embed_block()

    class Meta:
        label = _("Body")
