"""Generate a large, realistic library site to measure against: news in three columns, annual reports, chronicles.

    python -m bench.generate --news 20000
    python -m bench.generate --news 20000 --reset           # drop and recreate the bench database first
    python -m bench.generate --news 0 --measure-add-child 300

The database is DATABASE_URL, by default the PostgreSQL database `library_bench` on
127.0.0.1:5432 (user postgres), created and migrated when missing. The content is
made from a vocabulary of a county library's work (阅读推广, 世界读书日, 总分馆,
馆际互借, its towns and villages), with a fixed seed, so two runs make the same site:

- three news columns, 工作动态, 通知公告 and 活动预告, sharing `--news` items dated
  2010–2025 with categories, tags, source, editor, digest and a body of blocks;
- a yearbook with one annual report per year (`--first-year`..`--last-year`), each
  with key figures, a body of numbered sections and 20–40 chronicle entries (大事记)
  whose dates are days, months, parts of a year or only the year.

Speed. Wagtail's `add_child` saves one page at a time, validates it, queries the
tree, and publishing a revision fires signals whose handlers index the page for
search and references (`--measure-add-child N` times both, with and without the
index handlers, on N throwaway pages it deletes afterwards). Here the pages are
written as Wagtail would leave them, in bulk: the tree paths are computed in
Python (treebeard's materialised path: the parent's path plus a 4-character
step), the base `wagtailcore_page` rows are bulk-created, the rows of each page
type's own table are inserted with one `executemany`, each page gets one revision
(its `serializable_data()`, as `save_revision` stores) that is its latest and its
live revision, and the parent's `numchild` is raised in the same transaction.
Every batch is one transaction, so the tree is consistent after each commit. At
the end the script runs ANALYZE (a bulk load leaves PostgreSQL without statistics),
checks what treebeard's `find_problems()`, and so `manage.py fixtree`, checks (path
characters and length, orphans, depth, numchild; from one query rather than two per
page) and that every page has its own row, and exits non-zero on any problem.

Not done for bulk pages: the page_published signals (so nothing is pushed to WeChat
and nothing enters a search index; index them with the search app's tools), the
reference index and the log entries.
"""

import argparse
import contextlib
import datetime
import logging
import os
import random
import sys
import time
import uuid
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/library_bench"
BATCH_SIZE = 1000
TIME_ZONE = ZoneInfo("Asia/Shanghai")

LIBRARY = "乾县图书馆"
COLUMNS = [
    # (title, share of the news items, kind of item)
    ("工作动态", 0.6, "work"),
    ("通知公告", 0.25, "notice"),
    ("活动预告", 0.15, "event"),
]
CATEGORIES = [
    ("阅读推广", "reading"),
    ("少儿服务", "children"),
    ("讲座培训", "lectures"),
    ("总分馆建设", "branches"),
    ("志愿服务", "volunteers"),
    ("通知公告", "notices"),
]
TAGS = [
    "世界读书日",
    "全民阅读",
    "少儿",
    "总分馆",
    "馆际互借",
    "阅读推广",
    "志愿服务",
    "非遗",
    "讲座",
    "展览",
    "数字阅读",
    "农家书屋",
    "古籍保护",
    "党建",
    "培训",
    "乡村振兴",
]
PLACES = [
    "阳洪镇上旦村",
    "城关街道",
    "薛录镇",
    "梁山镇",
    "临平镇",
    "姜村镇",
    "王村镇",
    "马连镇",
    "阳峪镇",
    "峰阳镇",
    "注泔镇",
    "灵源镇",
    "周城镇",
    "新阳镇",
    "大杨镇",
    "漠西镇",
    "枣子镇",
    "县城第一人民广场",
    "县第一小学",
    "县职教中心",
    "县社会福利院",
    "乾陵博物馆",
    "城关街道东街社区",
    "梁山镇五峰村",
]
THEMES = [
    "世界读书日",
    "全民阅读",
    "4·23读书月",
    "暑期少儿阅读",
    "非遗文化进校园",
    "红色经典诵读",
    "科普知识",
    "老年人智能手机使用",
    "亲子绘本共读",
    "国学经典诵读",
    "冬春文化惠民",
    "文化科技卫生三下乡",
    "学雷锋志愿服务",
    "全民国家安全教育日",
    "我们的节日·端午",
    "我们的节日·中秋",
    "书香乾县",
    "古籍保护",
    "数字阅读推广",
    "陕西省阅读文化节",
]
ACTIVITIES = [
    "阅读推广活动",
    "主题讲座",
    "志愿服务活动",
    "知识竞赛",
    "图书捐赠仪式",
    "读书分享会",
    "培训班",
    "主题展览",
    "朗诵比赛",
    "流动图书车下乡服务",
    "绘本故事会",
    "征文比赛",
]
SERVICES = [
    "总分馆建设",
    "馆际互借",
    "图书通借通还",
    "少儿阅览室",
    "数字图书馆",
    "图创系统",
    "自助借还服务",
    "农家书屋",
    "城市书房",
    "24小时自助图书馆",
    "视障阅览室",
    "地方文献室",
]
HOLIDAYS = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
DEPARTMENTS = ["办公室", "采编部", "流通部", "少儿部", "辅导部", "信息技术部", "地方文献部"]
EDITORS = ["王静", "李娜", "张伟", "刘洋", "陈敏", "杨帆", "赵磊", "孙丽"]
AUDIENCES = ["少儿读者", "中小学生", "老年读者", "社区居民", "村民", "志愿者", "家长和孩子", "党员干部"]
CN_NUMBERS = "一二三四五六七八九十"

