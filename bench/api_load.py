"""Load the API through gunicorn with wrk: our /api/v3/ routers beside Wagtail's stock /api/v2/, cache cold and warm.

    python -m bench.generate --news 20000     # once: the bench database
    python -m bench.api_load                  # every scenario, 15 s each, 8 connections
    python -m bench.api_load --duration 5 --only news-list,news-detail

What it does. It starts gunicorn (2 sync workers, DEBUG off) on a free port of
127.0.0.1 against DATABASE_URL (default: the PostgreSQL database library_bench)
with the Redis cache REDIS_URL (default redis://127.0.0.1:6379/7, emptied before
each run) and no rate limit (API_RATE_LIMIT_PER_MINUTE=0), then runs wrk (2
threads, `--connections`, `--duration` seconds after a short warm-up) on each
scenario: the news list (limit 20), a news item, the chronicle of 2020 and the
navigation, each through our v3 routers and through the closest request Wagtail's
v2 pages API has for the same data. gunicorn is stopped at the end, whatever happens.

Cold and warm. Our API answers an unknown query parameter with 422, so a random
parameter cannot bust the response cache. Cold runs instead send every request
with a Host header of its own (c<run>-<thread>-<n>.bench.invalid, allowed through
ALLOWED_HOSTS): an unknown host is served by the default site exactly as the real
one is, so the work is the same, but a response cache that keys on the host (as
it must, serving several sites) never hits. Cold news-item runs also spread over
every news id. Warm runs repeat one URL on the real host after one priming
request. wrk's Lua counts the X-Cache header of every response (HIT, MISS, none),
so each row shows whether the run really was cold or warm. Every request asks for
gzip, as browsers and front-end servers do.

Per run: requests/s, latency p50/p99 (wrk's own histogram), errors (socket errors
and non-200 responses), X-Cache hits, the gunicorn workers' CPU time per request
(user + system, from /proc: less sensitive than requests/s to whatever else the
machine runs) and the peak resident memory of a worker (sampled from /proc every
0.1 s). The system load average before the run is shown, because other work on
the machine shares its cores with gunicorn and wrk. Before the load, each cold
request is also timed alone in this process (median of `--profile-samples`), with
the time spent in database queries and their number: what one request costs,
without queueing.

wrk comes from Debian: `apt-get install -y wrk`.
"""

import argparse
import contextlib
import datetime
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/library_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
COLD_HOST_DOMAIN = ".bench.invalid"
WRK_THREADS = 2
RUN_NUMBERS = itertools.count(1)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Fields of our news list item, asked of v2 where it has them (probed: v2 answers 400 to others).
V2_NEWS_LIST_FIELDS = ["date", "category", "tags", "digest", "source", "responsible_editor", "cover_image", "parent"]
V2_CHRONICLE_FIELDS = [
    "text",
    "sequence_number",
    "year",
    "month",
    "day",
    "date_precision",
    "year_part",
    "date_text",
    "end_date",
    "sort_date",
    "category",
    "related_pages",
]

LUA = """
-- Written by bench/api_load.py for one run.
local paths = {%(paths)s}
local cold = %(cold)s
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  hits, misses, nocache, non200 = 0, 0, 0, 0
  counter = id * math.floor(#paths / %(threads)d)
end

function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  local headers = {["Accept-Encoding"] = "gzip"}
  if cold then
    headers["Host"] = "%(run)s-" .. id .. "-" .. counter .. "%(domain)s"
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  local cache = headers["X-Cache"] or headers["x-cache"]
  if cache == nil then
    nocache = nocache + 1
  elseif string.find(string.upper(cache), "HIT") then
    hits = hits + 1
  else
    misses = misses + 1
  end
end

function done(summary, latency, requests)
  local h, m, n, b = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    m = m + thread:get("misses")
    n = n + thread:get("nocache")
    b = b + thread:get("non200")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d connect=%%d read=%%d write=%%d timeout=%%d " ..
    "status=%%d non200=%%d hits=%%d misses=%%d nocache=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0),
    e.connect, e.read, e.write, e.timeout, e.status, b, h, m, n))
end
"""


@dataclass
class Scenario:
    name: str
    api: str  # "ours" or "v2"
    warm_path: str
    cold_paths: list[str]
    note: str = ""


@dataclass
class Result:
    scenario: str
    api: str
    cache: str
    path: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    non200: int
    hits: int
    misses: int
    nocache: int
    cpu_ms_per_request: float
    peak_worker_rss_mb: float
    loadavg: str
    note: str = ""
    extra: dict = field(default_factory=dict)


