"""Search quality: a labelled query set run against our engines and Wagtail's database search.

    python -m bench.search_eval --setup        # once: build the eval database (about a minute)
    python -m bench.search_eval                # evaluate every engine on it (about 2 minutes)
    python -m bench.search_eval --only database --show 图书馆讲座   # one query: the top 10 with grades

Data. DATABASE_URL, by default the PostgreSQL database `library_bench_search`.
`--setup` drops and recreates it, migrates, loads the demo site (`load_demo`: 5
news items and the seed 2020 annual report with its chronicle, imported from
legacy/seeds/qianxian-2020-annual-report.txt), then adds `--news` generated news
items (default 2,000) and the annual reports 2015–2024 but 2020 with their
chronicles, through bench/generate.py's own Generator with its seed (2020), so the
same pages every time. Before the demo it creates the generator's news
categories, so that the demo reuses its 阅读推广 (category names are unique) and
the generator reuses the demo's columns and yearbook (found by title). Last,
`manage.py search_rebuild` fills our index. Images go to a temporary MEDIA_ROOT.

Labels: rules, not hand-picked pages. With 2,000+ generated pages nobody can list
by hand which pages are about 少儿, so every query is labelled by a rule computed
here, in Python, from the pages' own fields and independently of search/ (no
analysis, no documents, no engine): a page is relevant when its text contains
every part of the query, by plain substring test after this script's own
normalization (NFKC, OpenCC t2s on the whole text, casefold). The parts of a query
are its runs of letters, digits and Chinese characters (a space or a punctuation
mark separates them), except for the compound queries (words typed without a
space between them), whose words are written out in PARTS. The grade says where the parts are:
3 all in the title, 2 all in the title or the lead fields (digest / summary / date
text, tags, category), 1 anywhere (body, byline, key figures too). This is what a
reader who typed the words expects, whatever an engine does with them: it does not
care how text is segmented, and a page is relevant only if the words really are in
it (an engine that matches scattered characters or bigrams is penalised). It is
also the contract our engine is built to (a query finds the text that contains
it), so recall is expected of it wherever the words are contiguous; the grades
(ranking) and the compound queries are what test it. Known pages check the rules:
EXPECTED names pages (a report by year, a demo news item by its date in
cms/demo.py, found by title) that a query's label must include; a query without
any relevant page, or a missing known page, stops the run.

Measured, for the top 10 of each query: recall@10 (relevant pages in the top 10
over min(10, relevant pages)), MRR (1 / rank of the first relevant result, 0 if
none in the top 10) and nDCG@10 (gain 2^grade − 1, ideal from all labelled
pages). A query counts as failed when its recall@10 < 1 or its nDCG@10 < 0.85.
Engines (`--only` picks some):

- database: ours with the database engine, through /api/v3/search/ in-process
  (query validation included), on the index --setup built;
- elasticsearch: ours on Elasticsearch when ELASTICSEARCH_URL is set (its index is
  rebuilt first), else reported as skipped;
- stock: Wagtail as shipped, `Page.objects.live().public().type(news, report,
  chronicle).search(q)` on wagtail.search.backends.database (modelsearch on
  PostgreSQL), after `update_index` with the page types' own search fields (the
  `search_terms` field this project adds is taken out for it);
- configured: the same query on the backend cms/settings.py configures, when it
  is not the stock one (search.admin_search), after `update_index` as configured,
  which is the state the database is left in.
"""

import argparse
import contextlib
import datetime
import html
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/library_bench_search"
DATABASE_ENGINE = "search.engines.database.DatabaseEngine"
ELASTICSEARCH_ENGINE = "search.engines.elasticsearch.ElasticsearchEngine"
STOCK_BACKEND = "wagtail.search.backends.database"
K = 10
# Targets of an engine's averages; a query fails below recall@10 1 or nDCG@10 NDCG_FAIL.
RECALL_TARGET = 0.95
NDCG_TARGET = 0.85
NDCG_FAIL = 0.85

