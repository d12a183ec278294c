"""Hostile and careless inputs: no traceback, no blow-up, no row altered, nothing executable
in the output. Each test names the item of the hostile-input issue it covers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.app.recheck.tables import read_report, read_reports
from synth.render.render import md_cell, md_escape, md_quote

SEED = "000_29c3c13b690ec539.txt"


def synth(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "SYNTH_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "synth", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def _seed_text(shared: Path) -> str:
    return (shared / "seeds" / SEED).read_text(encoding="utf-8")


def _without_references(text: str) -> str:
    head, _ = text.split("\nReferences\n")
    return head + "\nReferences\n\n"


# item 2: every regex on user input is linear -------------------------------------------------
def test_a_megabyte_of_digits_in_results_parses_in_linear_time(tmp_path, shared):
    text = _seed_text(shared).replace("3 Results\n", "3 Results\n" + "7" * 1_000_000 + "\n", 1)
    path = tmp_path / "digits.txt"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    report = read_report(path)
    assert time.perf_counter() - start < 5, "parsing must not be quadratic"
    assert len(report.rows) == 11


def test_verify_of_a_report_without_references_needs_no_model(tmp_path, shared):
    text = _without_references(_seed_text(shared))
    text = text.replace("3 Results\n", "3 Results\n" + "9" * 100_000 + "\n", 1)
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    result = synth("--offline", "verify", str(path), "--json", home=tmp_path / "home")
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["claims"] == 11
    assert elapsed < 10, f"took {elapsed:.1f} s"


# item 3: usage mistakes are usage errors ------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["list", "--bogus"],
        ["verify"],
        ["report", "-Q", "x", "-f", "docx"],
        ["-v", "abc", "list"],
        ["add"],
    ],
    ids=["unknown-option", "no-input", "bad-format", "unknown-command", "no-files"],
)
def test_usage_mistakes_print_clicks_message_and_exit_2(args, tmp_path):
    result = synth(*args, home=tmp_path / "home")
    assert result.returncode == 2, result.stderr
    assert "Usage:" in result.stderr and "Traceback" not in result.stderr


# item 4: one bad file never stops a directory batch ------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.json", "[]"),
        ("a.json", '"str"'),
        ("a.jsonl", '[1,2,3]\n{"claim": "A claim that is fine.", "references": ""}\n'),
        ("a.json", "[" * 100_000 + "]" * 100_000),
    ],
    ids=["json-list", "json-string", "jsonl-list-line", "json-100k-deep"],
)
def test_a_bad_file_is_reported_and_the_rest_of_the_batch_goes_on(name, content, tmp_path, shared):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_text(content, encoding="utf-8")
    (folder / "b.txt").write_text(_without_references(_seed_text(shared)), encoding="utf-8")
    result = synth("--offline", "verify", str(folder), "--json", home=tmp_path / "home")
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    read = summary["reports_read"]
    assert read >= 1 and summary["claims"] >= 11, "b.txt was still processed"


# item 6: rows are never altered ---------------------------------------------------------------
@pytest.mark.parametrize(
    "char", ["\u2028", "\u0085", "\x0c", "\x1e"], ids=["LS", "NEL", "FF", "RS"]
)
def test_odd_line_breaks_inside_a_claim_keep_one_row(char, tmp_path, shared):
    text = _seed_text(shared)
    first_row = next(line for line in text.split("\n") if "\t✓\t" in line or "\t×\t" in line)
    claim = first_row.split("\t")[0]
    broken = claim[:20] + char + claim[20:]
    path = tmp_path / "r.txt"
    path.write_text(text.replace(claim, broken, 1), encoding="utf-8")
    rows = read_report(path).rows
    assert len(rows) == 11 and char in rows[0].text


def test_a_claim_that_reads_claim_is_a_row_and_two_spaces_in_a_heading_still_match(
    tmp_path, shared
):
    text = _seed_text(shared).replace("5 Extracted Claims", "5  Extracted Claims")
    text = text.replace(
        "Claim\tVerified\tConfidence\n", "Claim\tVerified\tConfidence\nClaim\t✓\t0.50\n"
    )
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    rows = read_report(path).rows
    assert len(rows) == 12 and rows[0].text == "Claim"


def test_utf16_files_and_text_reports_starting_with_a_brace_are_read(tmp_path, shared):
    utf16 = tmp_path / "r16.txt"
    utf16.write_bytes(_seed_text(shared).encode("utf-16"))
    assert len(read_report(utf16).rows) == 11
    braced = tmp_path / "braced.txt"
    braced.write_text("{draft}\n" + _seed_text(shared), encoding="utf-8")
    assert len(read_report(braced).rows) == 11


def test_a_nan_confidence_never_reaches_json_output(tmp_path):
    path = tmp_path / "nan.jsonl"
    path.write_text('{"claim": "A claim.", "confidence": "NaN", "mark": "✓"}\n', encoding="utf-8")
    (report,) = read_reports(path)
    assert report.rows[0].confidence is None


# item 7: Markdown output is inert ------------------------------------------------------------
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![](http://evil.example/x.png)",
    "# Heading injected",
    "text & more | a cell",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_filters_neutralise_html_links_and_headings(text):
    for out in (md_escape(text), md_quote(text), md_cell(text)):
        assert "<script" not in out and "<img" not in out
        assert "](" not in out and not out.startswith("#")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_text_can_open_a_tag_or_a_link_in_markdown(text):
    out = md_escape(text)
    assert "<" not in out and ">" not in out
    assert "](" not in out.replace("\\](", "").replace("\\]\\(", "")


# item 1: bounded findings, memory linear in the rows -----------------------------------------
def test_ten_thousand_similar_rows_give_a_bounded_audit(tmp_path, shared):
    from synth.app.recheck import audit

    rows = "\n".join(
        f"Hybrid batch training reduces language bias in retrieval, variant {i % 7}.\t✓\t0.50"
        for i in range(10_000)
    )
    text = _seed_text(shared)
    head, rest = text.split("Claim\tVerified\tConfidence\n")
    _, tail = rest.split("\nReferences\n")
    path = tmp_path / "big.txt"
    path.write_text(head + "Claim\tVerified\tConfidence\n" + rows + "\n\nReferences\n" + tail)
    start = time.perf_counter()
    report = read_report(path)
    findings = audit.duplicate_findings([r.text for r in report.rows])
    assert time.perf_counter() - start < 20
    assert len(report.rows) == 10_000
    assert 1 <= len(findings) <= audit.MAX_GROUPS_LISTED + 1
    assert sum(len(f.message) for f in findings) < 5_000, "findings are capped, not listed pairwise"


# item 5: environment faults are one error line with a hint ------------------------------------
def test_a_home_that_is_a_file_is_an_error_with_a_hint(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a directory")
    result = synth("list", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error:" in result.stderr and "hint:" in result.stderr


@pytest.mark.parametrize(
    "content", [b"retrieve = [\x00\xff", b"[retrieve\nx="], ids=["binary", "invalid"]
)
def test_a_broken_config_toml_is_an_error_with_a_hint(content, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_bytes(content)
    result = synth("list", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "config.toml" in result.stderr and "hint:" in result.stderr


def test_verify_output_into_a_file_or_into_its_own_input_is_refused(tmp_path, shared):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = synth(
        "--offline", "verify", str(shared / "seeds"), "-o", str(target), home=tmp_path / "h"
    )
    assert result.returncode == 1 and "hint:" in result.stderr
    folder = tmp_path / "in"
    folder.mkdir()
    result = synth(
        "--offline", "verify", str(folder), "-o", str(folder / "out"), home=tmp_path / "h"
    )
    assert result.returncode == 1 and "inside an input directory" in result.stderr


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from synth.core.errors import StorageError
    from synth.core.paths import write_atomic

    def disk_full(self, text, encoding=None):
        Path.write_bytes(self, text[:3].encode())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(StorageError) as caught:
        write_atomic(tmp_path / "out.md", "a report")
    assert "space" in caught.value.message and caught.value.hint
    assert list(tmp_path.iterdir()) == [], "neither the file nor its .part is left"


def test_a_full_disk_during_a_write_maps_to_a_hint():
    import sqlite3

    from synth.store.db import storage_error

    error = storage_error("lib.sqlite", sqlite3.OperationalError("database or disk is full"))
    assert "free disk space" in error.hint


# item 8: smaller ------------------------------------------------------------------------------
def test_a_200k_character_line_is_not_a_title(make_pdf):
    from synth.core.ids import PaperId
    from synth.parse.pdf import MAX_TITLE_CHARS, parse_pdf

    pdf = make_pdf([["x" * 20 + " \u202e evil " + "word " * 40_000]], name="long.pdf")
    title = parse_pdf(pdf, PaperId("pdf:x")).paper.title
    assert len(title) <= MAX_TITLE_CHARS + 1 and "\u202e" not in title


def test_offline_fetch_of_a_corpus_paper_says_only_its_abstract_is_there(tmp_path):
    result = synth("--offline", "fetch", "2408.10536", home=tmp_path / "home")
    assert result.returncode == 1
    assert "only its abstract is in the library" in result.stderr and "hint:" in result.stderr


def test_ctrl_c_exits_130_and_says_what_was_kept(tmp_path, shared):
    import signal

    env = {**os.environ, "SYNTH_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "synth", "--offline", "verify", str(shared / "seeds")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3.0)  # corpus and models load into a fresh home for longer than this
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the command finished before the interrupt")
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr


def test_a_killed_run_is_marked_interrupted_by_the_next_one(tmp_path):
    from synth.store.db import connect
    from synth.store.library import Library

    db = tmp_path / "library.sqlite"
    killer = (
        "import os, signal, sys\n"
        "from synth.store.db import connect\n"
        "from synth.store.library import Library\n"
        "Library(connect(sys.argv[1])).start_run('report', {}, 'f')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", killer, str(db)], timeout=60)
    assert killed.returncode == -9
    library = Library(connect(db))
    assert [r["status"] for r in library.runs()] == ["running"]
    library.start_run("report", {}, "f")
    assert [r["status"] for r in library.runs()] == ["interrupted", "running"]


# item 9: a huge source --------------------------------------------------------------------------
def test_check_against_a_500_page_pdf_speaks_at_once_and_embeds_a_bounded_share(
    make_pdf, model_dir, tmp_path
):
    lines = [
        f"Page {{p}}: measurement {i} of the sparse widget study, batch {i}." for i in range(8)
    ]
    pdf = make_pdf([[line.format(p=p) for line in lines] for p in range(500)], name="p500.pdf")
    env = {
        **os.environ,
        "SYNTH_HOME": str(tmp_path / "home"),
        "SYNTH_RETRIEVE__MODEL_DIR": str(model_dir),
        "SYNTH_VERIFY__MAX_NEW_PASSAGES": "40",
        "OMP_NUM_THREADS": "1",
    }
    claim = "Sparse widgets halve latency."
    command = [sys.executable, "-m", "synth", "check", claim, "--source", str(pdf)]
    command += ["--verifier", "similarity"]
    start = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_line = process.stderr.readline().decode()
    first_after = time.monotonic() - start
    stdout, rest = process.communicate(timeout=300)
    stderr = first_line + rest.decode()
    assert process.returncode == 0, stderr
    # the target is 2 s (0.4 s measured here); generous for a busy CI machine
    assert first_after < 5.0, f"first output after {first_after:.1f} s"
    assert first_line.startswith("checking the claim against 1 source")
    assert "embedding the 40 sharing most words with the claim" in stderr
    assert "embedding passages (40 new): 1/1 done" in stderr and stdout.decode().strip()


# -o writes where it points (issue 31, item 3) -------------------------------------------------
def test_an_output_symlink_is_written_through_and_stays_a_link(tmp_path):
    from synth.core.paths import write_atomic

    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomic(link, "new report")
    assert link.is_symlink() and real.read_text() == "new report"


def test_an_output_fifo_is_streamed_into_and_never_replaced(tmp_path):
    import stat
    import threading

    from synth.core.paths import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "streamed report")
    reader.join(10)
    assert received == ["streamed report"]
    assert stat.S_ISFIFO(fifo.stat().st_mode), "still a FIFO, not a regular file"


def test_a_character_device_is_written_to_not_replaced(tmp_path):
    from synth.core.paths import write_atomic

    write_atomic(Path("/dev/null"), "discarded")
    assert Path("/dev/null").is_char_device()


def test_dev_stdout_and_dash_stream_to_standard_output():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from synth.core.paths import write_atomic;"
            "write_atomic(Path('/dev/stdout'), 'one '); write_atomic(Path('-'), 'two')",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "one two"


# invisible characters made visible (issue 31, item 7) ----------------------------------------
def test_bidi_and_zero_width_characters_are_shown_in_markdown_and_latex_but_kept_in_json():
    from synth.render.render import latex_escape, md_quote

    quote = "Hidden \u202egnirts desrever\u202c here\u200b."
    assert md_quote(quote) == "Hidden ⟨U+202E⟩gnirts desrever⟨U+202C⟩ here⟨U+200B⟩."
    assert "⟨U+202E⟩" in latex_escape(quote) and "\u202e" not in latex_escape(quote)
    assert md_quote("می\u200cخواهم") == "می\u200cخواهم", "Persian's joiner is text, not a trick"


def test_a_claim_of_only_invisible_characters_is_rejected_as_empty(fake_context):
    from synth.app.report import check_claim
    from synth.core.errors import SynthError

    with pytest.raises(SynthError, match="empty"):
        check_claim(fake_context(), "\u200b\u202e\u2066 \u200b", ["any.pdf"])


# output names (issue 31, item 8) -------------------------------------------------------------
def test_a_very_long_input_name_gets_a_short_output_name_and_the_batch_its_summary(
    tmp_path, shared
):
    inputs = tmp_path / "in"
    inputs.mkdir()
    long_name = "r" * 250 + ".txt"  # 254 characters: its ".part" is too long a name
    (inputs / long_name).write_text(_without_references(_seed_text(shared)), encoding="utf-8")
    (inputs / "short.txt").write_text(_without_references(_seed_text(shared)), encoding="utf-8")
    out = tmp_path / "out"
    result = synth(
        "--offline", "verify", str(inputs), "-o", str(out), "--json", home=tmp_path / "h"
    )
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["reports_read"] == 2 and len(summary["written"]) == 2
    assert all(len(Path(p).name) < 160 for p in summary["written"])


# a library damaged deep inside (issue 31, item 6) -------------------------------------------
def test_a_library_damaged_past_its_header_is_one_error_with_a_way_out(tmp_path):
    from synth.store.db import connect

    home = tmp_path / "h"
    db = home / "library.sqlite"
    conn = connect(db)
    with conn:  # a library whose papers span many pages
        conn.executemany(
            "INSERT INTO papers (id, title, abstract, source, content_hash, chunk_fingerprint) "
            "VALUES (?, ?, ?, 'pdf', 'h', 'f')",
            [(f"pdf:{i:06d}", f"Paper {i}", "words " * 200) for i in range(2000)],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    pages = len(data) // page
    assert pages > 100, "a library of many pages"
    cut = (pages * 3 // 4) * page  # the last quarter: read by `list`, never by opening
    data[cut:] = b"\xa5" * (len(data) - cut)
    db.write_bytes(bytes(data))
    result = synth("--offline", "list", home=home)
    assert result.returncode == 1, result.stdout[-300:]
    assert "Traceback" not in result.stderr
    assert "malformed" in result.stderr and "synth doctor" in result.stderr
    checked = synth("doctor", home=home)
    assert checked.returncode == 1 and "library_check" in checked.stdout
    assert "damaged" in checked.stdout and "move" in checked.stderr


# item 5: every eval input is read bounded, and a malformed one is one error naming it ----------
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"data": [', "is not valid JSON (Expecting value at line 1, column 11)"),
        (b"", "is not valid JSON"),
        (b"[1, 2]", 'has no "data" list'),
        (b"\xff\xfe\x00bad", "is not UTF-8 text (byte 0 is 0xff)"),
        (b'{"version": 1}', 'has no "data" list'),
        (b'{"data": []}', "holds no sentence"),
        (
            b'{"data": [{"paragraphs": [{"sentences": ["A b."], "qas": []}]}]}',
            "not in the LAReQA/SQuAD layout (KeyError: 'sentence_breaks')",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "nests JSON too deeply"),
    ],
    ids=["truncated", "empty", "list", "latin", "no-data", "empty-data", "no-breaks", "deep"],
)
def test_a_malformed_retrieval_set_is_one_error_naming_the_file(tmp_path, content, says):
    from synth.core.errors import SynthError
    from synth.retrieve.lareqa import load_lareqa

    (tmp_path / "en.json").write_bytes(content)
    with pytest.raises(SynthError) as caught:
        load_lareqa(tmp_path)
    assert says in caught.value.message and caught.value.hint


def test_empty_or_non_utf8_bitext_is_one_error(tmp_path):
    from synth.core.errors import SynthError
    from synth.retrieve.bitext import load_bitext

    (tmp_path / "tatoeba.fra-eng.fra").write_bytes(b"")
    (tmp_path / "tatoeba.fra-eng.eng").write_bytes(b"")
    with pytest.raises(SynthError, match="hold no sentence pair"):
        load_bitext(tmp_path, "fra")
    (tmp_path / "tatoeba.fra-eng.fra").write_bytes(b"\xe9t\xe9\n")
    (tmp_path / "tatoeba.fra-eng.eng").write_bytes(b"summer\n")
    with pytest.raises(SynthError, match="not UTF-8"):
        load_bitext(tmp_path, "fra")


def test_a_huge_field_or_deep_json_in_a_pair_file_is_one_error_and_long_texts_are_cut(tmp_path):
    from synth.core.errors import SynthError
    from synth.core.inputs import MAX_TEXT_CHARS
    from synth.verify.pairs import read_pairs

    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("claim\tevidence\tlabel\nA.\t" + "x" * 200_000 + "\tentailment\n")
    with pytest.raises(SynthError, match=r"pairs.tsv, line \d+: field larger than field limit"):
        read_pairs(tsv)
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(SynthError, match="line 1 nests JSON too deeply"):
        read_pairs(deep)
    long = tmp_path / "long.jsonl"
    long.write_text(
        json.dumps({"claim": "A b.", "evidence": "word " * 2_000_000, "label": "supported"})
    )
    (pair,) = read_pairs(long).pairs
    assert len(pair.evidence) <= MAX_TEXT_CHARS
