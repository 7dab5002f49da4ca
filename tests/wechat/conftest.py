"""Fixtures for the WeChat channel: the API simulator, settings pointing at it, and our client."""

import pytest

from tests.wechat.simulator import WeChatSimulator
from wechat.client import WeChatApi


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    """Queued sync work runs in this process, also where CI configures a broker.

    The path through a real worker on the broker is tested in tests/cms/test_celery_worker.py.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True


# Seconds our client waits for an answer in tests; the simulator's "timeout" fault waits longer.
CLIENT_TIMEOUT = 1.0


@pytest.fixture
def wechat_sim():
    """A running simulator of WeChat's API; inspect and steer it through its methods."""
    simulator = WeChatSimulator(timeout_seconds=3 * CLIENT_TIMEOUT).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def wechat_settings(settings, wechat_sim):
    """The WECHAT_* settings of the simulated Official Account."""
    settings.WECHAT_APP_ID = wechat_sim.app_id
    settings.WECHAT_APP_SECRET = wechat_sim.app_secret
    settings.WECHAT_TOKEN = wechat_sim.callback_token
    settings.WECHAT_AES_KEY = wechat_sim.aes_key
    settings.WECHAT_MESSAGE_MODE = wechat_sim.message_mode
    settings.WECHAT_API_BASE = wechat_sim.base_url
    return settings


@pytest.fixture
def wechat_api(wechat_settings):
    """Our client, talking to the simulator."""
    return WeChatApi.from_settings(timeout=CLIENT_TIMEOUT)