# (kind, query). Kinds: word, name, place, traditional, punctuation (spaces, punctuation,
# full-width), partial (part of a word), generated (words only the generated pages use),
# compound (words run together without a space).
QUERIES = [
    ("word", "图书馆"),
    ("word", "少儿"),
    ("word", "阅读推广"),
    ("word", "总分馆"),
    ("word", "地方文献"),
    ("word", "参考咨询"),
    ("word", "馆际互借"),
    ("word", "故事会"),
    ("word", "志愿服务"),
    ("word", "读者证"),
    ("word", "统借"),
    ("word", "古籍保护"),
    ("name", "马莉"),
    ("name", "宋瞾静"),
    ("name", "畅大伟"),
    ("name", "李彦华"),
    ("name", "黄如花"),
    ("name", "刘艳丽"),
    ("name", "袁富民"),
    ("place", "阳洪镇"),
    ("place", "上旦村"),
    ("place", "兴平市"),
    ("place", "任家洼村"),
    ("place", "薛录镇"),
    ("place", "梁山镇五峰村"),
    ("place", "乾陵博物馆"),
    ("place", "第一人民广场"),
    ("traditional", "圖書館"),
    ("traditional", "閱讀推廣"),
    ("traditional", "總分館"),
    ("traditional", "地方文獻"),
    ("traditional", "參考諮詢"),
    ("traditional", "世界讀書日"),
    ("traditional", "館際互借"),
    ("traditional", "馬莉"),
    ("punctuation", "世界 读书日"),
    ("punctuation", "阅读推广！"),
    ("punctuation", "少儿 故事会"),
    ("punctuation", "“小金豆”"),
    ("punctuation", "2019 工作年报"),
    ("punctuation", "《乾县方言汇释》"),
    ("punctuation", "ＬＳＣ"),
    ("punctuation", "总分馆、服务点"),
    ("punctuation", "图书馆  馆际互借"),
    ("punctuation", "我们的节日·端午"),
    ("partial", "阅读推"),
    ("partial", "总分"),
    ("partial", "地方文"),
    ("partial", "参考咨"),
    ("partial", "图书进军"),
    ("partial", "小金"),
    ("partial", "读书月"),
    ("partial", "方言汇"),
    ("generated", "姜村镇"),
    ("generated", "红色经典诵读"),
    ("generated", "老年人智能手机使用"),
    ("generated", "24小时自助图书馆"),
    ("generated", "流动图书车下乡服务"),
    ("generated", "读者证年审"),
    ("generated", "图书采购项目公告"),
    ("generated", "先进集体称号"),
    ("generated", "亲子绘本共读"),
    ("generated", "冬春文化惠民"),
    ("generated", "视障阅览室"),
    ("generated", "开馆时间调整"),
    ("compound", "世界读书日活动"),
    ("compound", "图书馆讲座"),
    ("compound", "少儿阅读活动"),
    ("compound", "2020年报"),
    ("compound", "马莉培训"),
    ("compound", "阳洪镇服务点"),
    ("compound", "古籍保护讲座"),
    ("compound", "姜村镇图书捐赠"),
]
KINDS = ["word", "name", "place", "traditional", "punctuation", "partial", "generated", "compound"]
# Compound queries: words run together without a space, as readers often type them. Their
# label needs the words the reader means, written out here; every other query's parts are
# its runs of letters, digits and Chinese characters.
PARTS = {
    "世界读书日活动": ("世界读书日", "活动"),
    "图书馆讲座": ("图书馆", "讲座"),
    "少儿阅读活动": ("少儿阅读", "活动"),
    "2020年报": ("2020", "年报"),
    "马莉培训": ("马莉", "培训"),
    "阳洪镇服务点": ("阳洪镇", "服务点"),
    "古籍保护讲座": ("古籍保护", "讲座"),
    "姜村镇图书捐赠": ("姜村镇", "图书捐赠"),
}

# Pages the label of a query must include (grade ≥ 1): ("report", year), or ("demo news", date)
# for the news item of that date in cms/demo.py (found by its title: generated items share dates).
SEED_REPORT = ("report", 2020)
EXPECTED = {
    "马莉": [SEED_REPORT],
    "宋瞾静": [SEED_REPORT],
    "馬莉": [SEED_REPORT],
    "畅大伟": [SEED_REPORT],
    "黄如花": [SEED_REPORT],
    "阳洪镇": [SEED_REPORT],
    "上旦村": [SEED_REPORT],
    "兴平市": [SEED_REPORT, ("demo news", "2020-12-10")],
    "馆际互借": [("demo news", "2020-12-10")],
    "館際互借": [("demo news", "2020-12-10")],
    "世界 读书日": [("demo news", "2020-04-23")],
    "世界讀書日": [("demo news", "2020-04-23")],
    "“小金豆”": [("demo news", "2020-12-27")],
    "图书进军": [("demo news", "2020-08-06")],
    "2019 工作年报": [("report", 2019)],
    "《乾县方言汇释》": [SEED_REPORT],
    "ＬＳＣ": [SEED_REPORT],
    "2020年报": [SEED_REPORT],
    "马莉培训": [SEED_REPORT],
}


