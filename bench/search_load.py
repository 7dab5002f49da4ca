"""Load reader search through gunicorn with wrk: our /api/v3/search/ beside Wagtail's /api/v2/pages/?search=.

    python -m bench.generate --news 20000     # once: the bench database (nothing in it is indexed)
    python -m bench.search_load               # rebuild the indexes (timed), then load both APIs
    python -m bench.search_load --skip-rebuild --warm --duration 10

Indexes. Unless `--skip-rebuild`, it first times, on DATABASE_URL (default: the
PostgreSQL database library_bench, 20,000 news items), `manage.py search_rebuild`
(our index, in a process of its own), then Wagtail's stock rebuild, `update_index`
with the stock database backend and the page types' own search fields (in this
process, as bench/search_eval.py's `stock_wagtail` sets them), then `manage.py
update_index` as this project configures it (search.admin_search, whose extra
`search_terms` field holds each page's analysed text) in a process of its own; the
last one stays, since that is the index /api/v2/ searches. Then it runs ANALYZE:
this machine's PostgreSQL runs without autovacuum, and a freshly filled index table
without statistics makes the planner scan every document instead of using the GIN
index (measured: 0.7 s instead of 30 ms for a query with 733 matches).

Load. gunicorn (2 sync workers, DEBUG off, Redis cache, no rate limit) on a free
port of 127.0.0.1, with the API response cache off (API_RESPONSE_CACHE_TIMEOUT=0),
so every request reaches the search engine; wrk (2 threads, `--connections`,
`--duration` s after a warm-up) cycles through the same mix of reader queries on
each API: ours `/api/v3/search/?q=…` (10 results with snippets, total and facets),
and Wagtail's v2 `/api/v2/pages/?type=news.NewsPage&search=…&limit=10`
(WAGTAILAPI_SEARCH_ENABLED is not set in cms/settings.py, so it is on, with the
project's backend). The `type` is needed: without it, v2 answers 400 "cannot filter
by 'expire_at' while searching", since cms.api.visibility adds that filter to the
pages v2 searches, and Page does not index expire_at; with a type, v2 nests that
queryset in a subquery (a single type only). So v2 searches the 20,000 news items,
ours all 20,311 documents. `--warm` adds a run of each with the cache on, every URL
primed once. Per run: requests/s, p50/p95/p99 latency (wrk's histogram), errors
(socket errors, timeouts after 10 s, non-200), X-Cache hits, gunicorn worker CPU per request and the
load average before the run. Before the load, each query is timed alone in this
process (median of `--profile-samples`) with its database time, and both APIs'
match counts are shown.

bench/api_load.py provides gunicorn, wrk and its Lua, the machine and CPU helpers;
wrk comes from Debian (`apt-get install -y wrk`).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from bench import api_load, generate

# Reader queries: topics, services, a name, places, traditional characters, two words with a space.
QUERIES = [
    "图书馆",
    "阅读推广",
    "少儿",
    "世界读书日",
    "总分馆",
    "馆际互借",
    "地方文献",
    "志愿服务",
    "古籍保护",
    "故事会",
    "读者证年审",
    "开馆时间调整",
    "姜村镇",
    "阳洪镇上旦村",
    "24小时自助图书馆",
    "老年人智能手机使用",
    "红色经典诵读",
    "圖書館",
    "世界 读书日",
    "王静",
]
PAGE_SIZE = 10
P95_TARGET_MS = 50
REBUILD_TARGET_S = 60

# api_load's Lua, also reporting p95: run_wrk reads the module's LUA and parses every key=value of its RESULT line.
api_load.LUA = api_load.LUA.replace("p99_us=%%d ", "p99_us=%%d p95_us=%%d ").replace(
    "latency:percentile(99.0),", "latency:percentile(99.0), latency:percentile(95.0),"
)


@dataclass
class Run:
    api: str
    cache: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    socket_errors: int  # connect, read, write
    timeouts: int  # no answer within wrk's 10 s
    non200: int
    hits: int
    cpu_ms_per_request: float
    loadavg: str


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ours_path(query: str) -> str:
    return f"/api/v3/search/?q={urllib.parse.quote(query)}"


def v2_path(query: str) -> str:
    # With type=, v2 searches the news pages only; without it, it answers 400 (see the module docstring).
    return f"/api/v2/pages/?type=news.NewsPage&search={urllib.parse.quote(query)}&limit={PAGE_SIZE}"


# --- indexes -------------------------------------------------------------------------


def timed_command(*command) -> tuple[float, str]:
    """Run `manage.py command` in a process of its own: seconds, and its last line of output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=api_load.REPO, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        api_load.fail(f"manage.py {' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return seconds, lines[-1] if lines else ""


def rebuild_indexes() -> list[tuple[str, float, str, str]]:
    """(what, seconds, load average before, note) of each index rebuild."""
    from django.core.management import call_command

    from bench.search_eval import stock_wagtail
    from search.documents import searchable_pages

    pages = searchable_pages().count()
    rows = []
    load = loadavg()
    seconds, line = timed_command("search_rebuild", "--verbosity=1")
    rows.append((f"ours: `manage.py search_rebuild` ({pages} documents)", seconds, load, line))
    print(f"search_rebuild: {seconds:.1f} s: {line}", flush=True)

    load = loadavg()
    started = time.perf_counter()
    with stock_wagtail():
        call_command("update_index", verbosity=0)
    seconds = time.perf_counter() - started
    rows.append(("Wagtail stock: `update_index`, stock backend and search fields", seconds, load, "in-process"))
    print(f"update_index (stock): {seconds:.1f} s", flush=True)

    load = loadavg()
    seconds, line = timed_command("update_index", "--verbosity=1")
    rows.append(("Wagtail as configured: `manage.py update_index`", seconds, load, line))
    print(f"update_index (configured): {seconds:.1f} s: {line}", flush=True)
    return rows


def analyze():
    """Planner statistics for the index tables (see the module docstring), as bench/generate.py takes them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        print(f"autovacuum: {cursor.fetchone()[0]}")
    generate.analyze()


# --- load ----------------------------------------------------------------------------


def match_counts(server) -> list[tuple[str, int | str, int | str]]:
    """Each query's number of matches in each API (or its HTTP status when not 200)."""
    rows = []
    for query in QUERIES:
        counts = []
        for path, key in ((ours_path(query), "total"), (v2_path(query), "meta")):
            status, _, body = api_load.fetch(server.base_url + path)
            if status != 200:
                counts.append(f"HTTP {status}")
                continue
            data = json.loads(body)
            counts.append(data["total"] if key == "total" else data["meta"]["total_count"])
        rows.append((query, *counts))
    return rows


def load(server, api, paths, cache, args) -> Run:
    """One wrk run over `paths` after a warm-up, with the workers' CPU time."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as workdir:
        if args.warmup:
            api_load.run_wrk(server, paths, False, args.warmup, args.connections, workdir)
        before = loadavg()
        workers = server.worker_pids()
        cpu_before = api_load.cpu_seconds(workers)
        result = api_load.run_wrk(server, paths, False, args.duration, args.connections, workdir)
        cpu = api_load.cpu_seconds(workers) - cpu_before
    requests = result["requests"]
    return Run(
        api=api,
        cache=cache,
        requests=requests,
        rps=requests / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        socket_errors=sum(result[key] for key in ("connect", "read", "write")),
        timeouts=result["timeout"],
        non200=result["non200"],
        hits=result["hits"],
        cpu_ms_per_request=1000 * cpu / requests if requests else 0.0,
        loadavg=before,
    )


def serve(env, args, runs, cache, apis):
    """Start gunicorn with `env`, load each API, stop it whatever happens."""
    server = api_load.Gunicorn(api_load.free_port(), args.workers, env)
    try:
        server.wait_ready()
        if cache == "off":
            print("\nMatches per query (ours total / v2 total_count):")
            for query, ours, v2 in match_counts(server):
                print(f"  {query}: {ours} / {v2}")
        for api, make_path in apis:
            paths = [make_path(query) for query in QUERIES]
            if cache == "warm":
                for path in paths:  # the one miss per URL that fills the cache
                    api_load.fetch(server.base_url + path, gzip=True)
            run = load(server, api, paths, cache, args)
            runs.append(run)
            print(
                f"{api} cache {cache}: {run.rps:,.0f} req/s, p50 {run.p50_ms:.1f} ms, p95 {run.p95_ms:.1f} ms, "
                f"p99 {run.p99_ms:.1f} ms, {errors(run)}, {run.hits} hits (load {run.loadavg})",
                flush=True,
            )
    finally:
        server.stop()


def profile(samples) -> list[tuple[str, str, float, float, float]]:
    """Each query alone through each API in this process: (api, query, median ms, of which database, queries)."""
    from django.db import connection
    from django.test import Client

    client = Client()
    rows = []
    for api, make_path in (("ours", ours_path), ("v2", v2_path)):
        for query in QUERIES:
            totals, database, counts = [], [], []
            for n in range(-1, samples):  # one unmeasured request first
                timer = api_load.QueryTimer()
                with connection.execute_wrapper(timer):
                    started = time.perf_counter()
                    response = client.get(make_path(query), HTTP_HOST="localhost")
                    elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    api_load.fail(f"in-process {make_path(query)}: HTTP {response.status_code}")
                if n >= 0:
                    totals.append(elapsed * 1000)
                    database.append(timer.seconds * 1000)
                    counts.append(timer.count)
            rows.append((api, query, statistics.median(totals), statistics.median(database), statistics.median(counts)))
    return rows


# --- report --------------------------------------------------------------------------


def errors(run) -> str:
    counts = {"socket": run.socket_errors, "timeouts": run.timeouts, "non-200": run.non200}
    return " + ".join(f"{n} {what}" for what, n in counts.items() if n) or "0 errors"


def markdown(runs) -> str:
    lines = [
        "| API | response cache | req/s | p50 ms | p95 ms | p99 ms | errors | X-Cache hits | worker CPU ms/req "
        "| load before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.api} | {r.cache} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {errors(r)} "
            f"| {r.hits} | {r.cpu_ms_per_request:.1f} | {r.loadavg} |"
        )
    return "\n".join(lines)


def profile_markdown(rows) -> str:
    by_query = {}
    for api, query, total, database, queries in rows:
        by_query.setdefault(query, {})[api] = (total, database, queries)
    lines = [
        "| query | ours ms | of which database | queries | v2 ms | of which database | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for query, apis in by_query.items():
        cells = [f"{t:.1f} | {d:.1f} | {q:.0f}" for t, d, q in (apis["ours"], apis["v2"])]
        lines.append(f"| {query} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    api_load.add_load_arguments(parser)
    parser.add_argument("--skip-rebuild", action="store_true", help="use the indexes as they are")
    parser.add_argument("--warm", action="store_true", help="also load both APIs with the response cache on")
    parser.add_argument(
        "--profile-samples", type=int, default=3, help="requests per query timed alone in-process (0: none)"
    )
    parser.add_argument("--json", type=Path, help="also write the load runs to this file")
    args = parser.parse_args(argv)
    redis_url = os.environ.get("REDIS_URL", api_load.DEFAULT_REDIS_URL)

    if shutil.which("wrk") is None:
        api_load.fail("wrk is not installed: apt-get install -y wrk")
    os.environ.setdefault("DATABASE_URL", api_load.DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    try:
        api_load.flush_cache(redis_url)
    except Exception as error:  # any connection failure: say which Redis and why
        api_load.fail(f"Redis at {redis_url} is not reachable: {error}")
    os.environ.update(
        {
            "DEBUG": "0",
            "REDIS_URL": redis_url,
            "API_RATE_LIMIT_PER_MINUTE": "0",
            "API_RESPONSE_CACHE_TIMEOUT": "0",
            "ALLOWED_HOSTS": f"127.0.0.1,localhost,{api_load.COLD_HOST_DOMAIN}",
            "LOG_LEVEL": "WARNING",
            "CELERY_BROKER_URL": "",
        }
    )
    import django

    django.setup()
    from news.models import NewsPage

    print(f"# Search load, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {api_load.machine()}; database: {os.environ['DATABASE_URL']}; cache: {redis_url}")
    print(f"{NewsPage.objects.live().count()} live news items")
    print(
        f"gunicorn {args.workers} sync workers; wrk {api_load.WRK_THREADS} threads, {args.connections} connections, "
        f"{args.duration} s per run after {args.warmup} s of warm-up; {len(QUERIES)} queries in turn"
    )
    signal.signal(signal.SIGTERM, api_load.unwind)
    signal.signal(signal.SIGINT, api_load.unwind)

    rebuilds = [] if args.skip_rebuild else rebuild_indexes()
    analyze()
    profiled = profile(args.profile_samples) if args.profile_samples else []
    apis = [("ours", ours_path), ("v2", v2_path)]
    runs = []
    try:
        serve(dict(os.environ), args, runs, "off", apis)
        if args.warm:
            api_load.flush_cache(redis_url)
            serve({**os.environ, "API_RESPONSE_CACHE_TIMEOUT": "300"}, args, runs, "warm", apis)
    finally:
        api_load.flush_cache(redis_url)

    if rebuilds:
        print("\n| index rebuild | seconds | load before | output |\n|---|---:|---|---|")
        for what, seconds, load_before, note in rebuilds:
            print(f"| {what} | {seconds:.1f} | {load_before} | {re.sub(r'[|]', '/', note)} |")
        print(
            f"\nsearch_rebuild under {REBUILD_TARGET_S} s: {'met' if rebuilds[0][1] < REBUILD_TARGET_S else 'MISSED'}"
        )
    print()
    print(markdown(runs))
    for run in runs:
        if run.api == "ours" and run.cache == "off":
            verdict = "met" if run.p95_ms < P95_TARGET_MS else "MISSED"
            print(f"\nours, cache off: p95 {run.p95_ms:.1f} ms (target < {P95_TARGET_MS} ms): {verdict}")
            print(f"errors: {sum(r.socket_errors + r.timeouts + r.non200 for r in runs)} in all runs (target 0)")
    if profiled:
        print(f"\nEach query alone, in-process, cache off (median of {args.profile_samples}):\n")
        print(profile_markdown(profiled))
    print(f"\nload average at the end: {loadavg()}")
    if args.json:
        args.json.write_text(json.dumps([run.__dict__ for run in runs], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
