"""Build the demo site of 乾县图书馆 from the facts in the project's seed (its 2020 annual report).

`load_demo()` is idempotent. Every object is found by a stable key (a column's
slug, a news item's date-based slug, a report's year, a chronicle entry's number,
a category's slug, an image's content hash, a user's username) and created only
when it is missing. Whatever exists is left as it is, even when an editor has
changed it since, so running it again changes nothing and adds no revisions.

Addresses, telephone numbers and filing numbers are made-up demo values and say so.
"""

import datetime
import hashlib
import io
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from home.models import HomePage, HomePageFeaturedPage, LibrarySettings, OpeningHours, OpeningHoursException, Weekday
from legacy.importer import ImportOptions, import_file
from news.models import Category, NewsIndexPage, NewsPage
from yearbook.models import YearbookIndexPage

CREATED = "created"
PRESENT = "already present"
SKIPPED = "skipped"

# The editorial groups made by home/migrations/0002_site_root_and_editorial_roles.py.
EDITORS_GROUP = "编辑"
REVIEWERS_GROUP = "审核人"

LIBRARY_NAME = "乾县图书馆"
SOURCE = "乾县图书馆"
RESPONSIBLE_EDITOR = "办公室"


class DemoError(Exception):
    """The database is not in a state the demo can be built on (the message says why)."""


@dataclass
class Outcome:
    kind: str
    label: str
    status: str
    detail: str = ""


@dataclass
class DemoResult:
    """What `load_demo` did, object by object, and any password it generated."""

    outcomes: list[Outcome] = field(default_factory=list)
    # username -> generated password; callers show these once and never store them.
    generated_passwords: dict[str, str] = field(default_factory=dict)

    def record(self, kind, label, status, detail=""):
        self.outcomes.append(Outcome(kind, str(label), status, detail))

    def counts(self):
        """{kind: Counter(status -> number)}, kinds in the order they were first recorded."""
        counts = {}
        for outcome in self.outcomes:
            counts.setdefault(outcome.kind, Counter())[outcome.status] += 1
        return counts

    def total(self, status):
        return sum(1 for outcome in self.outcomes if outcome.status == status)


# --- Content ----------------------------------------------------------------------


def _p(text):
    """One rich-text paragraph in Wagtail's storage format."""
    return f"<p>{escape(text, quote=False)}</p>"


HOME_INTRO = _p(
    "乾县图书馆始终坚持“读者至上、服务第一”的宗旨，设有借阅室、阅览室、地方文献室、"
    "多功能服务厅、参考咨询部和视障服务室，为全县读者提供借阅、阅读推广和信息服务。"
)

SETTINGS_FIELDS = {
    "library_name": LIBRARY_NAME,
    "address": "陕西省咸阳市乾县演示路1号（演示地址）",
    "phone": "029-0000 0000（演示号码）",
    "email": "library@example.org",
    "icp_number": "陕ICP备00000000号-1（演示）",
    "public_security_number": "陕公网安备 61042400000000号（演示）",
    "wechat_account_name": LIBRARY_NAME,
    "footer_text": "乾县图书馆 版权所有。本站为演示站点，地址、电话和备案号均为演示数据。",
}

MORNING = (datetime.time(9, 0), datetime.time(12, 0))
AFTERNOON = (datetime.time(14, 30), datetime.time(17, 30))
OPEN_DAYS = [Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY]

# The first Spring Festival after the demo was written (春节 2027 is 6 February): 除夕 to 初五.
SPRING_FESTIVAL_CLOSURE = {
    "start_date": datetime.date(2027, 2, 5),
    "end_date": datetime.date(2027, 2, 10),
    "reason": "春节闭馆",
}

# slug -> (name, description); the slug is the stable key.
NEWS_CATEGORIES = {
    "yuedutuiguang": ("阅读推广", "世界读书日、阅读文化节等阅读推广活动"),
    "guanjihezuo": ("馆际合作", "馆际互借、统借合作与联盟活动"),
    "shaoerhuodong": ("少儿活动", "面向少年儿童的故事会与阅读活动"),
}