def fail(message):
    sys.exit(f"search_eval: {message}")


# --- labels ----------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_PART = re.compile(r"\w+")
_converter = None


def label_normalize(text: str) -> str:
    """NFKC, OpenCC traditional → simplified over the whole text, casefold: this script's own, not search.analysis."""
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(unicodedata.normalize("NFKC", text)).casefold()


def plain(value) -> str:
    """The words of a field: strings of StreamField / JSON values, rich text without tags."""
    if isinstance(value, str):
        return html.unescape(_TAG.sub(" ", value))
    if isinstance(value, dict):
        return "\n".join(plain(item) for key, item in value.items() if key not in ("id", "type", "level"))
    if isinstance(value, list | tuple):
        return "\n".join(plain(item) for item in value)
    return ""


@dataclass
class LabelledPage:
    page_id: int
    type: str
    key: object  # year (report, chronicle) or title (news)
    title: str
    zones: tuple[str, str, str]  # normalized title; title + lead fields; everything


def labelled_pages() -> list[LabelledPage]:
    """Every live public news item, report and chronicle entry of the database, with its text zones."""
    from news.models import NewsPage
    from yearbook.models import AnnualReportPage, ChronicleEntryPage

    pages = []

    def add(page, kind, key, lead, body):
        title = label_normalize(page.title)
        lead_text = "\n".join([title, label_normalize(plain(lead))])
        everything = "\n".join([lead_text, label_normalize(plain(body))])
        pages.append(LabelledPage(page.pk, kind, key, page.title, (title, lead_text, everything)))

    for page in NewsPage.objects.live().public().select_related("category").prefetch_related("tags"):
        lead = [page.digest, [tag.name for tag in page.tags.all()], page.category.name if page.category_id else ""]
        add(page, "news", page.title, lead, [page.body.get_prep_value(), page.source, page.responsible_editor])
    for page in AnnualReportPage.objects.live().public().prefetch_related("key_figures"):
        figures = [f"{f.label} {f.value.normalize():f}{f.unit}" for f in page.key_figures.all()]
        add(page, "report", page.year, page.summary, [page.body.get_prep_value(), figures])
    for page in ChronicleEntryPage.objects.live().public().select_related("category"):
        lead = [page.date_text, page.category.name if page.category_id else ""]
        add(page, "chronicle", page.year, lead, page.text)
    return pages


def query_parts(query: str) -> list[str]:
    if query in PARTS:
        return [label_normalize(part) for part in PARTS[query]]
    return _PART.findall(label_normalize(query))


def grades(query: str, pages: list[LabelledPage]) -> dict[int, int]:
    """page id → grade (3 title, 2 title or lead fields, 1 anywhere) of the pages holding every part of `query`."""
    parts = query_parts(query)
    found = {}
    for page in pages:
        for grade, zone in zip((3, 2, 1), page.zones, strict=True):
            if all(part in zone for part in parts):
                found[page.page_id] = grade
                break
    return found


def check_labels(labels: dict[str, dict[int, int]], pages: list[LabelledPage]):
    """Every query has relevant pages, and those of EXPECTED are among them."""
    from cms.demo import NEWS_ITEMS

    by_key = {(page.type, page.key): page.page_id for page in pages if page.type in ("news", "report")}
    demo_titles = {item["date"].isoformat(): item["title"] for item in NEWS_ITEMS}
    expected = {
        query: [("news", demo_titles[value]) if kind == "demo news" else (kind, value) for kind, value in keys]
        for query, keys in EXPECTED.items()
    }
    problems = [f"{query!r}: no page holds it" for query, found in labels.items() if not found]
    for query, keys in expected.items():
        for key in keys:
            if key not in by_key:
                problems.append(f"{query!r}: the page {key} is missing from the database")
            elif by_key[key] not in labels[query]:
                problems.append(f"{query!r}: the label misses the page {key}")
    if problems:
        fail("labels do not match the data (run --setup?):\n  " + "\n  ".join(problems))