KEY_FIGURES = [
    # (label, unit, value in the first year, yearly growth)
    ("到馆读者", "人次", 62_000, 0.08),
    ("图书外借", "册次", 48_000, 0.06),
    ("新增馆藏", "册", 6_500, 0.04),
    ("读者活动", "次", 38, 0.09),
    ("新办读者证", "个", 1_900, 0.05),
    ("数字资源访问", "次", 85_000, 0.18),
    ("总分馆服务点", "个", 6, 0.12),
    ("业务培训", "课时", 40, 0.07),
]
REPORT_SECTIONS = [
    ("基本情况", ["馆藏建设", "读者服务", "数字服务"]),
    ("主要工作", ["阅读推广", "总分馆建设", "少儿服务", "馆际互借", "古籍保护"]),
    ("存在的问题", ["人员不足", "经费紧张"]),
    ("下一步工作打算", ["提升服务", "队伍建设", "数字化建设"]),
]
YEAR_PARTS = [("early", "年初"), ("first_half", "上半年"), ("mid", "年中"), ("second_half", "下半年"), ("end", "年底")]


def configure_database(reset: bool) -> str:
    """Point Django at DATABASE_URL (default: library_bench), creating the PostgreSQL database if missing."""
    import dj_database_url

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        if reset:
            sys.exit("--reset only drops PostgreSQL databases; delete the SQLite file yourself.")
        return url
    import psycopg

    name = config["NAME"]
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            if "bench" not in name:
                sys.exit(f"--reset drops only bench databases (with 'bench' in the name), not {name!r}.")
            print(f"dropping database {name}")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')
    return url