COLUMNS = [
    # (slug, title, intro)
    ("news", "工作动态", _p("乾县图书馆的工作动态：阅读推广、馆际合作、业务培训和总分馆建设。")),
    ("notices", "通知公告", _p("开放时间调整、闭馆安排等通知公告。")),
]

COVER_ALT_TEXT = "示意图：一排彩色图书立在书架上，背景为红色到金色的渐变。"

# Each news item is keyed by its slug (its date, the NewsPage convention).
NEWS_ITEMS = [
    {
        "date": datetime.date(2020, 4, 23),
        "title": "乾县图书馆在第一人民广场举行世界读书日户外阅读推广活动",
        "category": "yuedutuiguang",
        "tags": ["世界读书日", "阅读推广", "户外活动"],
        "digest": "4月23日，乾县图书馆在乾县第一人民广场举行以“书香助力战役，阅读通达未来”为主题的户外阅读推广活动。",
        "cover": True,
        "body": [
            {
                "type": "paragraph",
                "value": _p(
                    "4月23日世界读书日，乾县图书馆在乾县第一人民广场举行了以“书香助力战役，阅读通达未来”"
                    "为主题的户外阅读推广活动。"
                ),
            },
            {"type": "quote", "value": {"text": "书香助力战役，阅读通达未来", "attribution": "活动主题"}},
            {"type": "heading", "value": {"text": "各科室走上广场", "level": "h2"}},
            {
                "type": "paragraph",
                "value": _p(
                    "活动中，各科室展出了地方文献书籍宣传、盲文书籍宣传、参考咨询宣传、党员示范岗等主题服务，"
                    "阅读服务车、流动服务车也助力活动现场，引起小读者们的参观热情。"
                ),
            },
            {"type": "heading", "value": {"text": "防疫措施不放松", "level": "h2"}},
            {
                "type": "paragraph",
                "value": _p(
                    "针对疫情，现场书籍陈列以单桌摆放，座椅留足空间，进行了即时消毒。县融媒体予以采访和报道，"
                    "我馆也将新闻稿件及时上传陕西文化信息网。"
                ),
            },
        ],
    },
    {
        "date": datetime.date(2020, 8, 6),
        "title": "乾县图书馆与武警部队乾县中队续签统借合作协议",
        "category": "guanjihezuo",
        "tags": ["统借服务", "军民共建"],
        "digest": "8月6日，乾县图书馆与武警部队乾县中队续签陕西省公共图书馆联盟统借合作协议。",
        "body": [
            {
                "type": "paragraph",
                "value": _p("8月6日，乾县图书馆与武警部队乾县中队续签陕西省公共图书馆联盟统借合作协议。"),
            },
            {"type": "heading", "value": {"text": "图书进军营", "level": "h2"}},
            {
                "type": "paragraph",
                "value": _p(
                    "9月29日下午，我馆举办“军民共建”——乾县图书馆“图书进军营”活动。"
                    "9月30日，乾县图书馆向乾县看守所提供图书统借服务。"
                ),
            },
        ],
    },
    {
        "date": datetime.date(2020, 10, 18),
        "title": "乾县图书馆举行第八届陕西省阅读文化节少儿活动",
        "category": "shaoerhuodong",
        "tags": ["阅读文化节", "少儿阅读"],
        "digest": "10月18日，乾县图书馆举行第八届陕西省阅读文化节少儿活动。",
        "body": [
            {"type": "paragraph", "value": _p("10月18日，乾县图书馆举行第八届陕西省阅读文化节少儿活动。")},
            {
                "type": "paragraph",
                "value": _p(
                    "11月14日，我馆还举办了少儿阅读活动——hh妈妈讲故事。全年我馆共举办各类读者活动67次，"
                    "共有12369人次参与。"
                ),
            },
        ],
    },
    {
        "date": datetime.date(2020, 12, 10),
        "title": "乾县图书馆与兴平市图书馆开通馆际互借服务",
        "category": "guanjihezuo",
        "tags": ["馆际互借", "图书馆联盟"],
        "digest": "12月10日，乾县图书馆与兴平市图书馆开通了馆际互借服务。",
        "body": [
            {"type": "paragraph", "value": _p("12月10日，我馆与兴平市图书馆开通了馆际互借服务。")},
            {
                "type": "paragraph",
                "value": _p(
                    "今年，我馆继续加强与陕西省公共图书馆服务联盟的互动，在条件具备的情况下参与联盟活动，"
                    "年底向联盟报送各项服务总结和数据。"
                ),
            },
        ],
    },
    {
        "date": datetime.date(2020, 12, 27),
        "title": "乾县图书馆举行“小金豆”少儿故事会",
        "category": "shaoerhuodong",
        "tags": ["少儿阅读", "故事会"],
        "digest": "12月27日上午，乾县图书馆在多功能厅举行“小金豆”少儿故事会。",
        "body": [
            {
                "type": "paragraph",
                "value": _p(
                    "12月27日上午，我馆在多功能厅举行“小金豆”少儿故事会一场，"
                    "并及时将新闻稿件发布到乾县图书馆微信公众平台及陕西文化信息网。"
                ),
            },
        ],
    },
]