# --- metrics ---------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    query: str
    ranked: list[int]  # top K page ids
    recall: float
    mrr: float
    ndcg: float
    total: int | None = None  # matches the engine reported
    error: str = ""

    @property
    def failed(self):
        return self.recall < 1.0 or self.ndcg < NDCG_FAIL


def score(kind, query, ranked, graded, total=None, error="") -> Outcome:
    ranked = ranked[:K]
    relevant = [page_id for page_id in ranked if page_id in graded]
    recall = len(relevant) / min(K, len(graded))
    first = next((rank for rank, page_id in enumerate(ranked, start=1) if page_id in graded), None)
    dcg = sum((2 ** graded.get(page_id, 0) - 1) / math.log2(rank + 1) for rank, page_id in enumerate(ranked, start=1))
    ideal = sorted(graded.values(), reverse=True)[:K]
    idcg = sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(ideal, start=1))
    return Outcome(kind, query, ranked, recall, 1 / first if first else 0.0, dcg / idcg, total, error)


# --- engines ---------------------------------------------------------------------


@dataclass
class Engine:
    key: str  # for --only
    name: str
    run: object  # query → (ranked ids, total or None, error)
    prepare: object = None  # called once before the queries, inside `context`
    context: object = contextlib.nullcontext  # what the queries and `prepare` run in
    analysed: bool = False  # our analysis applies (show analysed terms on failures)
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def ours(engine_path):
    """Our API in-process with `engine_path` as the engine: ranked ids, total, error."""
    from django.test import Client, override_settings

    client = Client()

    def run(query):
        with override_settings(SEARCH_ENGINE=engine_path):
            response = client.get("/api/v3/search/", {"q": query, "page_size": K})
        if response.status_code != 200:
            return [], None, f"HTTP {response.status_code}: {response.content[:200].decode(errors='replace')}"
        data = response.json()
        return [hit["id"] for hit in data["results"]], data["total"], ""

    return run


def wagtail_search(query):
    """Wagtail's search, on the backend configured at the time, over the same three page types."""
    from wagtail.models import Page

    from news.models import NewsPage
    from yearbook.models import AnnualReportPage, ChronicleEntryPage

    results = Page.objects.live().public().type(NewsPage, AnnualReportPage, ChronicleEntryPage).search(query)
    return [page.pk for page in results[:K]], results.count(), ""


@contextlib.contextmanager
def stock_wagtail():
    """Wagtail as shipped: the stock database backend, and the page types' own search fields only.

    The project adds a `search_terms` field to every page type (search.admin_search);
    it is taken out here for the stock index and queries, and put back after.
    """
    from django.test import override_settings
    from wagtail.models import get_page_models

    from search.admin_search import SEARCH_TERMS_FIELD

    saved = {model: model.search_fields for model in get_page_models()}
    for model in saved:
        model.search_fields = [f for f in model.search_fields if f.field_name != SEARCH_TERMS_FIELD]
    try:
        with override_settings(WAGTAILSEARCH_BACKENDS={"default": {"BACKEND": STOCK_BACKEND}}):
            yield
    finally:
        for model, fields in saved.items():
            model.search_fields = fields


def update_wagtail_index(label):
    def prepare():
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("update_index", verbosity=0)
        print(f"{label}: update_index {time.perf_counter() - started:.1f} s", flush=True)

    return prepare


