"""The optional LLM backend: any OpenAI-compatible chat endpoint (llama.cpp server, Ollama,
vLLM, …) writes the Answer's paragraphs from the verified claims only; optionally it also
extracts the claims (`extract_claims.md.j2`) and gives a second-opinion verdict on each
(`verify_claim.md.j2`), shown beside synth's own.

Off by default and never required. The model sees the question and the claims table (ids,
marks, papers), nothing else, and every sentence it returns must cite at least one claim id
of the table: a sentence citing nothing, or an id that does not exist, is dropped and
counted. An extracted claim must name a sentence id it was given, and every number and name
in it must occur in that sentence, else it is dropped and counted. The prompts are versioned
templates in `prompts/`; its hash, the model, the endpoint and the input make the cache key of
every output, so a rerun asks nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synth.core.errors import ModelError
from synth.core.types import AnswerParagraph, Label, SecondOpinion, SourceCheck, Verdict

ANSWER_PROMPT = "answer.md.j2"
EXTRACT_PROMPT = "extract_claims.md.j2"
VERIFY_PROMPT = "verify_claim.md.j2"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(\[])")
_CITATION = re.compile(r"\[((?:C\d{1,4})(?:\s*,\s*C\d{1,4}){0,50})\]")
_LEAD = re.compile(r"^\*\*(.{1,80}?)\.?\*\*\s*")


@dataclass(frozen=True, slots=True)
class LlmAnswer:
    paragraphs: tuple[AnswerParagraph, ...]
    dropped: int  # sentences that cited nothing or an unknown claim id
    model: str
    endpoint: str


MAX_REPLY_BYTES = 1 << 20  # an answer is a few kB; anything near a megabyte is not one
MAX_REPLY_CHARS = 20_000
CONNECT_TIMEOUT_S = 5.0  # a dead or unroutable endpoint fails in seconds, not minutes


class _Tripped(Exception):
    """The reply broke the call's budget. Not an httpx error, so the `openai` client neither
    retries it nor wraps it: it reaches `complete` as raised."""


class _Budget:
    """One `complete` call's deadline and byte budget, checked by the transport as bytes
    arrive: a reply trickling a byte a second cannot outlive the deadline (a per-read timeout
    alone would let it), and a 20 MB reply stops at MAX_REPLY_BYTES."""

    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.seconds, self.max_bytes = seconds, max_bytes
        self.deadline, self.received = float("inf"), 0

    def start(self) -> None:
        self.deadline, self.received = time.monotonic() + self.seconds, 0

    def check(self, n: int = 0) -> None:
        self.received += n
        if time.monotonic() > self.deadline:
            raise _Tripped(f"gave no complete reply within {self.seconds:g} s (llm.timeout_s)")
        if self.received > self.max_bytes:
            raise _Tripped(f"sent more than {self.max_bytes:,} bytes; no answer is that long")


def _http_client(timeout_s: float, budget: _Budget):
    """The HTTP client under the `openai` client: the budget on every byte received, a short
    connect timeout, and no redirects (a redirect to another host would send it the prompt
    while the report names the endpoint the user gave)."""
    import openai

    try:
        import httpx2 as http

        factory = openai.DefaultHttpx2Client
    except (ImportError, AttributeError):  # older openai releases run on httpx
        import httpx as http

        factory = openai.DefaultHttpxClient

    class Stream(http.SyncByteStream):
        def __init__(self, inner) -> None:
            self.inner = inner

        def __iter__(self):
            for chunk in self.inner:
                budget.check(len(chunk))
                yield chunk

        def close(self) -> None:
            self.inner.close()

    class Transport(http.BaseTransport):
        def __init__(self) -> None:
            self.inner = http.HTTPTransport()

        def handle_request(self, request):
            budget.check()
            response = self.inner.handle_request(request)
            return http.Response(
                response.status_code,
                headers=response.headers,
                stream=Stream(response.stream),
                extensions=response.extensions,
            )

        def close(self) -> None:
            self.inner.close()

    return factory(
        transport=Transport(),
        follow_redirects=False,
        timeout=http.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
    )


class ChatClient:
    """One OpenAI-compatible endpoint, through the `openai` client: retries on connection
    errors, a deadline for the whole call, a size cap, no redirects, and every malformed
    reply (no JSON, no `choices`, no text, an HTML page) a `ModelError`, never a traceback."""

    def __init__(self, url: str, model: str, *, api_key: str, timeout_s: float, retries: int):
        try:
            from openai import OpenAI
        except ImportError as exc:  # an optional extra
            raise ModelError(
                "the LLM backend needs the `openai` package",
                hint='pip install "synth[llm]" (or leave --llm-url out: synth works without it)',
            ) from exc
        self.url, self.model = url, model
        self._budget = _Budget(timeout_s, MAX_REPLY_BYTES)
        self._client = OpenAI(
            base_url=url,
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=retries,
            http_client=_http_client(timeout_s, self._budget),
        )

    def complete(self, prompt: str, *, temperature: float = 0.0, max_tokens: int = 800) -> str:
        """The model's reply to one user message.

        Raises:
            ModelError: the endpoint is down, too slow, redirects, answers an error, or
                replies with something that is not a chat completion.
        """
        import openai

        self._budget.start()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=temperature,
                max_tokens=max_tokens,
            )
        except _Tripped as exc:
            raise ModelError(f"the LLM endpoint {self.url} {exc}") from None
        except openai.APIConnectionError as exc:
            raise ModelError(
                f"the LLM endpoint {self.url} cannot be reached ({exc.__class__.__name__})",
                hint="start the server (e.g. llama-server, ollama serve) or drop --llm-url",
            ) from exc
        except openai.APIStatusError as exc:
            if 300 <= exc.status_code < 400:
                where = exc.response.headers.get("location", "elsewhere")
                raise ModelError(
                    f"the LLM endpoint {self.url} redirected to {where[:200]}; synth does not "
                    "follow it (the prompt would go to a server you did not name)",
                    hint="pass the final address as --llm-url",
                ) from None
            raise ModelError(
                f"the LLM endpoint {self.url} answered HTTP {exc.status_code}",
                hint=f"check that it serves the model {self.model!r}",
            ) from exc
        except (openai.OpenAIError, ValueError, TypeError) as exc:  # unparseable bodies
            raise ModelError(
                f"the LLM endpoint {self.url} sent a reply that is not a chat completion "
                f"({exc.__class__.__name__})",
                hint="check that --llm-url points at an OpenAI-compatible /v1 endpoint",
            ) from None
        return self._text(response)

    def _text(self, response) -> str:
        choices = getattr(response, "choices", None)
        first = choices[0] if isinstance(choices, list) and choices else None
        message = getattr(first, "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str) or not content.strip():
            raise ModelError(
                f"the LLM endpoint {self.url} sent a reply that is not a chat completion with "
                "text (no choices, or no content)",
                hint="check that --llm-url points at an OpenAI-compatible /v1 endpoint",
            )
        if len(content) > MAX_REPLY_CHARS:
            raise ModelError(
                f"the LLM endpoint {self.url} sent {len(content):,} characters; an answer is "
                f"at most {MAX_REPLY_CHARS:,}"
            )
        return content


def claims_table(verdicts: Sequence[Verdict], checks: Sequence[Sequence[SourceCheck]]) -> str:
    """The claims as the model sees them: id, mark on its own paper, marks of the others."""
    lines = []
    for row, verdict in enumerate(verdicts):
        paper = (verdict.claim.paper_id or "").removeprefix("arxiv:")
        others = "; ".join(
            f"{c.paper_id.removeprefix('arxiv:')} {c.verdict.mark}"
            for c in (checks[row] if row < len(checks) else ())
            if not c.own
        )
        lines.append(
            f"C{row + 1} [{verdict.mark} in {paper}{'; ' + others if others else ''}] "
            f"{verdict.claim.text}"
        )
    return "\n".join(lines)


def render_template(prompts_dir: Path, name: str, **values) -> tuple[str, str]:
    """(prompt text, hash of the template) for one prompt of `prompts/`."""
    import jinja2

    source = (prompts_dir / name).read_text(encoding="utf-8")
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return template.render(**values), digest


def render_prompt(prompts_dir: Path, question: str, table: str) -> tuple[str, str]:
    """(prompt text, hash of the template) for the answer prompt."""
    return render_template(prompts_dir, ANSWER_PROMPT, question=question, claims=table)


# --- claim extraction ----------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# a name: a word with a capital or a digit after its first character (XQuAD-R, CLIP4Clip, GPT-4)
_NAME = re.compile(r"\b\w*[A-Za-z]\w*(?:[A-Z]|\d)[\w\-]*\b|\b[A-Z]{2,}\b")


@dataclass(frozen=True, slots=True)
class Extracted:
    sentence_id: str
    text: str


def _json_objects(reply: str) -> list[dict]:
    """Every JSON object in a reply, one per line or inside a list (code fences ignored)."""
    out: list[dict] = []
    for line in reply.splitlines():
        line = line.strip().strip(",")
        if not line.startswith(("{", "[")):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        out += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
    if not out:
        try:
            value = json.loads(reply.strip().removeprefix("```json").strip("`\n "))
        except ValueError:
            return []
        out = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
    return out


def faithful(claim: str, sentence: str) -> bool:
    """Whether every number and name of `claim` occurs in `sentence`: the model may rewrite a
    sentence to stand alone, never add a fact to it."""
    numbers = set(_NUMBER.findall(sentence))
    names = {n.lower() for n in _NAME.findall(sentence)}
    return all(n in numbers for n in _NUMBER.findall(claim)) and all(
        n.lower() in names or n.lower() in sentence.lower() for n in _NAME.findall(claim)
    )


def parse_extracted(reply: str, sentences: dict[str, str]) -> tuple[list[Extracted], int]:
    """The claims of an extraction reply that map to a given sentence id and add no number or
    name to it; returns (kept, dropped)."""
    kept: list[Extracted] = []
    dropped = 0
    for item in _json_objects(reply):
        sid, text = str(item.get("sentence_id", "")).strip(), item.get("claim")
        if not isinstance(text, str) or sid not in sentences:
            dropped += 1
            continue
        text = " ".join(text.split())
        if len(text) < 10 or not faithful(text, sentences[sid]):
            dropped += 1
            continue
        kept.append(Extracted(sid, text))
    return kept, dropped


# --- second opinion --------------------------------------------------------------------------


def parse_opinion(reply: str, model: str) -> SecondOpinion:
    for item in _json_objects(reply):
        label = str(item.get("label", "")).strip().lower()
        if label in {x.value for x in Label}:
            reason = " ".join(str(item.get("reason", "")).split())[:300]
            return SecondOpinion(Label(label), reason, model)
    return SecondOpinion(None, "the reply held no label", model)


def cache_key(model: str, url: str, prompt_hash: str, prompt: str) -> str:
    blob = json.dumps([model, url, prompt_hash, prompt], ensure_ascii=False)
    return "llm:" + hashlib.sha256(blob.encode()).hexdigest()


def guarded_paragraphs(text: str, n_claims: int) -> tuple[tuple[AnswerParagraph, ...], int]:
    """The model's reply as paragraphs, keeping only sentences that cite existing claim ids.

    Returns (paragraphs, sentences dropped)."""
    paragraphs, dropped = [], 0
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        if not block:
            continue
        lead = "Summary"
        if match := _LEAD.match(block):
            lead, block = match.group(1).strip(), block[match.end() :]
        kept = []
        for sentence in _SENTENCE.split(block):
            sentence = sentence.strip()
            if not sentence:
                continue
            cited = [
                int(c.strip()[1:])
                for group in _CITATION.findall(sentence)
                for c in group.split(",")
            ]
            if cited and all(1 <= n <= n_claims for n in cited):
                kept.append(sentence)
            else:
                dropped += 1
        if kept:
            paragraphs.append(AnswerParagraph(lead, tuple(kept)))
    return tuple(paragraphs), dropped