class Writer:
    """Plausible texts of a county library, drawn from the vocabulary with a seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, items):
        return self.rng.choice(items)

    def date_cn(self, date):
        return f"{date.month}月{date.day}日"

    def news(self, kind: str, date: datetime.date) -> dict:
        pick = self.pick
        place, theme, activity, service = pick(PLACES), pick(THEMES), pick(ACTIVITIES), pick(SERVICES)
        if kind == "notice":
            title = pick(
                [
                    f"关于{date.year}年{pick(HOLIDAYS)}期间开馆时间调整的公告",
                    f"关于开展{date.year}年“{theme}”活动的通知",
                    f"关于{service}暂停服务的通知",
                    f"{LIBRARY}{date.year}年度图书采购项目公告",
                    f"关于招募“{theme}”志愿者的公告",
                    f"关于开展{date.year}年度读者证年审工作的通知",
                    f"关于{service}试运行的公告",
                ]
            )
            lead = f"为做好{theme}相关工作,进一步提升{service}水平,现将有关事项通知如下。"
        elif kind == "event":
            when = date + datetime.timedelta(days=self.rng.randint(3, 14))
            title = pick(
                [
                    f"【活动预告】{self.date_cn(when)}“{theme}”{activity}",
                    f"{theme}{activity}预告",
                    f"邀您参加{LIBRARY}“{theme}”{activity}",
                ]
            )
            lead = f"{self.date_cn(when)}上午9时,{LIBRARY}将在{place}举办“{theme}”{activity},欢迎广大读者参加。"
        else:
            title = pick(
                [
                    f"{LIBRARY}在{place}开展“{theme}”{activity}",
                    f"{LIBRARY}举办“{theme}”{activity}",
                    f"“{theme}”{activity}走进{place}",
                    f"{LIBRARY}{service}工作稳步推进",
                    f"{place}{service}服务点正式挂牌",
                ]
            )
            lead = f"{self.date_cn(date)},{LIBRARY}在{place}开展“{theme}”{activity}。"
        paragraphs = [lead] + [
            self.sentence(date, place, theme, activity, service) for _ in range(self.rng.randint(5, 12))
        ]
        body = []
        if self.rng.random() < 0.3:
            body.append(("heading", {"text": pick(["活动概况", "活动现场", "服务成效", "下一步安排"]), "level": "h2"}))
        for start in range(0, len(paragraphs), 3):
            body.append(("paragraph", self.html(paragraphs[start : start + 3])))
        if kind == "notice":
            for number, text in enumerate(self.rng.sample(paragraphs[1:], k=min(3, len(paragraphs) - 1)), start=1):
                body.append(("item", {"number": f"{number}.", "lead": pick(SERVICES), "text": self.html([text])}))
        if self.rng.random() < 0.15:
            body.append(("quote", {"text": "阅读是一种生活方式,图书馆是每个人的第二课堂。", "attribution": "馆长寄语"}))
        digest = "".join(paragraphs[:2])
        return {
            "title": title,
            "digest": digest if len(digest) <= 120 else digest[:119] + "…",
            "body": body,
            "source": pick(DEPARTMENTS),
            "responsible_editor": pick(EDITORS),
        }

    def sentence(self, date, place, theme, activity, service):
        rng = self.rng
        return self.pick(
            [
                f"活动现场,工作人员向群众发放宣传资料{rng.randint(2, 30) * 50}余份,赠送图书{rng.randint(1, 40) * 10}册。",
                f"本次活动共吸引{rng.randint(3, 60) * 10}余名读者参与,其中{self.pick(AUDIENCES)}{rng.randint(20, 200)}名。",
                f"{LIBRARY}将继续推进{service},为广大读者提供更加便捷的阅读服务。",
                f"据了解,{date.year}年以来,{LIBRARY}累计举办各类读者活动{rng.randint(10, 90)}场次,"
                f"服务读者{rng.randint(1, 15)}万人次。",
                f"活动得到了{place}党委、政府的大力支持,{self.pick(AUDIENCES)}纷纷表示受益匪浅。",
                f"工作人员现场为{self.pick(AUDIENCES)}办理读者证{rng.randint(5, 80)}个,并介绍了{service}的使用方法。",
                f"“{theme}”系列活动将持续至{rng.randint(date.month, 12)}月底,各分馆和服务点同步开展。",
                f"下一步,{LIBRARY}将以{theme}为契机,推动{service}向乡镇、村(社区)延伸。",
                f"{self.pick(DEPARTMENTS)}负责人介绍,今年已通过{service}为读者提供服务{rng.randint(100, 5000)}次。",
            ]
        )

    @staticmethod
    def html(sentences):
        from wagtail.rich_text import RichText

        return RichText("".join(f"<p>{sentence}</p>" for sentence in sentences))

    def chronicle(self, year: int) -> list[dict]:
        """20–40 entries of a year's 大事记, in date order, some with partial dates."""
        entries = []
        for _ in range(self.rng.randint(20, 40)):
            roll = self.rng.random()
            month, day, part, text_date = None, None, "", ""
            if roll < 0.75:
                precision = "day"
                month = self.rng.randint(1, 12)
                day = self.rng.randint(1, 28)
                text_date = f"{month}月{day}日"
            elif roll < 0.88:
                precision, month = "month", self.rng.randint(1, 12)
                text_date = f"{month}月份"
            elif roll < 0.97:
                precision, (part, text_date) = "season", self.pick(YEAR_PARTS)
            else:
                precision, text_date = "year", "全年"
            place, theme, activity, service = (
                self.pick(PLACES),
                self.pick(THEMES),
                self.pick(ACTIVITIES),
                self.pick(SERVICES),
            )
            title = self.pick(
                [
                    f"在{place}开展“{theme}”{activity}",
                    f"{service}正式开通",
                    f"举办“{theme}”{activity}",
                    f"荣获“{theme}”先进集体称号",
                    f"组织党员干部开展{theme}学习",
                ]
            )
            entries.append(
                {
                    "title": title,
                    "text": f"<p>{text_date},{LIBRARY}{title}。</p>",
                    "date_precision": precision,
                    "month": month,
                    "day": day,
                    "year_part": part,
                    "date_text": text_date if precision != "day" else "",
                }
            )
        return entries

    def report_body(self, year: int):
        sections = []
        for index, (heading, leads) in enumerate(REPORT_SECTIONS):
            content = [("paragraph", self.html([f"{year}年,{LIBRARY}围绕{heading}扎实开展工作。"]))]
            for number, lead in enumerate(leads, start=1):
                sentence = self.sentence(
                    datetime.date(year, 6, 1), self.pick(PLACES), self.pick(THEMES), self.pick(ACTIVITIES), lead
                )
                content.append(("item", {"number": f"{number}.", "lead": lead, "text": self.html([sentence])}))
            sections.append(("section", {"number": CN_NUMBERS[index], "heading": heading, "content": content}))
        return sections


