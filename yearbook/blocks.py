"""The body of an annual report: numbered sections holding numbered items.

A real report (see the 2020 report in the seed) reads 一、… (section heading),
then paragraphs and items such as "1.网络服务。…" or "一是对标中央部署抓好疫情防控。…";
each item has its number, a lead phrase and its text, so the structure is data.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from cms.blocks import CaptionedImageBlock, NumberedItemBlock, paragraph_block, table_block


class ReportSectionContentBlock(blocks.StreamBlock):
    paragraph = paragraph_block()
    item = NumberedItemBlock()
    image = CaptionedImageBlock()
    table = table_block()


class ReportSectionBlock(blocks.StructBlock):
    number = blocks.CharBlock(label=_("Section number"), max_length=10, help_text=_("E.g. 一, 二, 三."))
    heading = blocks.CharBlock(label=_("Section heading"), max_length=200)
    content = ReportSectionContentBlock(label=_("Section content"), required=False)

    class Meta:
        icon = "folder-open-1"
        template = "blocks/report_section.html"
        label = _("Section")


class ReportBodyBlock(blocks.StreamBlock):
    paragraph = paragraph_block()
    section = ReportSectionBlock()
    image = CaptionedImageBlock()
    table = table_block()