# The old site's page holding the 2020 report; imported for real, like any old page.
SEED_REPORT = Path(__file__).resolve().parent.parent / "legacy" / "seeds" / "qianxian-2020-annual-report.txt"


# --- Generated images -----------------------------------------------------------


def _png_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wechat_qr_png():
    """A QR-code-like placeholder (finder squares and seeded noise; it scans to nothing)."""
    modules, scale, border = 29, 10, 4
    rng = random.Random("乾县图书馆 demo QR")  # seeded: the same bytes on every run
    size = (modules + 2 * border) * scale
    image = PILImage.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)

    def fill(x, y, width=1, height=1, colour=0):
        left, top = (border + x) * scale, (border + y) * scale
        draw.rectangle([left, top, left + width * scale - 1, top + height * scale - 1], fill=colour)

    finders = [(0, 0), (modules - 7, 0), (0, modules - 7)]
    for x, y in finders:
        fill(x, y, 7, 7)
        fill(x + 1, y + 1, 5, 5, 255)
        fill(x + 2, y + 2, 3, 3)

    def in_finder(x, y):  # a finder square or the light band around it
        return any(fx - 1 <= x <= fx + 7 and fy - 1 <= y <= fy + 7 for fx, fy in finders)

    for y in range(modules):
        for x in range(modules):
            if in_finder(x, y):
                continue
            dark = (x + y) % 2 == 0 if 6 in (x, y) else rng.random() < 0.5  # row/column 6: timing pattern
            if dark:
                fill(x, y)
    return _png_bytes(image)


