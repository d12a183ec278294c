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
    @cached_property
    def encoder_id(self) -> str:
        """The retriever's id, known without loading it."""
        if self._embedder is not None:
            return self._embedder.model_id
        retrieve = self.settings.retrieve
        return runtime_model_id(resolve_encoder(retrieve.model)[0], retrieve)

    @cached_property
    def encoder(self) -> CachedEncoder:
        """The retriever, its passage vectors cached in the library (loaded on first use)."""
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
