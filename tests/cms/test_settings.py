"""Settings come from the environment; production settings pass Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HTTPS="1",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="library.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_laptop_defaults_are_flagged_by_check_deploy():
    # Forgetting SECRET_KEY and HTTPS in production is reported, not silent.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY="", HTTPS="")
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


def test_chinese_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def shell_print(expression, **env):
    """What `expression` evaluates to in a fresh process with `env`."""
    result = run_manage("shell", "--no-imports", "-c", f"print({expression})", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_database_url_selects_the_database():
    shown = shell_print(
        "__import__('django.db').db.connection.vendor, __import__('django.db').db.connection.settings_dict['NAME']",
        DATABASE_URL="sqlite:////tmp/library-cms-settings-test.sqlite3",
    )
    assert shown == "sqlite /tmp/library-cms-settings-test.sqlite3"


def test_without_broker_celery_runs_tasks_in_process():
    setting = "__import__('django.conf').conf.settings.CELERY_TASK_ALWAYS_EAGER"
    assert shell_print(setting, CELERY_BROKER_URL="") == "True"
    assert shell_print(setting, CELERY_BROKER_URL="redis://127.0.0.1:6379/15") == "False"
