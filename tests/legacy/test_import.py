"""Importing the old site: the seed report, repeat imports, encodings, HTML pages, broken files."""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Revision

from legacy.models import LegacySource
from news.models import NewsIndexPage, NewsPage
from yearbook.models import AnnualReportPage, ChronicleEntryPage

SEED = Path(__file__).resolve().parents[2] / "legacy" / "seeds" / "qianxian-2020-annual-report.txt"


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_legacy", *map(str, args), "--verbosity", "0", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seed_report(home_page):
    run_import(SEED)
    return AnnualReportPage.objects.get()


def test_seed_becomes_the_2020_annual_report(seed_report):
    report = seed_report.get_latest_revision_as_object()
    assert report.title == "2020年乾县图书馆工作年报"
    assert report.year == 2020  # the year it covers, not the year it was posted (2022)
    assert report.date == datetime.date(2022, 8, 26)
    assert not seed_report.live  # drafts for an editor to check, unless --publish
    assert report.summary.startswith("2020年,乾县图书馆在省、市、县各主管部门的关怀支持下")


def test_seed_sections_and_items(seed_report):
    report = seed_report.get_latest_revision_as_object()
    sections = [block.value for block in report.body if block.block_type == "section"]
    assert [(s["number"], s["heading"]) for s in sections] == [
        ("一", "坚持对标看齐,闻令而动,把正“方向盘”"),
        ("二", "围绕中心工作,服务阵地,开展各种业务活动"),
        ("三", "创建文明县城,广泛宣传,用行动展示良好形象"),
        ("四", "加大宣传力度,强化领导,确保扫黑除恶专项斗争有序开展"),
    ]
    points = [b.value for b in sections[0]["content"] if b.block_type == "item"]
    assert [(p["number"], p["lead"]) for p in points] == [
        ("一是", "对标中央部署抓好疫情防控"),
        ("二是", "科学谋划部署工作"),
    ]

    items = [b.value for b in sections[1]["content"] if b.block_type == "item"]
    assert [item["number"] for item in items] == [str(n) for n in range(1, 15)]
    leads = {item["number"]: item["lead"] for item in items}
    assert leads["1"] == "网络服务"
    assert leads["2"] == "阅读推广活动"
    assert leads["7"] == "全县总分馆建设工作"
    # Numbers inside an item are not items: "3. 4、5月份…" and "12.12月…".
    assert items[2]["text"].source.startswith("<p>4、5月份")
    assert items[11]["text"].source.startswith("<p>12月")


def test_seed_key_figures_are_data(seed_report):
    figures = {(f.value, f.unit): f.label for f in seed_report.get_latest_revision_as_object().key_figures.all()}
    expected = [
        (67, "次", "读者活动"),
        (4, "次", "参与联盟活动"),
        (63, "次", "自主活动"),
        (56, "次", "发布微信"),
        (12369, "人次", "参与活动"),
        (12, "次", "业务培训"),
        (144, "人次", "业务培训"),
        (546, "课时", "业务培训"),
    ]
    for value, unit, label in expected:
        assert label in figures[(Decimal(value), unit)]


def test_seed_chronicle_in_order_with_entry_12_repaired(seed_report):
    entries = [
        e.get_latest_revision_as_object()
        for e in ChronicleEntryPage.objects.child_of(seed_report).filter(source_text="").order_by("sequence_number")
    ]
    assert [e.sequence_number for e in entries] == list(range(1, 14))
    assert "党员干部深入社区" in entries[0].text
    assert (entries[0].date_precision, entries[0].year_part, entries[0].date_text) == ("season", "early", "年初")
    assert entries[11].text.startswith("<p>2020年在庆祝中国共产党成立99周年")
    assert entries[1].category.name == "党建"  # 党支部…巡察
    assert all(not e.live for e in ChronicleEntryPage.objects.child_of(seed_report))


def test_dated_events_are_proposed_as_draft_entries(seed_report):
    proposals = ChronicleEntryPage.objects.child_of(seed_report).exclude(source_text="")
    assert proposals.count() >= 30
    assert not proposals.filter(live=True).exists()
    reading_day = proposals.get(month=4, day=23)
    assert "乾县第一人民广场" in reading_day.source_text
    inspection = proposals.get(date_text="10月27日—10月29日")
    assert (inspection.sort_date, inspection.end_date) == (datetime.date(2020, 10, 27), datetime.date(2020, 10, 29))
    training = proposals.get(date_text="2020年8月12日至14日")
    assert training.end_date == datetime.date(2020, 8, 14)


def test_reimport_changes_nothing(seed_report):
    counts = (Page.objects.count(), Revision.objects.count(), LegacySource.objects.count())
    out, _ = run_import(SEED)
    assert "1 unchanged" in out
    assert (Page.objects.count(), Revision.objects.count(), LegacySource.objects.count()) == counts


def test_changed_input_updates_the_page_as_a_new_revision(seed_report, tmp_path):
    editor_revision = seed_report.get_latest_revision_as_object()
    editor_revision.summary = "编辑修改过的摘要"
    editor_revision.save_revision()
    source = LegacySource.objects.get()
    changed = tmp_path / "report.txt"
    changed.write_text(SEED.read_text("utf-8").replace("12369人次", "12370人次"), "utf-8")
    source.source = str(changed.resolve())
    source.save()

    run_import(changed)
    report = AnnualReportPage.objects.get()
    assert report.revisions.count() == 3
    latest = report.get_latest_revision_as_object()
    assert Decimal(12370) in [f.value for f in latest.key_figures.all()]
    # The editor's revision is kept in the history.
    assert any(r.as_object().summary == "编辑修改过的摘要" for r in report.revisions.all())


