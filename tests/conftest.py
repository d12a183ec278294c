"""Shared fixtures. Every test gets its own SYNTH_HOME and no network; the real encoder is
converted once per test session into a shared cache (`model_dir`)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the clone (data, tools). CI always has it (SYNTH_REQUIRE_SHARED=1 there);
    elsewhere the tests that need it are skipped."""
    import os

    if SHARED.is_dir():
        return SHARED
    if os.environ.get("SYNTH_REQUIRE_SHARED"):
        pytest.fail(f"{SHARED} is missing (SYNTH_REQUIRE_SHARED is set)")
    pytest.skip(f"{SHARED} is not beside this clone")


@pytest.fixture(scope="session")
def report_check(shared: Path) -> Path:
    return shared / "tools" / "report_check.py"


@pytest.fixture(scope="session")
def chromium() -> str:
    """A headless Chromium for the HTML report's browser test. CI installs Debian's
    (SYNTH_REQUIRE_BROWSER=1 there); elsewhere the test is skipped without one."""
    import os
    import shutil

    found = next(
        (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None
    )
    if found:
        return found
    if os.environ.get("SYNTH_REQUIRE_BROWSER"):
        pytest.fail("no chromium on PATH (SYNTH_REQUIRE_BROWSER is set)")
    pytest.skip("no chromium on PATH (apt-get install chromium)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="allow tests that use the network")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="needs --live (network)")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def synth_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real home: SYNTH_HOME is a fresh temporary directory."""
    home = tmp_path / "synth-home"
    monkeypatch.setenv("SYNTH_HOME", str(home))
    for name in ("SYNTH_FETCH__OFFLINE",):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sockets to anything but loopback fail, unless the test runs with --live."""
    if request.config.getoption("--live"):
        return
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(self, address)
        raise OSError(f"network blocked in tests: {address!r} (run with --live)")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One converted encoder per test session, shared by every test that needs it."""
    from synth.core.settings import RetrieveSettings
    from synth.retrieve.embed import load_base_embedder

    root = tmp_path_factory.mktemp("models")
    load_base_embedder(root, RetrieveSettings())  # converts once
    return root


@pytest.fixture
def settings(synth_home: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings for tests that use the real encoder: per-test home, shared model cache."""
    from synth.core.settings import load_settings

    monkeypatch.setenv("SYNTH_RETRIEVE__MODEL_DIR", str(model_dir))
    return load_settings(synth_home, {"fetch.delay_s": 0.0, "fetch.retries": 0})


PageSpec = Sequence[str] | str


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    """Build a PDF with PyMuPDF: `make_pdf(pages=[[line, line], ...], title=..., name=...)`.

    A page given as the string "<image-only>" gets a drawing and no text layer. Lines may be in
    any script: CJK lines use the built-in `china-s` font.
    """
    import pymupdf

    def build(
        pages: Sequence[PageSpec],
        *,
        title: str = "",
        name: str = "paper.pdf",
        encrypt: bool = False,
    ) -> Path:
        doc = pymupdf.open()
        for lines in pages:
            page = doc.new_page(width=595, height=842)
            if lines == "<image-only>":
                page.draw_rect(
                    pymupdf.Rect(100, 100, 300, 300), color=(0, 0, 0), fill=(0.5, 0.5, 0.5)
                )
                continue
            y = 72
            for line in lines:
                cjk = any("\u4e00" <= ch <= "\u9fff" for ch in line)
                page.insert_text((72, y), line, fontsize=10, fontname="china-s" if cjk else "helv")
                y += 14
        if title:
            doc.set_metadata({"title": title})
        path = tmp_path / name
        if encrypt:
            doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")
        else:
            doc.save(path)
        return path

    return build


FIXTURES = Path(__file__).resolve().parent / "fixtures"


class ReplayAdapter:
    """A requests transport that answers from recorded responses and fails loudly otherwise.

    Every request is logged in `requests_seen`, so tests can assert what was (not) fetched.
    """

    def __init__(self) -> None:
        self.responses: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.requests_seen: list[str] = []

    def add(self, url: str, body: bytes, status: int = 200, headers: dict | None = None) -> None:
        self.responses[url] = (status, body, headers or {})

    def add_recorded(self, name: str, *, url: str | None = None, status: int | None = None) -> None:
        import json

        record = json.loads((FIXTURES / "arxiv" / name).read_text(encoding="utf-8"))
        body = record["body"].encode("latin-1")  # recorded bodies are latin-1-decoded bytes
        self.add(
            url or record["url"],
            body,
            status or record["status_code"],
            {"content-type": "application/atom+xml"},
        )

    def send(self, request, **kwargs):
        import requests

        self.requests_seen.append(request.url)
        if request.url not in self.responses:
            raise AssertionError(f"no recorded response for {request.url}; add one in the test")
        status, body, headers = self.responses[request.url]
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.headers.update(headers)
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def replay():
    """(session, adapter): a synth HTTP session whose transport replays recorded responses."""
    from synth.core.settings import FetchSettings
    from synth.fetch.http import make_session

    adapter = ReplayAdapter()
    session = make_session(FetchSettings(delay_s=0.0, retries=0))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


@pytest.fixture
def compile_tex() -> Callable[[Path], Path]:
    """`compile_tex(file.tex)` runs lualatex beside the file and returns the PDF. Skipped where
    lualatex is missing, except in CI (SYNTH_REQUIRE_LATEX=1, `.ci/run` installs it)."""
    import os
    import shutil
    import subprocess

    engine = shutil.which("lualatex")
    if engine is None:
        if os.environ.get("SYNTH_REQUIRE_LATEX"):
            pytest.fail("lualatex is required (SYNTH_REQUIRE_LATEX is set)")
        pytest.skip("lualatex not installed (.ci/run installs it)")

    def run(tex: Path) -> Path:
        result = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tex.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        return tex.with_suffix(".pdf")

    return run


# fakes for orchestration tests: no model is loaded --------------------------------------------
class FakeEmbedder:
    """One dimension per keyword (plus one shared dimension, so no vector is zero): a text's
    vector counts the keywords it contains, so rankings are exact and explainable."""

    model_id = "fake-embedder"

    def __init__(self, keywords: Sequence[str] = ()) -> None:
        self.keywords = [k.lower() for k in keywords]
        self.dim = len(self.keywords) + 1
        self.encoded: list[str] = []  # every text run through the "model"

    def encode(self, texts: Sequence[str]):
        import numpy as np

        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            lowered = text.lower()
            vectors[row, 0] = 0.1
            for col, keyword in enumerate(self.keywords, start=1):
                vectors[row, col] = lowered.count(keyword)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class FakeVerifier:
    """Supported when a candidate contains the claim (less its final period) word for word
    (whitespace aside), contradicted when the claim is in `contradicted`, else not enough information."""

    method = "fake-verifier"
    description = "a fake verifier for tests: supported when a sentence states the claim."

    def __init__(self, contradicted: Sequence[str] = ()) -> None:
        self.contradicted = set(contradicted)
        self.calls: list[str] = []

    def verify_many(self, items):
        return [self.verify(claim, candidates) for claim, candidates in items]

    def verify(self, claim, candidates):
        from dataclasses import replace

        from synth.core.types import Label, Verdict

        self.calls.append(claim.text)
        needle = " ".join(claim.text.rstrip(".").lower().split())
        for evidence in candidates:
            if needle in " ".join(evidence.quote.lower().split()):
                quote = replace(evidence, score=0.95)
                return Verdict(claim, Label.SUPPORTED, 0.95, (quote,), self.method)
        if claim.text in self.contradicted and candidates:
            quote = replace(candidates[0], score=0.9)
            return Verdict(claim, Label.CONTRADICTED, 0.05, (quote,), self.method)
        return Verdict(claim, Label.NOT_ENOUGH_INFO, 0.1, tuple(candidates[:1]), self.method)


@pytest.fixture
def fake_context(synth_home: Path):
    """`fake_context(keywords=[…], offline=True, contradicted=[…], **settings)`: an app Context
    with a fresh home, a FakeEmbedder and a FakeVerifier."""
    from synth.app.context import Context
    from synth.core.settings import load_settings

    def build(
        keywords: Sequence[str] = (),
        *,
        offline: bool = True,
        contradicted: Sequence[str] = (),
        **overrides,
    ):
        settings = load_settings(
            synth_home,
            {"fetch.offline": offline, "fetch.delay_s": 0.0, "fetch.retries": 0, **overrides},
        )
        return Context(
            settings, embedder=FakeEmbedder(keywords), verifier=FakeVerifier(contradicted)
        )

    return build