def reading_day_cover_png():
    """A 960×540 cover: books on a shelf before a red-to-gold gradient."""
    width, height = 960, 540
    image = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top, bottom = (160, 28, 36), (243, 178, 62)
    for y in range(height):
        t = y / (height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    shelf_y = 430
    draw.rectangle([60, shelf_y, width - 60, shelf_y + 18], fill=(92, 52, 30))
    rng = random.Random("乾县图书馆 demo cover")
    palette = [(32, 74, 135), (28, 110, 85), (240, 234, 214), (120, 40, 60), (212, 160, 40), (60, 60, 70)]
    x = 90
    while x < width - 120:
        book_width, book_height = rng.randint(28, 52), rng.randint(170, 260)
        draw.rectangle([x, shelf_y - book_height, x + book_width, shelf_y - 1], fill=rng.choice(palette))
        draw.line(
            [(x + 6, shelf_y - book_height + 20), (x + book_width - 6, shelf_y - book_height + 20)],
            fill=(250, 240, 200),
            width=3,
        )
        x += book_width + rng.randint(3, 8)
    return _png_bytes(image)


# --- Builders ------------------------------------------------------------------


def _ensure_image(result, title, filename, data, description):
    """The Wagtail image with exactly these bytes (found by content hash), created if missing."""
    image_model = get_image_model()
    file_hash = hashlib.sha1(data).hexdigest()  # the content hash Wagtail itself stores
    image = image_model.objects.filter(file_hash=file_hash).first()
    if image is not None:
        result.record("image", image.title, PRESENT)
        return image
    image = image_model(title=title, description=description, file_size=len(data), file_hash=file_hash)
    image.file = ImageFile(io.BytesIO(data), name=filename)
    image.save()
    result.record("image", title, CREATED)
    return image


def _stream(model, field_name, raw):
    """`raw` (Wagtail's JSON form) as a validated StreamValue for `model.field_name`."""
    block = model._meta.get_field(field_name).stream_block
    value = block.to_python(raw)
    return block.clean(value)


def _add_and_publish(parent, page):
    """Add `page` under `parent`, publish it through a revision, return it fresh."""
    # Saved with Wagtail's default live=True: only then does save() run full_clean(),
    # which validates every field and lets ReadableSlugMixin derive the slug
    # (2020, entry-1…). A page saved with live=False gets minimal_clean() only,
    # and Wagtail would slugify the Chinese title instead.
    parent.add_child(instance=page)
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def _child_by_slug(result, kind, parent, model, slug, build):
    """The child of `parent` with `slug` (must be a `model`), or a new published one from `build()`."""
    existing = Page.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        existing = existing.specific
        if not isinstance(existing, model):
            raise DemoError(
                f"The page at {existing.url_path} is a {type(existing).__name__}, "
                f"not a {model.__name__}; move or rename it and run again."
            )
        result.record(kind, existing.title, PRESENT)
        return existing
    page = build()
    page.slug = slug
    page = _add_and_publish(parent, page)
    result.record(kind, page.title, CREATED)
    return page


def _home_page(site):
    home = site.root_page.specific
    if not isinstance(home, HomePage):
        raise DemoError(f"The default site's root page is a {type(home).__name__}, not a HomePage.")
    return home


def _ensure_library_settings(result, site):
    """Fill the library's site settings where they are empty; never overwrite what is there."""
    settings = LibrarySettings.for_site(site)
    changed = False
    for name, value in SETTINGS_FIELDS.items():
        if not getattr(settings, name):
            setattr(settings, name, value)
            changed = True
    if settings.wechat_qr_code_id is None:
        settings.wechat_qr_code = _ensure_image(
            result,
            "乾县图书馆微信公众号二维码（演示）",
            "demo-wechat-qr.png",
            wechat_qr_png(),
            "乾县图书馆微信公众号二维码（演示图案，无法扫描）",
        )
        changed = True
    if changed:
        settings.save()
    if not settings.opening_hours.exists():
        rows = [OpeningHours(settings=settings, weekday=Weekday.MONDAY, closed=True, note="周一闭馆")]
        for weekday in OPEN_DAYS:
            for (opens, closes), note in ((MORNING, "上午"), (AFTERNOON, "下午")):
                rows.append(OpeningHours(settings=settings, weekday=weekday, opens=opens, closes=closes, note=note))
        for order, row in enumerate(rows):
            row.sort_order = order
            row.full_clean()
            row.save()
        changed = True
    closure = SPRING_FESTIVAL_CLOSURE
    if not settings.opening_exceptions.filter(start_date=closure["start_date"], reason=closure["reason"]).exists():
        exception = OpeningHoursException(
            settings=settings, closed=True, sort_order=settings.opening_exceptions.count(), **closure
        )
        exception.full_clean()
        exception.save()
        changed = True
    result.record("library settings", site.site_name or site.hostname, CREATED if changed else PRESENT)
    return settings


def _ensure_categories(result):
    categories = {}
    for order, (slug, (name, description)) in enumerate(NEWS_CATEGORIES.items()):
        # An editor may already have made a category of that name under another slug: reuse it.
        category = Category.objects.filter(slug=slug).first() or Category.objects.filter(name=name).first()
        if category is None:
            category = Category.objects.create(name=name, slug=slug, description=description, sort_order=order)
            result.record("news category", name, CREATED)
        else:
            result.record("news category", category.name, PRESENT)
        categories[slug] = category
    return categories


def _ensure_news(result, news_index, categories):
    for item in NEWS_ITEMS:

        def build(item=item):
            page = NewsPage(
                title=item["title"],
                date=item["date"],
                source=SOURCE,
                responsible_editor=RESPONSIBLE_EDITOR,
                category=categories[item["category"]],
                digest=item["digest"],
                body=_stream(NewsPage, "body", item["body"]),
            )
            if item.get("cover"):
                page.cover_image = _ensure_image(
                    result,
                    "世界读书日户外阅读推广活动封面（示意图）",
                    "demo-reading-day-cover.png",
                    reading_day_cover_png(),
                    COVER_ALT_TEXT,
                )
                page.cover_alt_text = COVER_ALT_TEXT
            page.tags.add(*item["tags"])
            return page

        _child_by_slug(result, "news item", news_index, NewsPage, item["date"].isoformat(), build)


def _import_seed_report(result, site):
    """The 2020 report and its 大事记, imported from the old site's page (published)."""
    outcome = import_file(SEED_REPORT, ImportOptions(site=site, publish=True))
    if outcome.status == "failed":
        raise DemoError(f"The seed report could not be imported: {outcome.reason}")
    status = PRESENT if outcome.status == "unchanged" else CREATED
    result.record("annual report", outcome.page.title, status, f"imported from {SEED_REPORT.name}")
    return outcome.page


def _ensure_home_content(result, home, featured):
    """Give the home page its intro and featured pages, unless it has them (or an unpublished draft)."""
    if home.has_unpublished_changes:
        result.record("home page", home.title, SKIPPED, "it has unpublished changes; left alone")
        return
    changed = False
    if not home.intro:
        home.intro = HOME_INTRO
        changed = True
    if not home.featured_pages.exists():
        home.featured_pages = [HomePageFeaturedPage(page=page, sort_order=i) for i, page in enumerate(featured)]
        changed = True
    if changed:
        home.save_revision().publish()
    result.record("home page", home.title, CREATED if changed else PRESENT)


def _ensure_user(result, username, password, *, superuser=False, group=None, env_name=None):
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        result.record("user", username, PRESENT, "password left unchanged")
        return
    if password is None and not superuser:
        result.record("user", username, SKIPPED, f"set {env_name} to create it")
        return
    if group is not None and not Group.objects.filter(name=group).exists():
        raise DemoError(f"The group {group} is missing; run the migrations first.")
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(16)
        result.generated_passwords[username] = password
    if superuser:
        user_model.objects.create_superuser(username=username, email="", password=password)
    else:
        user = user_model.objects.create_user(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=group))
    source = "generated" if generated else f"from {env_name}"
    result.record("user", username, CREATED, f"password {source}")