def aware(date: datetime.date, rng: random.Random) -> datetime.datetime:
    """A publishing time on `date` in office hours, Beijing time."""
    return datetime.datetime(date.year, date.month, date.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=TIME_ZONE)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=int, default=20_000, help="news items to add (default 20000)")
    parser.add_argument("--first-year", type=int, default=2015, help="first year with an annual report")
    parser.add_argument("--last-year", type=int, default=2024, help="last year with an annual report")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the (PostgreSQL, bench) database")
    parser.add_argument(
        "--measure-add-child",
        type=int,
        default=0,
        metavar="N",
        help="also time Wagtail's add_child + publish on N throwaway pages, with and without index handlers",
    )
    args = parser.parse_args(argv)

    url = configure_database(args.reset)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    import django

    django.setup()
    from django.core.management import call_command

    # One log line per page created or published is noise at this scale.
    logging.getLogger("wagtail").setLevel(logging.WARNING)

    print(f"database: {url}")
    call_command("migrate", interactive=False, verbosity=0)

    generator = Generator(random.Random(args.seed))
    generator.add_library_settings()
    if args.measure_add_child:
        generator.measure_add_child(args.measure_add_child)
    if args.news:
        generator.add_news(args.news)
    generator.add_yearbook(args.first_year, args.last_year)
    analyze()
    problems = generator.check_tree()
    sys.exit(1 if problems else 0)