def fail(message):
    sys.exit(f"api_load: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, gzip=False, timeout=30):
    """(status, headers, body) of a GET."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Gunicorn:
    """gunicorn serving cms.wsgi on 127.0.0.1:port in its own process group; `stop()` always ends it."""

    def __init__(self, port, workers, env):
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--timeout=30",
            "--graceful-timeout=5",
            "--log-level=warning",
            "--no-control-socket",
            "--worker-tmp-dir=/dev/shm",
        ]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"gunicorn exited with {self.process.returncode}; log: {self.log.name}")
            with contextlib.suppress(OSError):
                status, _, _ = fetch(f"{self.base_url}/api/v3/openapi.json", timeout=5)
                if status == 200 and len(self.worker_pids()) > 0:
                    return
            time.sleep(0.3)
        fail(f"gunicorn did not answer within {timeout} s; log: {self.log.name}")

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pid) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """The largest resident set of any worker, sampled every 0.1 s while running."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.peak, self.stopped = server, 0.0, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            for pid in self.server.worker_pids():
                self.peak = max(self.peak, rss_mb(pid))
            self.stopped.wait(0.1)

    def stop(self):
        self.stopped.set()
        self.join()
        return self.peak


def run_wrk(server, paths, cold, duration, connections, workdir):
    script = Path(workdir) / "run.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(json.dumps(path) for path in paths),
            "cold": "true" if cold else "false",
            "threads": WRK_THREADS,
            "domain": COLD_HOST_DOMAIN,
            # Hosts of their own per run: requests of a previous run still in gunicorn's
            # queue when wrk stopped must not fill the cache for this one.
            "run": f"c{next(RUN_NUMBERS)}",
        }
    )
    command = [
        "wrk",
        f"--threads={WRK_THREADS}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        server.base_url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((line for line in output.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        fail(f"wrk gave no result:\n{output.stdout}\n{output.stderr}")
    return {key: int(value) for key, value in (item.split("=") for item in line.split()[1:])}


def flush_cache(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def measure(server, scenario, cache, args):
    cold = cache == "cold"
    paths = scenario.cold_paths if cold else [scenario.warm_path]
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as workdir:
        if args.warmup:
            run_wrk(server, paths, cold, args.warmup, args.connections, workdir)
        flush_cache(args.redis_url)
        if not cold:
            fetch(server.base_url + scenario.warm_path, gzip=True)  # the one miss that fills the cache
        loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        workers = server.worker_pids()
        cpu_before = cpu_seconds(workers)
        sampler = RssSampler(server)
        sampler.start()
        try:
            result = run_wrk(server, paths, cold, args.duration, args.connections, workdir)
        finally:
            peak = sampler.stop()
        cpu = cpu_seconds(workers) - cpu_before
    requests = result["requests"]
    return Result(
        scenario=scenario.name,
        api=scenario.api,
        cache=cache,
        path=paths[0] + (f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""),
        requests=requests,
        rps=requests / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        socket_errors=result["connect"] + result["read"] + result["write"] + result["timeout"],
        non200=result["non200"],
        hits=result["hits"],
        misses=result["misses"],
        nocache=result["nocache"],
        cpu_ms_per_request=1000 * cpu / requests if requests else 0.0,
        peak_worker_rss_mb=peak,
        loadavg=loadavg,
        note=scenario.note,
    )


class QueryTimer:
    """A database execute wrapper that counts queries and the time spent in them."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def profile_in_process(scenarios, samples):
    """Each scenario's cold request, one at a time in this process: median ms, of which in the database, queries."""
    from statistics import median

    from django.db import connection
    from django.test import Client

    client = Client()
    rows = []
    for scenario in scenarios:
        totals, database, queries = [], [], []
        for n in range(-3, samples):  # three unmeasured requests first
            path = scenario.cold_paths[n % len(scenario.cold_paths)]
            timer = QueryTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(path, HTTP_HOST=f"p{time.monotonic_ns()}{COLD_HOST_DOMAIN}")
                elapsed = time.perf_counter() - started
            if response.status_code != 200 or response.get("X-Cache") == "hit":
                fail(f"in-process {path}: {response.status_code} X-Cache {response.get('X-Cache')}")
            if n >= 0:
                totals.append(elapsed * 1000)
                database.append(timer.seconds * 1000)
                queries.append(timer.count)
        rows.append((scenario, median(totals), median(database), median(queries)))
    return rows


def accepted_fields(server, path, candidates):
    """The candidate `fields` of a v2 listing that v2 accepts (it answers 400 to an unknown one)."""
    separator = "&" if "?" in path else "?"
    return [name for name in candidates if fetch(f"{server.base_url}{path}{separator}fields={name}")[0] == 200]


def build_scenarios(server, rng):
    """Our four endpoints and v2's closest requests, with ids looked up in the bench database."""
    from wagtail.models import Site

    from news.models import NewsPage
    from yearbook.models import AnnualReportPage

    news_ids = list(NewsPage.objects.live().values_list("pk", flat=True))
    if not news_ids:
        fail("the database has no news; run `python -m bench.generate --news 20000` first")
    rng.shuffle(news_ids)
    report_2020 = AnnualReportPage.objects.live().filter(year=2020).first()
    home_id = Site.objects.get(is_default_site=True).root_page_id
    sample_id = news_ids[0]

    v2_list = "/api/v2/pages/?type=news.NewsPage&limit=20"
    if fetch(f"{server.base_url}{v2_list}&order=-date")[0] == 200:
        v2_list += "&order=-date"
    v2_list += "&fields=" + ",".join(accepted_fields(server, v2_list, V2_NEWS_LIST_FIELDS))
    scenarios = [
        Scenario("news-list", "ours", "/api/v3/news/?limit=20", ["/api/v3/news/?limit=20"]),
        Scenario("news-list", "v2", v2_list, [v2_list]),
        Scenario("news-detail", "ours", f"/api/v3/news/{sample_id}/", [f"/api/v3/news/{pk}/" for pk in news_ids]),
        Scenario("news-detail", "v2", f"/api/v2/pages/{sample_id}/", [f"/api/v2/pages/{pk}/" for pk in news_ids]),
        Scenario("chronicle-2020", "ours", "/api/v3/chronicle/?year=2020", ["/api/v3/chronicle/?year=2020"]),
    ]
    if report_2020 is not None:
        v2_chronicle = f"/api/v2/pages/?type=yearbook.ChronicleEntryPage&child_of={report_2020.pk}&limit=20"
        if fetch(f"{server.base_url}{v2_chronicle}&order=sort_date")[0] == 200:
            v2_chronicle += "&order=sort_date"
        v2_chronicle += "&fields=" + ",".join(accepted_fields(server, v2_chronicle, V2_CHRONICLE_FIELDS))
        scenarios.append(Scenario("chronicle-2020", "v2", v2_chronicle, [v2_chronicle]))
    scenarios.append(Scenario("navigation", "ours", "/api/v3/navigation/", ["/api/v3/navigation/"]))
    v2_menu = f"/api/v2/pages/?child_of={home_id}&show_in_menus=true"
    if fetch(server.base_url + v2_menu)[0] != 200:
        v2_menu = f"/api/v2/pages/?child_of={home_id}"
    scenarios.append(
        Scenario(
            "navigation",
            "v2",
            v2_menu,
            [v2_menu],
            note="v2 has no navigation: this is the first menu level only, without settings or hours",
        )
    )
    return scenarios


def check_endpoints(server, scenarios):
    """Each scenario's URL answers 200; a scenario that does not is reported and left out."""
    kept = []
    for scenario in scenarios:
        status, headers, body = fetch(server.base_url + scenario.warm_path)
        if status == 200:
            kept.append(scenario)
        else:
            print(f"SKIPPED {scenario.api} {scenario.name}: {scenario.warm_path} answers {status}: {body[:200]!r}")
    return kept


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    memory_kb = int(
        next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]
    )
    return f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 1024 / 1024:.1f} GiB RAM"