@transaction.atomic
def load_demo(*, admin_username="admin", admin_password=None, editor_password=None, reviewer_password=None):
    """Build the demo site on the default site's home page; return what was created or found.

    The superuser `admin_username` is created when missing, with `admin_password`
    or a generated one (returned in `generated_passwords`, nowhere stored in
    clear). The users "editor" (编辑) and "reviewer" (审核人) are created only when
    their passwords are given. Existing users are never changed.
    """
    result = DemoResult()
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        raise DemoError("There is no default site; run the migrations first.")
    home = _home_page(site)

    _ensure_library_settings(result, site)
    categories = _ensure_categories(result)

    columns = {}
    for slug, title, intro in COLUMNS:
        columns[slug] = _child_by_slug(
            result,
            "column",
            home,
            NewsIndexPage,
            slug,
            lambda title=title, intro=intro: NewsIndexPage(title=title, intro=intro),
        )
    _ensure_news(result, columns["news"], categories)

    # The yearbook section the seed report is imported into.
    _child_by_slug(
        result,
        "column",
        home,
        YearbookIndexPage,
        "yearbook",
        lambda: YearbookIndexPage(title="年报", intro=_p("乾县图书馆历年工作年报及大事记。")),
    )
    report = _import_seed_report(result, site)

    _ensure_home_content(result, home, [report, columns["news"]])

    _ensure_user(result, admin_username, admin_password, superuser=True, env_name="DEMO_ADMIN_PASSWORD")
    _ensure_user(result, "editor", editor_password, group=EDITORS_GROUP, env_name="DEMO_EDITOR_PASSWORD")
    _ensure_user(result, "reviewer", reviewer_password, group=REVIEWERS_GROUP, env_name="DEMO_REVIEWER_PASSWORD")
    return result