def test_gbk_file_imports(home_page, tmp_path):
    page = tmp_path / "notice.txt"
    page.write_bytes("首页 / 通知公告\n\n通知公告\n\n春节闭馆通知\n\n2021-02-05\n\n春节期间本馆闭馆。\n".encode("gbk"))
    out, _ = run_import(page)
    assert "1 created" in out
    item = NewsPage.objects.get().get_latest_revision_as_object()
    assert (item.title, item.date) == ("春节闭馆通知", datetime.date(2021, 2, 5))
    assert item.get_parent().title == "通知公告"
    assert "春节期间本馆闭馆" in item.body[0].value.source


def test_utf8_bom_file_imports(home_page, tmp_path):
    page = tmp_path / "bom.txt"
    page.write_bytes(
        b"\xef\xbb\xbf"
        + "首页 / 工作动态\n工作动态\n馆际互借开通\n2020-12-10\n我馆与兴平市图书馆开通了馆际互借服务。".encode()
    )
    run_import(page)
    assert NewsPage.objects.get().title == "馆际互借开通"


HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>我馆开通馆际互借服务 - 乾县图书馆</title>
<link rel="canonical" href="http://www.qxlib.example.cn/news/2020/1210.html">
<script>var tracker = "乱码统计脚本";</script></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/news/">工作动态</a> <a href="/about/">本馆概况</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news/">工作动态</a></li></ul></div>
<div class="position">当前位置： 首页 &gt; 工作动态</div>
<div class="main"><h1>我馆开通馆际互借服务</h1>
<div class="info">发布时间：2020-12-10 浏览次数：128</div>
<div class="content"><p>12月10日，我馆与兴平市图书馆开通了馆际互借服务。</p>
<p>读者凭借书证即可在两馆之间借还图书。</p></div></div>
<div class="footer">版权所有 乾县图书馆 陕ICP备00000000号</div>
</body></html>"""


def test_html_page_imports_only_its_article(home_page, tmp_path):
    page = tmp_path / "1210.html"
    page.write_bytes(HTML_PAGE.encode("gbk"))
    run_import(page)
    item = NewsPage.objects.get().get_latest_revision_as_object()
    assert item.title == "我馆开通馆际互借服务"
    assert item.date == datetime.date(2020, 12, 10)
    text = "".join(block.value.source for block in item.body)
    assert "开通了馆际互借服务" in text and "借还图书" in text
    for noise in ("本馆概况", "版权所有", "乱码统计脚本", "浏览次数", "当前位置"):
        assert noise not in text
    # The old address now leads to the new page.
    redirect = Redirect.objects.get()
    assert redirect.old_path == "/news/2020/1210.html"
    assert redirect.redirect_page_id == item.pk


def test_published_import_and_old_address_redirect(home_page, tmp_path):
    page = tmp_path / "1210.html"
    page.write_bytes(HTML_PAGE.encode("gbk"))
    run_import(page, "--publish")
    item = NewsPage.objects.get()
    assert item.live
    response = Client().get("/news/2020/1210.html")
    assert response.status_code == 301
    assert response["Location"] == item.url


def test_broken_files_are_reported_and_the_rest_imported(home_page, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.txt").write_text(
        "首页 / 工作动态\n工作动态\n少儿故事会\n2020-12-27\n我馆举行“小金豆”少儿故事会。", "utf-8"
    )
    out, err = run_import(tmp_path)
    assert "1 created" in out and "2 failed" in out
    assert "empty.txt: the file is empty" in err
    assert "binary.html: the file is binary" in err
    assert NewsPage.objects.get().title == "少儿故事会"


def test_dry_run_writes_nothing(home_page):
    before = (Page.objects.count(), Revision.objects.count(), LegacySource.objects.count())
    out, _ = run_import(SEED, "--dry-run")
    assert "Dry run" in out and "1 created" in out
    assert (Page.objects.count(), Revision.objects.count(), LegacySource.objects.count()) == before


def test_column_option_chooses_the_column(home_page, tmp_path):
    page = tmp_path / "a.txt"
    page.write_text("首页 / 工作动态\n工作动态\n活动预告:世界读书日\n2021-04-20\n4月23日举办读书日活动。", "utf-8")
    run_import(page, "--column", "活动预告")
    assert NewsPage.objects.get().get_parent().title == "活动预告"
    assert NewsIndexPage.objects.filter(title="活动预告").exists()


def test_staff_can_see_where_imported_pages_came_from(seed_report, editor_client):
    response = editor_client.get("/admin/legacy_sources/")
    assert response.status_code == 200
    assert "qianxian-2020-annual-report.txt" in response.content.decode()
    # The records are the import's: nobody adds or edits them by hand.
    assert editor_client.get("/admin/legacy_sources/new/").status_code in (302, 403)


def test_a_page_that_fails_validation_is_reported_and_the_rest_imported(home_page, tmp_path):
    # An old page whose "title" line is a whole paragraph: too long for a title.
    (tmp_path / "a.txt").write_text("首页 / 工作动态\n工作动态\n" + "很长的标题" * 60 + "\n2020-01-01\n正文。", "utf-8")
    (tmp_path / "b.txt").write_text("首页 / 工作动态\n工作动态\n少儿故事会\n2020-12-27\n我馆举行少儿故事会。", "utf-8")
    out, err = run_import(tmp_path)
    assert "1 created" in out and "1 failed" in out
    assert "a.txt" in err and "255" in err
    assert list(NewsPage.objects.values_list("title", flat=True)) == ["少儿故事会"]