def profile_markdown(rows):
    lines = [
        "| scenario | API | ms per request | of which in the database | queries |",
        "|---|---|---:|---:|---:|",
    ]
    for scenario, total, database, queries in rows:
        lines.append(f"| {scenario.name} | {scenario.api} | {total:.1f} | {database:.1f} | {queries:.0f} |")
    return "\n".join(lines)


def code_version():
    """The commit measured, and whether the work tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git work tree)"
    return f"{commit}" + (f" with {len(changed)} files changed in the work tree" if changed else "")


def markdown(results):
    lines = [
        "| scenario | API | cache | req/s | p50 ms | p99 ms | errors | X-Cache hit/miss/none | worker CPU ms/req "
        "| peak worker RSS MB | load before |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        errors = f"{r.socket_errors} + {r.non200} non-200" if r.socket_errors or r.non200 else "0"
        lines.append(
            f"| {r.scenario} | {r.api} | {r.cache} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {errors} "
            f"| {r.hits}/{r.misses}/{r.nocache} | {r.cpu_ms_per_request:.1f} | {r.peak_worker_rss_mb:.0f} | {r.loadavg} |"
        )
    return "\n".join(lines)


def comparisons(results):
    """Our figures against the targets: ≥2× v2 throughput with p99 < 50 ms cold; cache hits ≥10× v2."""
    by_key = {(r.scenario, r.api, r.cache): r for r in results}
    lines = []
    for scenario in sorted({r.scenario for r in results}):
        v2 = by_key.get((scenario, "v2", "cold"))
        for cache in ("cold", "warm"):
            ours = by_key.get((scenario, "ours", cache))
            if ours is None or v2 is None:
                continue
            ratio = ours.rps / v2.rps if v2.rps else float("inf")
            target = 2 if cache == "cold" else 10
            verdict = "met" if ratio >= target and (cache == "warm" or ours.p99_ms < 50) else "MISSED"
            lines.append(
                f"- {scenario}, ours {cache} vs v2: {ratio:.1f}× the requests/s (target ≥{target}×"
                f"{', p99 < 50 ms' if cache == 'cold' else ''}; our p99 {ours.p99_ms:.1f} ms): {verdict}"
            )
    return "\n".join(lines)


def add_load_arguments(parser):
    """The options every wrk-against-gunicorn benchmark takes."""
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per run (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_arguments(parser)
    parser.add_argument("--only", default="", help="comma-separated scenario names (news-list, news-detail, …)")
    parser.add_argument("--cache", default="cold,warm", help="cold, warm or both (default)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--profile-samples", type=int, default=20, help="cold requests per scenario timed in-process (0: none)"
    )
    args = parser.parse_args(argv)
    args.redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)

    if shutil.which("wrk") is None:
        fail("wrk is not installed: apt-get install -y wrk")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    try:
        flush_cache(args.redis_url)
    except Exception as error:  # any connection failure: say which Redis and why
        fail(f"Redis at {args.redis_url} is not reachable: {error}")
    # The server's settings, and this process's too (for the in-process timings).
    os.environ.update(
        {
            "DEBUG": "0",
            "REDIS_URL": args.redis_url,
            "API_RATE_LIMIT_PER_MINUTE": "0",
            "ALLOWED_HOSTS": f"127.0.0.1,localhost,{COLD_HOST_DOMAIN}",
            "LOG_LEVEL": "WARNING",
            "CELERY_BROKER_URL": "",
        }
    )
    import django

    django.setup()
    env = dict(os.environ)
    print(f"# API load, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}; database: {os.environ['DATABASE_URL']}; cache: {args.redis_url}")
    print(f"code: {code_version()}")
    print(
        f"gunicorn {args.workers} sync workers; wrk {WRK_THREADS} threads, {args.connections} connections, "
        f"{args.duration} s per run after {args.warmup} s of warm-up"
    )
    server = Gunicorn(free_port(), args.workers, env)
    signal.signal(signal.SIGTERM, unwind)
    signal.signal(signal.SIGINT, unwind)
    results = []
    try:
        server.wait_ready()
        scenarios = check_endpoints(server, build_scenarios(server, random.Random(args.seed)))
        only = {name for name in args.only.split(",") if name}
        scenarios = [scenario for scenario in scenarios if not only or scenario.name in only]
        caches = [cache for cache in ("cold", "warm") if cache in args.cache.split(",")]
        profile = profile_in_process(scenarios, args.profile_samples) if args.profile_samples else []
        for scenario in scenarios:
            print(f"{scenario.api} {scenario.name}: {scenario.warm_path}", flush=True)
            for cache in caches:
                result = measure(server, scenario, cache, args)
                results.append(result)
                print(
                    f"  {cache}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                    f"X-Cache {result.hits}/{result.misses}/{result.nocache}, {result.non200} non-200",
                    flush=True,
                )
        print()
        print(markdown(results))
        print()
        print(comparisons(results))
        if profile:
            print(f"\nOne cold request at a time, in-process (median of {args.profile_samples}):\n")
            print(profile_markdown(profile))
        print(f"\npeak RSS (VmHWM) of the workers: {worker_hwm(server)}")
    finally:
        server.stop()
        with contextlib.suppress(Exception):  # tidy only: the entries expire anyway
            flush_cache(args.redis_url)
    if args.json:
        args.json.write_text(json.dumps([asdict(result) for result in results], ensure_ascii=False, indent=1))


def unwind(signum, frame):
    """On SIGTERM or SIGINT, leave through the `finally` that stops gunicorn."""
    sys.exit(128 + signum)


def worker_hwm(server):
    values = []
    for pid in server.worker_pids():
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    values.append(f"{int(line.split()[1]) / 1024:.0f} MB")
    return ", ".join(values) or "?"


if __name__ == "__main__":
    main()