def analyze():
    """Refresh the planner's statistics: without them, right after a bulk load, PostgreSQL estimates one
    row per table and picks nested loops that turn the chronicle's parent-path joins into minutes."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"analyze: {time.perf_counter() - started:.1f} s")


class Generator:
    """Builds the site: columns and yearbook the ordinary way, their many children in bulk."""

    def __init__(self, rng: random.Random):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from wagtail.models import Site

        from home.models import HomePage

        self.rng = rng
        self.writer = Writer(rng)
        self.home = HomePage.objects.get(pk=Site.objects.get(is_default_site=True).root_page_id)
        user_model = get_user_model()
        self.editor, created = user_model.objects.get_or_create(username="bench-editor")
        if created:
            self.editor.set_unusable_password()
            self.editor.save()
            self.editor.groups.set(Group.objects.filter(name="编辑"))

    # --- the few pages above the bulk: made as an editor makes them --------------------

    def child_page(self, parent, model, title, **fields):
        """The child of `parent` titled `title`, created and published when missing."""
        existing = model.objects.child_of(parent).filter(title=title).first()
        if existing:
            return existing
        page = parent.add_child(instance=model(title=title, owner=self.editor, **fields))
        page.save_revision(user=self.editor).publish()
        return model.objects.get(pk=page.pk)

    def add_library_settings(self):
        """The library's contact details and opening hours (周一闭馆), which the navigation endpoint serves."""
        from wagtail.models import Site

        from home.models import LibrarySettings, OpeningHours

        settings = LibrarySettings.for_site(Site.objects.get(is_default_site=True))
        if settings.library_name:
            return
        settings.library_name = LIBRARY
        settings.address = "陕西省咸阳市乾县城关街道(示例地址)"
        settings.phone = "029-0000000(示例)"
        settings.icp_number = "陕ICP备00000000号-1(示例)"
        settings.opening_hours = [
            OpeningHours(weekday=0, closed=True, note="闭馆整理", sort_order=0),
            *(
                OpeningHours(weekday=day, opens=datetime.time(9), closes=datetime.time(17, 30), sort_order=day)
                for day in range(1, 7)
            ),
        ]
        settings.save()

    # --- news ------------------------------------------------------------------------

    def add_news(self, count: int):
        from taggit.models import Tag

        from news.models import Category, NewsIndexPage, NewsPage, NewsPageTag

        columns = [
            (self.child_page(self.home, NewsIndexPage, title, show_in_menus=True), share, kind)
            for title, share, kind in COLUMNS
        ]
        categories = {
            slug: Category.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})[0]
            for order, (name, slug) in enumerate(CATEGORIES)
        }
        tags = [
            Tag.objects.get_or_create(name=name, defaults={"slug": f"tag-{index}"})[0]
            for index, name in enumerate(TAGS)
        ]
        first, last = datetime.date(2010, 1, 1).toordinal(), datetime.date(2025, 12, 31).toordinal()

        started = time.perf_counter()
        made = 0
        for column, share, kind in columns:
            share_count = round(count * share) if column is not columns[-1][0] else count - made
            # A column's items are created in date order, as they were written.
            dates = sorted(datetime.date.fromordinal(self.rng.randint(first, last)) for _ in range(share_count))
            bulk = BulkChildren(column)
            for start in range(0, len(dates), BATCH_SIZE):
                pages, tagged = [], []
                for date in dates[start : start + BATCH_SIZE]:
                    text = self.writer.news(kind, date)
                    category = (
                        categories["notices"] if kind == "notice" else categories[self.rng.choice(CATEGORIES[:5])[1]]
                    )
                    page = NewsPage(date=date, category=category, **text)
                    page_tags = self.rng.sample(tags, k=self.rng.randint(0, 3))
                    # In memory, so that the revision holds the tags as an editor's would.
                    page.tagged_items = [NewsPageTag(tag=tag) for tag in page_tags]
                    pages.append((page, aware(date, self.rng)))
                    tagged.append(page_tags)
                bulk.add(pages, owner=self.editor)
                NewsPageTag.objects.bulk_create(
                    NewsPageTag(tag=tag, content_object_id=page.pk)
                    for (page, _), page_tags in zip(pages, tagged, strict=True)
                    for tag in page_tags
                )
                made += len(pages)
                elapsed = time.perf_counter() - started
                print(f"  news: {made:>6}/{count} pages, {made / elapsed:,.0f} pages/s", end="\r", flush=True)
        elapsed = time.perf_counter() - started
        print(f"news: {made} pages in {elapsed:.1f} s = {made / elapsed:,.0f} pages/s (bulk, with revisions)")

    # --- yearbook ----------------------------------------------------------------------

    def add_yearbook(self, first_year: int, last_year: int):
        from yearbook.models import (
            AnnualReportPage,
            ChronicleCategory,
            ChronicleEntryPage,
            KeyFigure,
            YearbookIndexPage,
        )

        yearbook = self.child_page(self.home, YearbookIndexPage, "年报", show_in_menus=True)
        present = set(AnnualReportPage.objects.child_of(yearbook).values_list("year", flat=True))
        years = [year for year in range(first_year, last_year + 1) if year not in present]
        if not years:
            print(f"yearbook: reports for {first_year}–{last_year} already present")
            return
        categories = list(ChronicleCategory.objects.all())
        started = time.perf_counter()
        reports = []
        for year in years:
            report = AnnualReportPage(
                title=f"{year}年{LIBRARY}工作年报",
                year=year,
                date=datetime.date(year + 1, self.rng.randint(1, 3), self.rng.randint(1, 28)),
                summary=f"{year}年,{LIBRARY}坚持公益性、基本性、均等性、便利性原则,全面完成年度各项工作任务。",
                body=self.writer.report_body(year),
            )
            step = year - 2010
            report.key_figures = [
                KeyFigure(
                    label=label,
                    value=round(base * (1 + growth) ** step * self.rng.uniform(0.92, 1.08)),
                    unit=unit,
                    sort_order=order,
                )
                for order, (label, unit, base, growth) in enumerate(KEY_FIGURES)
            ]
            reports.append((report, aware(report.date, self.rng)))
        BulkChildren(yearbook).add(reports, owner=self.editor)
        KeyFigure.objects.bulk_create(
            KeyFigure(report_id=report.pk, label=f.label, value=f.value, unit=f.unit, sort_order=f.sort_order)
            for report, _ in reports
            for f in report.key_figures.all()
        )
        entry_count = 0
        for report, published_at in reports:
            entries = []
            for fields in self.writer.chronicle(report.year):
                entry = ChronicleEntryPage(year=report.year, category=self.rng.choice(categories), **fields)
                entry.sort_date = entry.compute_sort_date()
                entries.append(entry)
            entries.sort(key=lambda entry: entry.sort_date)
            for number, entry in enumerate(entries, start=1):
                entry.sequence_number = number
            BulkChildren(report).add([(entry, published_at) for entry in entries], owner=self.editor)
            entry_count += len(entries)
        elapsed = time.perf_counter() - started
        print(
            f"yearbook: {len(reports)} reports ({years[0]}–{years[-1]}) with key figures and {entry_count} chronicle "
            f"entries in {elapsed:.1f} s"
        )

    # --- the slow way, for comparison ---------------------------------------------------

    def measure_add_child(self, count: int):
        """Time Wagtail's add_child + save_revision().publish() per page, with and without the index handlers."""
        from django.db.models.signals import post_save
        from modelsearch import index
        from modelsearch.signal_handlers import post_save_signal_handler
        from wagtail.signal_handlers import disable_reference_index_auto_update

        from news.models import NewsIndexPage, NewsPage

        first, last = datetime.date(2010, 1, 1).toordinal(), datetime.date(2025, 12, 31).toordinal()
        column = self.child_page(self.home, NewsIndexPage, f"性能测试-{uuid.uuid4().hex[:8]}")
        try:
            for label, indexing in [
                ("add_child + publish", True),
                ("add_child + publish, Wagtail's search/reference index handlers off", False),
            ]:
                disconnected = []
                if not indexing:
                    disconnected = [
                        model
                        for model in index.get_indexed_models()
                        if post_save.disconnect(post_save_signal_handler, sender=model)
                    ]
                started = time.perf_counter()
                try:
                    with contextlib.nullcontext() if indexing else disable_reference_index_auto_update():
                        for _ in range(count):
                            date = datetime.date.fromordinal(self.rng.randint(first, last))
                            news = NewsPage(date=date, owner=self.editor, **self.writer.news("work", date))
                            page = column.add_child(instance=news)
                            page.save_revision(user=self.editor).publish()
                finally:
                    for model in disconnected:
                        post_save.connect(post_save_signal_handler, sender=model)
                elapsed = time.perf_counter() - started
                print(f"{label}: {count} pages in {elapsed:.1f} s = {count / elapsed:,.1f} pages/s")
        finally:
            column.delete()

    # --- checks ------------------------------------------------------------------------

    def check_tree(self) -> bool:
        """Report tree problems and pages missing their specific row; True when there are any.

        The tree checks are those of treebeard's `find_problems()` (which `manage.py
        fixtree` runs): characters and length of each path, orphans, depth, numchild;
        computed here from one query instead of two per page.
        """
        from collections import Counter

        from django.contrib.contenttypes.models import ContentType
        from wagtail.models import Page, get_page_models

        steplen, alphabet = Page.steplen, set(Page.alphabet)
        nodes = list(Page.objects.values_list("pk", "path", "depth", "numchild"))
        paths = {path for _, path, _, _ in nodes}
        children = Counter(path[:-steplen] for _, path, _, _ in nodes if len(path) > steplen)
        problems = {
            "invalid characters in path": [pk for pk, path, _, _ in nodes if not set(path) <= alphabet],
            "invalid path length": [pk for pk, path, _, _ in nodes if not path or len(path) % steplen],
            "orphans": [pk for pk, path, _, _ in nodes if len(path) > steplen and path[:-steplen] not in paths],
            "wrong depth": [pk for pk, path, depth, _ in nodes if depth * steplen != len(path)],
            "wrong numchild": [pk for pk, path, _, numchild in nodes if numchild != children[path]],
        }
        for model in get_page_models():
            if model is Page or model._meta.abstract:
                continue
            missing = (
                Page.objects.filter(content_type=ContentType.objects.get_for_model(model))
                .exclude(pk__in=model.objects.values("pk"))
                .values_list("pk", flat=True)
            )
            problems[f"{model.__name__} without its own row"] = list(missing)
        found = {name: ids for name, ids in problems.items() if ids}
        for name, ids in found.items():
            print(f"TREE PROBLEM: {name}: {ids[:20]}{' …' if len(ids) > 20 else ''}")
        live = Page.objects.filter(live=True, depth__gt=1).count()
        unrevised = Page.objects.filter(depth__gt=1, live_revision__isnull=True).count()
        print(
            f"tree: {'PROBLEMS FOUND' if found else 'no problems'} in {len(nodes)} pages; "
            f"{live} live, {unrevised} without a live revision"
        )
        return bool(found)