def elasticsearch_engine():
    """Ours on Elasticsearch, its index rebuilt from the pages first; or None and why it is skipped."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    if not settings.ELASTICSEARCH_URL:
        return None, "ELASTICSEARCH_URL is not set (no Elasticsearch server is reachable on this machine)"
    try:
        engine = import_string(ELASTICSEARCH_ENGINE)()
        engine.ping()
    except Exception as error:  # missing module, unreachable cluster: say which
        return None, f"{ELASTICSEARCH_ENGINE} at {settings.ELASTICSEARCH_URL} is not usable: {error!r}"

    def prepare():
        from search.documents import iter_documents

        started = time.perf_counter()
        count = engine.rebuild(iter_documents())
        print(f"elasticsearch: rebuilt {count} documents in {time.perf_counter() - started:.1f} s", flush=True)

    return Engine(
        "elasticsearch", "ours (elasticsearch)", ours(ELASTICSEARCH_ENGINE), prepare=prepare, analysed=True
    ), ""


def engines():
    """The engines to evaluate, and the reason Elasticsearch is skipped ("" when it is not)."""
    from django.conf import settings

    found = [Engine("database", "ours (database)", ours(DATABASE_ENGINE), analysed=True)]
    es, skipped = elasticsearch_engine()
    if es is not None:
        found.append(es)
    found.append(
        Engine(
            "stock",
            "Wagtail stock (database backend)",
            wagtail_search,
            prepare=update_wagtail_index("stock"),
            context=stock_wagtail,
        )
    )
    configured = settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]
    if configured != STOCK_BACKEND:
        found.append(
            Engine(
                "configured",
                f"Wagtail as configured ({configured})",
                wagtail_search,
                prepare=update_wagtail_index(configured),
                analysed=True,
            )
        )
    return found, skipped


def check_index(pages):
    """Our database index covers every labelled page (else --setup was not run or not finished)."""
    from search.models import SearchDocument

    ids = {page.page_id for page in pages}
    missing = ids - set(SearchDocument.objects.filter(page_id__in=ids).values_list("page_id", flat=True))
    if missing:
        fail(f"{len(missing)} labelled pages are not in our database index; run manage.py search_rebuild")


# --- report ----------------------------------------------------------------------


def mean(values):
    return statistics.fmean(values) if values else float("nan")


def table(engine: Engine) -> str:
    lines = ["| kind | queries | recall@10 | MRR | nDCG@10 | failed |", "|---|---:|---:|---:|---:|---:|"]
    for kind in [*KINDS, "all but compound", "all"]:
        rows = [
            o
            for o in engine.outcomes
            if kind in ("all", o.kind) or (kind == "all but compound" and o.kind != "compound")
        ]
        if rows:
            label = f"**{kind}**" if kind.startswith("all") else kind
            lines.append(
                f"| {label} | {len(rows)} | {mean([o.recall for o in rows]):.3f} | {mean([o.mrr for o in rows]):.3f} "
                f"| {mean([o.ndcg for o in rows]):.3f} | {sum(o.failed for o in rows)} |"
            )
    return "\n".join(lines)


def describe_failure(outcome: Outcome, graded, titles, analysed) -> str:
    shown = " ".join(str(graded.get(page_id, 0)) for page_id in outcome.ranked) or "nothing"
    best = sorted(graded.values(), reverse=True)[:K]
    lines = [
        f"- [{outcome.kind}] {outcome.query!r}: recall@10 {outcome.recall:.2f}, MRR {outcome.mrr:.2f}, "
        f"nDCG@10 {outcome.ndcg:.2f}; {len(graded)} relevant (grades {_counts(graded)}), "
        f"engine total {outcome.total}; grades of its top 10: {shown} (ideal: {' '.join(map(str, best))})"
        + (f"; {outcome.error}" if outcome.error else "")
    ]
    if analysed:
        from search.analysis import analyze_query

        query = analyze_query(outcome.query)
        lines.append(
            f"    analysed: required={list(query.required)} words={list(query.words)} phrases={list(query.phrases)}"
        )
    for rank, page_id in enumerate(outcome.ranked[:5], start=1):
        lines.append(f"    {rank}. [{graded.get(page_id, 0)}] {titles.get(page_id, page_id)}")
    return "\n".join(lines)


def _counts(graded):
    values = list(graded.values())
    return "/".join(str(values.count(grade)) for grade in (3, 2, 1))


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def verdict(name, value, target):
    return f"{name} {value:.3f} (target ≥ {target}): {'met' if value >= target else 'MISSED'}"


# --- setup -------------------------------------------------------------------------


def setup(news: int, seed: int):
    """Drop and rebuild the eval database: demo site, generated pages, both indexes."""
    from bench import generate

    url = generate.configure_database(reset=True)
    import django

    django.setup()
    from django.core.management import call_command

    from cms.demo import load_demo
    from news.models import Category

    print(f"database: {url}")
    steps = []

    def step(label, function, *args):
        started = time.perf_counter()
        function(*args)
        steps.append((label, time.perf_counter() - started))
        print(f"{label}: {steps[-1][1]:.1f} s", flush=True)

    step("migrate", call_command, "migrate", "--verbosity=0")

    def demo():
        # The generator's categories first: the demo then reuses its 阅读推广 by name.
        for order, (name, slug) in enumerate(generate.CATEGORIES):
            Category.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})
        load_demo()

    step("load_demo", demo)
    generator = generate.Generator(random.Random(seed))
    step(f"generate {news} news", generator.add_news, news)
    step("generate yearbook 2015–2024", generator.add_yearbook, 2015, 2024)
    step("search_rebuild", call_command, "search_rebuild", "--verbosity=0")
    generate.analyze()


# --- main ----------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="drop and rebuild the eval database first")
    parser.add_argument("--news", type=int, default=2000, help="generated news items at --setup (default 2000)")
    parser.add_argument("--seed", type=int, default=2020, help="the generator's seed at --setup")
    parser.add_argument("--show", metavar="QUERY", help="print each engine's top 10 for one query and stop")
    parser.add_argument(
        "--only", default="", help="comma-separated engines: database, elasticsearch, stock, configured (default all)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ.update(
        {
            "MEDIA_ROOT": os.path.join(tempfile.gettempdir(), "library_search_eval_media"),
            "CELERY_BROKER_URL": "",  # index tasks run in-process
            "REDIS_URL": "",  # the API's response cache in memory, and off:
            "API_RESPONSE_CACHE_TIMEOUT": "0",
            "API_RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.setup:
        setup(args.news, args.seed)
    else:
        import django

        django.setup()
    import logging

    logging.getLogger("wagtail").setLevel(logging.WARNING)

    from django.db import connection

    from bench.api_load import machine

    pages = labelled_pages()
    titles = {page.page_id: f"{page.type}: {page.title}" for page in pages}
    labels = {query: grades(query, pages) for _, query in QUERIES}
    check_labels(labels, pages)
    check_index(pages)
    evaluated, skipped = engines()
    only = {key for key in args.only.split(",") if key}
    evaluated = [engine for engine in evaluated if not only or engine.key in only]

    if args.show:
        graded = grades(args.show, pages)
        print(f"{args.show!r}: parts {query_parts(args.show)}, {len(graded)} relevant (3/2/1: {_counts(graded)})")
        for engine in evaluated:
            with engine.context():
                if engine.prepare:
                    engine.prepare()
                ranked, total, error = engine.run(args.show)
            print(f"\n{engine.name}: total {total} {error}")
            for rank, page_id in enumerate(ranked, start=1):
                print(f"  {rank:>2}. [{graded.get(page_id, 0)}] {titles.get(page_id, page_id)}")
        return

    print(f"# Search quality, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; load average {loadavg()}")
    print(
        f"database: {connection.settings_dict['NAME']} ({connection.vendor}); {len(pages)} labelled pages "
        f"({', '.join(f'{t} {sum(p.type == t for p in pages)}' for t in ('news', 'report', 'chronicle'))}); "
        f"{len(QUERIES)} queries"
    )
    if skipped:
        print(f"SKIPPED ours (elasticsearch): {skipped}")

    for engine in evaluated:
        with engine.context():
            if engine.prepare:
                engine.prepare()
            for kind, query in QUERIES:
                started = time.perf_counter()
                ranked, total, error = engine.run(query)
                engine.seconds.append(time.perf_counter() - started)
                engine.outcomes.append(score(kind, query, ranked, labels[query], total, error))

    for engine in evaluated:
        rows = engine.outcomes
        print(f"\n## {engine.name}\n")
        print(table(engine))
        print(
            f"\nmedian {1000 * statistics.median(engine.seconds):.1f} ms per query in-process; "
            + "; ".join(
                [
                    verdict("recall@10", mean([o.recall for o in rows]), RECALL_TARGET),
                    verdict("nDCG@10", mean([o.ndcg for o in rows]), NDCG_TARGET),
                ]
            )
        )
        failed = [o for o in rows if o.failed]
        print(f"\nFailed queries ({len(failed)} of {len(rows)}: recall@10 < 1 or nDCG@10 < {NDCG_FAIL}):")
        for outcome in failed:
            print(describe_failure(outcome, labels[outcome.query], titles, engine.analysed))
    print(f"\nload average at the end: {loadavg()}")


if __name__ == "__main__":
    main()
