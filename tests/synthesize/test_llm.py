"""The optional LLM backend against a real OpenAI-compatible HTTP server on 127.0.0.1 that
answers with canned replies: the wiring, the citation guard, the cache, a down endpoint."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from synth.core.errors import ModelError
from synth.core.types import Label
from synth.synthesize.llm import ChatClient, guarded_paragraphs

REPLY = (
    "**Language bias.** 2408.10536 reports that hybrid batches reduce bias [C1]. "
    "This is widely known. "
    "Another paper agrees [C9].\n\n"
    "**Open.** Whether it holds for 30B models is open [C2, C3]."
)


def _send_json(handler: BaseHTTPRequestHandler, value) -> None:
    data = json.dumps(value).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class FakeOpenAI(BaseHTTPRequestHandler):
    reply = REPLY
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802  (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOpenAI.requests.append(body)
        answer = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": FakeOpenAI.reply},
                    "finish_reason": "stop",
                }
            ],
        }
        _send_json(self, answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    FakeOpenAI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_sentences_citing_nothing_or_an_unknown_claim_are_dropped_and_counted():
    paragraphs, dropped = guarded_paragraphs(REPLY, n_claims=3)
    assert [p.lead for p in paragraphs] == ["Language bias", "Open"]
    assert paragraphs[0].sentences == ("2408.10536 reports that hybrid batches reduce bias [C1].",)
    assert dropped == 2  # "This is widely known." and the one citing C9


def test_the_client_talks_to_an_openai_compatible_server(endpoint):
    client = ChatClient(endpoint, "smol", api_key="", timeout_s=10, retries=0)
    assert client.complete("Say hi") == REPLY
    (request,) = FakeOpenAI.requests
    assert request["model"] == "smol" and request["messages"][0]["content"] == "Say hi"


def test_a_down_endpoint_is_a_clear_error_with_a_hint():
    client = ChatClient("http://127.0.0.1:9/v1", "m", api_key="", timeout_s=2, retries=0)
    with pytest.raises(ModelError) as caught:
        client.complete("hi")
    assert "cannot be reached" in caught.value.message and "llm-url" in caught.value.hint


def test_a_report_with_the_llm_names_it_guards_citations_and_caches(
    endpoint, fake_context, make_pdf
):
    from synth.app.report import build_report

    pdf = make_pdf(
        [
            [
                "Widgets",
                "Abstract",
                "Sparse widgets improve retrieval accuracy by 12%.",
                "1 Introduction",
                "Sparse widgets improve retrieval accuracy by 12%.",
            ]
        ],
        title="Widgets",
    )
    settings = {"llm.url": endpoint, "llm.model": "smol", "llm.retries": 0}
    report = build_report(fake_context(["widget"], **settings), "Do widgets help?", [str(pdf)])
    sentences = [s for p in report.answer for s in p.sentences]
    assert sentences and all("[C" in s for s in sentences)
    assert "smol" in report.methodology and endpoint in report.methodology
    assert "dropped" in report.methodology
    assert "C1 [" in FakeOpenAI.requests[0]["messages"][0]["content"], "the model sees the table"
    build_report(fake_context(["widget"], **settings), "Do widgets help?", [str(pdf)])
    assert len(FakeOpenAI.requests) == 1, "the answer is cached: a rerun asks nothing"


# --- a hostile or broken endpoint: one error line, never a traceback; the report survives ----


class Hostile(BaseHTTPRequestHandler):
    """Answers every POST with `Hostile.body` (bytes, or a callable writing to the socket)."""

    status = 200
    content_type = "application/json"
    body: object = b""
    headers_extra: dict[str, str] = {}
    posts = 0

    def do_POST(self):  # noqa: N802
        Hostile.posts += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(Hostile.status)
        self.send_header("Content-Type", Hostile.content_type)
        for name, value in Hostile.headers_extra.items():
            self.send_header(name, value)
        if callable(Hostile.body):
            self.end_headers()
            Hostile.body(self.wfile)
            return
        self.send_header("Content-Length", str(len(Hostile.body)))
        self.end_headers()
        self.wfile.write(Hostile.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile():
    Hostile.status, Hostile.content_type, Hostile.headers_extra, Hostile.posts = (
        200,
        "application/json",
        {},
        0,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _completion(content) -> bytes:
    return json.dumps(
        {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": content}
    ).encode()


@pytest.mark.parametrize(
    ("content_type", "body", "says"),
    [
        ("application/json", b'{"choices": [{"message": ', "not a chat completion"),
        ("application/json", b'{"id": "x"}', "not a chat completion"),
        ("application/json", _completion([]), "not a chat completion"),
        (
            "application/json",
            _completion([{"index": 0, "message": {"role": "assistant"}}]),
            "not a chat completion",
        ),
        ("text/html", b"<html><body>Welcome to nginx!</body></html>", "not a chat completion"),
    ],
)
def test_a_reply_that_is_not_a_chat_completion_is_one_clear_error(
    hostile, content_type, body, says
):
    Hostile.content_type, Hostile.body = content_type, body
    client = ChatClient(hostile, "m", api_key="", timeout_s=10, retries=0)
    with pytest.raises(ModelError) as caught:
        client.complete("hi")
    assert says in caught.value.message and hostile in caught.value.message


def test_a_huge_reply_is_refused_not_written_into_the_report(hostile):
    Hostile.body = _completion(
        [{"index": 0, "message": {"role": "assistant", "content": "x" * (3 << 20)}}]
    )
    client = ChatClient(hostile, "m", api_key="", timeout_s=20, retries=0)
    with pytest.raises(ModelError, match="bytes"):
        client.complete("hi")


def test_a_reply_trickling_a_byte_a_second_stops_at_the_deadline(hostile):
    import time

    def trickle(stream):
        for byte in b'{"choices": [{"message": {"content": "slow"}}]}':
            stream.write(bytes([byte]))
            stream.flush()
            time.sleep(0.5)

    Hostile.body = trickle
    client = ChatClient(hostile, "m", api_key="", timeout_s=2, retries=2)
    start = time.monotonic()
    with pytest.raises(ModelError, match="within 2 s"):
        client.complete("hi")
    assert time.monotonic() - start < 5 and Hostile.posts == 1, "no retry after the deadline"


def test_a_redirect_is_not_followed_so_the_prompt_never_reaches_another_host(hostile):
    Hostile.status, Hostile.body = 307, b""
    Hostile.headers_extra = {"Location": "http://203.0.113.9/v1/chat/completions"}
    client = ChatClient(hostile, "m", api_key="", timeout_s=5, retries=0)
    with pytest.raises(ModelError, match="redirected to http://203.0.113.9"):
        client.complete("hi")
    assert Hostile.posts == 1


def test_an_endpoint_failing_leaves_the_verified_report_with_the_extractive_answer(
    hostile, fake_context, make_pdf
):
    from synth.app.report import build_report

    Hostile.status, Hostile.body = 500, b'{"error": "boom"}'
    pdf = make_pdf(
        [["Widgets", "Abstract", "Sparse widgets improve retrieval accuracy by 12%."]],
        title="Widgets",
    )
    settings = {"llm.url": hostile, "llm.model": "smol", "llm.retries": 0}
    report = build_report(fake_context(["widget"], **settings), "Do widgets help?", [str(pdf)])
    assert report.verdicts and report.answer
    assert "extractive" in report.methodology and "HTTP 500" in report.methodology


# --- claim extraction and second opinion ------------------------------------------------------


def test_an_extracted_claim_must_map_to_a_sentence_and_add_no_number_or_name():
    from synth.synthesize.llm import parse_extracted

    sentences = {
        "S1": "Sparse widgets improve retrieval accuracy by 12% on XQuAD-R.",
        "S2": "The sky is blue.",
    }
    reply = "\n".join(
        json.dumps(item)
        for item in [
            {"sentence_id": "S1", "claim": "Sparse widgets improve accuracy by 12% on XQuAD-R."},
            {"sentence_id": "S1", "claim": "Sparse widgets improve accuracy by 15% on XQuAD-R."},
            {"sentence_id": "S1", "claim": "Sparse widgets improve accuracy by 12% on MIRACL."},
            {"sentence_id": "S9", "claim": "Widgets are great for everything."},
        ]
    )
    kept, dropped = parse_extracted("```json\n" + reply + "\n```", sentences)
    assert [(k.sentence_id, k.text) for k in kept] == [
        ("S1", "Sparse widgets improve accuracy by 12% on XQuAD-R.")
    ]
    assert dropped == 3  # an invented number, an invented name, an unknown sentence


def test_a_second_opinion_reads_the_label_or_says_there_was_none():
    from synth.synthesize.llm import parse_opinion

    opinion = parse_opinion(
        '{"label": "contradicted", "evidence": [1], "reason": "15% not 12%"}', "m"
    )
    assert opinion.label is Label.CONTRADICTED and opinion.reason == "15% not 12%"
    assert parse_opinion("I think it is true.", "m").label is None


class ByPrompt(BaseHTTPRequestHandler):
    """A fake OpenAI server answering each of synth's three prompts in kind."""

    seen: list[str] = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][0]["content"]
        ByPrompt.seen.append(prompt)
        if prompt.startswith("You extract checkable claims"):
            sid = re.findall(r"\[(S\d+)\] \([^)]*\) [^\n]*widgets improve", prompt, re.I)[-1]
            content = "\n".join(
                [
                    json.dumps(
                        {
                            "sentence_id": sid,
                            "claim": "Sparse widgets improve retrieval accuracy by 12%.",
                        }
                    ),
                    json.dumps(
                        {"sentence_id": sid, "claim": "Sparse widgets improve accuracy by 40%."}
                    ),
                ]
            )
        elif prompt.startswith("You decide whether"):
            content = (
                '{"label": "contradicted", "evidence": [1], "reason": "the passage says otherwise"}'
            )
        else:
            content = "**Widgets.** Sparse widgets help [C1]."
        answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
        _send_json(self, answer)

    def log_message(self, *args):
        pass