class BulkChildren:
    """Append children to one parent page in bulk, leaving them as Wagtail's add_child + publish would."""

    def __init__(self, parent):
        from wagtail.models import Page

        self.parent = Page.objects.get(pk=parent.pk)
        last = self.parent.get_last_child()
        self.next_step = Page._str2int(last.path[-Page.steplen :]) + 1 if last else 1
        self.slugs = set(Page.objects.child_of(self.parent).values_list("slug", flat=True))

    def unique_slug(self, base: str) -> str:
        candidate, suffix = base, 1
        while candidate in self.slugs:
            suffix += 1
            candidate = f"{base}-{suffix}"
        self.slugs.add(candidate)
        return candidate

    def add(self, pages, owner):
        """Save `pages`, a list of (unsaved specific page, published_at), as live children with a revision each."""
        from django.contrib.contenttypes.models import ContentType
        from django.db import transaction
        from django.db.models import CharField, F, OuterRef, Subquery
        from django.db.models.functions import Cast
        from wagtail.models import Page, Revision

        parent, depth = self.parent, self.parent.depth + 1
        page_type = ContentType.objects.get_for_model(Page)
        with transaction.atomic():
            bases, contents = [], []
            for page, published_at in pages:
                page.slug = self.unique_slug(page.get_slug_base())
                page.path = Page._get_path(parent.path, depth, self.next_step)
                self.next_step += 1
                page.depth, page.numchild = depth, 0
                page.url_path = f"{parent.url_path}{page.slug}/"
                page.locale_id = parent.locale_id
                page.content_type = ContentType.objects.get_for_model(type(page))
                page.owner = owner
                page.live, page.has_unpublished_changes = True, False
                page.draft_title = page.title
                page.first_published_at = page.last_published_at = published_at
                page.latest_revision_created_at = published_at
                bases.append(Page(**{f.attname: getattr(page, f.attname) for f in Page._meta.concrete_fields}))
                # What save_revision stores; taken while the page is unsaved, so that
                # child relations not set in memory read as empty, not from the database.
                contents.append(page.serializable_data())
            Page.objects.bulk_create(bases)
            for (page, _), base, content in zip(pages, bases, contents, strict=True):
                page.id = page.page_ptr_id = content["pk"] = base.id
            by_model = {}
            for page, _ in pages:
                by_model.setdefault(type(page), []).append(page)
            for model, same_type in by_model.items():
                insert_rows(model, same_type, model._meta.local_concrete_fields)
            insert_rows(
                Revision,
                [
                    Revision(
                        content_type_id=page.content_type_id,
                        base_content_type=page_type,
                        object_id=str(page.pk),
                        created_at=published_at,
                        user=owner,
                        object_str=page.title,
                        content=content,
                    )
                    for (page, published_at), content in zip(pages, contents, strict=True)
                ],
            )
            revision = Revision.objects.filter(
                base_content_type=page_type, object_id=Cast(OuterRef("pk"), CharField())
            ).values("pk")[:1]
            Page.objects.filter(pk__in=[page.pk for page, _ in pages]).update(
                latest_revision_id=Subquery(revision), live_revision_id=Subquery(revision)
            )
            Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
        parent.numchild += len(pages)


def insert_rows(model, objects, fields=None):
    """INSERT `objects` with one executemany (by default all concrete fields but the automatic key).

    For the own table of a page type below Page (multi-table inheritance, which
    bulk_create refuses), and for revisions: bulk_create on PostgreSQL sends each
    column as one array, and escaping large JSON texts into an array costs more
    than the rest of the generator.
    """
    from django.db import connection

    if fields is None:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})", rows
        )


if __name__ == "__main__":
    main()
