"""One HTTP session for everything synth downloads: user agent, timeouts, offline guard.

Offline mode mounts an adapter that refuses every request, so no code path can reach the
network by accident. Tests mount a replay adapter on the same session instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

import requests
from requests.adapters import BaseAdapter

from synth import __version__
from synth.core.errors import FetchError, OfflineError
from synth.core.settings import FetchSettings

log = logging.getLogger(__name__)

USER_AGENT = (
    f"synth/{__version__} (offline-first literature synthesis and claim verification; "
    "one request per 3 s to arXiv)"
)


class OfflineAdapter(BaseAdapter):
    """Refuses every request: synth was told to stay offline."""

    def send(self, request, **kwargs):
        raise OfflineError(
            f"synth is offline and would need {request.url}",
            hint="drop --offline / SYNTH_FETCH__OFFLINE, or add the paper from a local file",
        )

    def close(self) -> None:
        pass


def make_session(settings: FetchSettings) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    if settings.offline:
        session.mount("http://", OfflineAdapter())
        session.mount("https://", OfflineAdapter())
        return session
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    # 5xx and dropped connections are retried with growing pauses (1 s, 2 s, 4 s, …)
    retry = Retry(
        total=settings.retries,
        backoff_factor=1.0,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def download(
    session: requests.Session, url: str, dest: Path, *, timeout_s: float, expect_prefix: bytes = b""
) -> Path:
    """Download `url` to `dest` atomically (a `.part` file renamed into place).

    Raises:
        OfflineError: the host could not be reached.
        FetchError: the server answered with an error or unexpected content.
    """
    try:
        response = session.get(url, timeout=timeout_s)
    except requests.exceptions.ConnectionError as exc:
        raise OfflineError(
            f"could not reach {url}: no network?",
            hint="check the connection, or add the file yourself with `synth add`",
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"downloading {url} failed: {exc}") from exc
    if response.status_code != 200:
        raise FetchError(f"downloading {url} failed with HTTP {response.status_code}")
    body = response.content
    if expect_prefix and not body.startswith(expect_prefix):
        raise FetchError(f"{url} did not return the expected file type")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(body)
    part.replace(dest)
    log.info("downloaded %s (%d bytes)", url, len(body))
    return dest
