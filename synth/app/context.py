"""The application's Context: everything a command needs, built once from `Settings`.

Only `app/` and `cli/` see the whole `Settings`; stages get their own section and plain
values from here. The heavy parts load on first use: the encoder when something is embedded,
the verifier when a claim is verified (a rerun served from stored verdicts loads neither).

Models and the HTTP session can be handed in: the CLI never does; tests pass fakes and
recorded responses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from synth.core.console import NullProgress, Progress
from synth.core.errors import SynthError
from synth.core.paths import Home
from synth.core.settings import Settings
from synth.parse.chunk import chunk_fingerprint
from synth.retrieve.embed import (
    CachedEncoder,
    Embedder,
    load_embedder,
    resolve_encoder,
    runtime_model_id,
)
from synth.store.db import connect
from synth.store.embeddings import EmbeddingCache
from synth.store.library import Library
from synth.verify.registry import VerifierSpec, load_verifier, resolve_verifier
from synth.verify.verifier import Verifier

log = logging.getLogger(__name__)

# Two model builds run at once only where this much memory is free: each peaks at ~2.3 GB
# (BENCHMARKS.md, first run); on an 8 GB laptop they run one after the other.
PARALLEL_BUILDS_MEMORY = 6 << 30


def _available_memory() -> int:
    """Bytes of memory available now (Linux's MemAvailable); 0 where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class Network:
    """Whether to try arXiv. One failed connection turns it off for the rest of the command,
    so a machine without network pays for one timeout, not one per paper."""

    online: bool

    def lost(self, error: SynthError) -> None:
        if self.online:
            log.warning("arXiv unreachable (%s); using the library only", error.message)
        self.online = False


class Context:
    def __init__(
        self,
        settings: Settings,
        progress: Progress = NullProgress(),
        *,
        embedder: Embedder | None = None,
        verifier: Verifier | None = None,
        session=None,
    ) -> None:
        self.settings = settings
        self.progress = progress
        self.home = Home(settings.home)
        self.network = Network(online=not settings.fetch.offline)
        self._embedder = embedder
        self._verifier = verifier
        self._builds = None  # the background thread of `prepare_models`, while it runs
        self.corpus_ids: list | None = None  # set by app.library.ensure_corpus, once a command
        if session is not None:
            self.session = session  # fills the cached property

    # the library and the network ---------------------------------------------------------
    @cached_property
    def library(self) -> Library:
        self.home.ensure()
        return Library(connect(self.home.db))

    @cached_property
    def session(self):
        """The one HTTP session (user agent, retries) for every request of this command."""
        from synth.fetch.http import make_session

        return make_session(self.settings.fetch)

    @cached_property
    def arxiv(self):
        """The one arXiv client of this command: every request to arXiv shares its limiter."""
        from synth.fetch.arxiv import ArxivClient

        return ArxivClient(self.session, self.settings.fetch)

    @cached_property
    def llm(self):
        """The optional LLM endpoint's client, or None when none is configured."""
        import os

        llm = self.settings.llm
        if not llm.url:
            return None
        from synth.synthesize.llm import ChatClient

        return ChatClient(
            llm.url,
            llm.model,
            api_key=os.environ.get(llm.api_key_env, ""),
            timeout_s=llm.timeout_s,
            retries=llm.retries,
        )

    @property
    def models_dir(self) -> Path:
        return self.settings.retrieve.model_dir or self.home.models

    @property
    def chunk_fingerprint(self) -> str:
        return chunk_fingerprint(self.settings.parse)

    # models --------------------------------------------------------------------------------
    def prepare_models(self, *, verifier: bool = True) -> None:
        """Start building whatever model the command will load and the cache lacks, each in
        a child process (`app.build_models`), one after the other in a background thread:
        a build's ~2 GB peak (torch, two copies of the weights) is then never added to what
        the command keeps, and the command reads its corpus meanwhile. Loading a model waits
        for the builds (`_await_builds`). Models handed in need nothing; a child that fails
        leaves the build to this process, which reports the error as usual."""
        import threading

        from synth.retrieve.embed import runtime_dir
        from synth.verify.registry import runtime_dir as verifier_dir
        from synth.weights import BASE_MODEL_ID, cache

        wanted = []
        if self._embedder is None:
            wanted.append(("encoder", runtime_dir(self.models_dir, self.settings.retrieve)))
        if verifier and self._verifier is None:
            wanted.append(("verifier", verifier_dir(self.verifier_spec, self.models_dir)))
        wanted = [(what, t) for what, t in wanted if t is not None and not cache.ready(t)]
        if not wanted or self._builds is not None:
            return
        base = self.models_dir / BASE_MODEL_ID
        parallel = len(wanted) > 1 and _available_memory() >= PARALLEL_BUILDS_MEMORY

        def run() -> None:
            # the base first, alone: both builds need it, and its conversion's peak is not
            # kept by the next build; then the encoder's and the verifier's builds at once
            # where memory allows two of them (~2.3 GB each), else one after the other
            self._build_in_child("base", base)
            if not parallel:
                for what, target in wanted:
                    self._build_in_child(what, target)
                return
            others = [threading.Thread(target=self._build_in_child, args=w) for w in wanted]
            for thread in others:
                thread.start()
            for thread in others:
                thread.join()

        self._builds = threading.Thread(target=run, daemon=True)
        self._builds.start()

    def _await_builds(self) -> None:
        if self._builds is not None:
            self._builds.join()
            self._builds = None

    def _build_in_child(self, what: str, target: Path) -> None:
        import os
        import subprocess
        import sys

        from synth.app.build_models import SETTINGS_ENV
        from synth.weights import cache

        if cache.ready(target):
            return
        command = [sys.executable, "-m", "synth.app.build_models", what]
        if isinstance(self.progress, NullProgress):
            command.append("--quiet")
        env = {**os.environ, SETTINGS_ENV: self.settings.model_dump_json()}
        if subprocess.run(command, env=env, check=False).returncode != 0:
            log.warning("building the %s in a child process failed; building it here", what)

    @cached_property
    def encoder_id(self) -> str:
        """The retriever's id, known without loading it."""
        if self._embedder is not None:
            return self._embedder.model_id
        retrieve = self.settings.retrieve
        return runtime_model_id(resolve_encoder(retrieve.model)[0], retrieve)

    @cached_property
    def encoder(self) -> CachedEncoder:
        """The retriever, its passage vectors cached in the library (loaded on first use;
        built first, in a child process, when the cache lacks it)."""
        self.prepare_models(verifier=False)
        self._await_builds()
        embedder = self._embedder or load_embedder(
            self.models_dir, self.settings.retrieve, self.progress
        )
        return CachedEncoder(
            embedder,
            EmbeddingCache(self.library.conn, embedder.model_id),
            self.settings.retrieve.batch_size,
        )

    @cached_property
    def verifier_spec(self) -> VerifierSpec:
        if self._verifier is not None:
            method = self._verifier.method
            return VerifierSpec("given", method, method, self._verifier.description)
        verify = self.settings.verify
        return resolve_verifier(verify.model, self.encoder_id, verify.runtime, verify.decision)

    @cached_property
    def verifier(self) -> Verifier:
        if self._verifier is not None:
            return self._verifier
        self.prepare_models(verifier=True)
        self._await_builds()
        return load_verifier(
            self.verifier_spec,
            self.encoder,
            self.models_dir,
            dtype=self.settings.retrieve.dtype,
            max_quotes=self.settings.verify.max_quotes,
            progress=self.progress,
        )

    @cached_property
    def verdict_models_key(self) -> str:
        """Everything besides the claim and its sources that shapes a stored verdict."""
        verify = self.settings.verify
        return json.dumps(
            [
                self.encoder_id,
                self.verifier_spec.identity,
                verify.top_k,
                verify.max_quotes,
                self.chunk_fingerprint,
                *(["windows"] if verify.windows else []),
            ]
        )

    # runs ----------------------------------------------------------------------------------
    @contextmanager
    def recorded_run(self, command: str, params: dict, *sections: str) -> Iterator[int]:
        """Record a run in the library's `runs` table: 'done', or 'failed' on any exit by
        exception (KeyboardInterrupt included), which is re-raised."""
        fingerprint = self.settings.fingerprint(*sections)
        run_id = self.library.start_run(command, params, fingerprint)
        status = "failed"
        try:
            yield run_id
            status = "done"
        finally:
            self.library.finish_run(run_id, status)