def test_a_report_with_llm_extraction_and_second_opinions(fake_context, make_pdf):
    from synth.app.report import build_report
    from synth.render.render import Format, render

    ByPrompt.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ByPrompt)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    pdf = make_pdf(
        [
            ["Widgets", "Abstract", "Sparse widgets improve retrieval accuracy by 12%."],
            [
                "4 Results",
                "Across five test collections in two languages and three domains, sparse widgets "
                "improve retrieval accuracy by 12% over the dense baselines of Table 2.",
            ],
        ],
        title="Widgets",
    )
    settings = {
        "llm.url": url,
        "llm.model": "smol",
        "llm.retries": 0,
        "llm.extract": True,
        "llm.second_opinion": True,
    }
    try:
        report = build_report(fake_context(["widget"], **settings), "Do widgets help?", [str(pdf)])
        asked = len(ByPrompt.seen)
        build_report(fake_context(["widget"], **settings), "Do widgets help?", [str(pdf)])
    finally:
        server.shutdown()
    assert [v.claim.text for v in report.verdicts] == [
        "Sparse widgets improve retrieval accuracy by 12%."
    ], "the claim with an invented 40% was dropped"
    assert "1 dropped" in report.methodology and "disagrees with synth on C1" in report.methodology
    (opinion,) = report.second_opinions
    assert opinion.label is Label.CONTRADICTED and opinion.model == "smol"
    assert "Second opinion (smol, not counted): contradicted" in render(report, Format.MD)
    assert report.counts["contradicted"] == 0, "the second opinion is never counted"
    assert len(ByPrompt.seen) == asked, "every LLM output is cached: a rerun asks nothing"
