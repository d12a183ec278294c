"""ParsedDoc -> passages: sentence-aware chunks with offsets into their page. Pure functions.

A passage never splits a sentence unless the sentence alone exceeds `max_chars` (then it is
cut at whitespace). `passage.text == page.text[passage.start:passage.end]` always holds.
"""

from __future__ import annotations

import hashlib
import json

from synth.core.ids import passage_id
from synth.core.settings import ParseSettings
from synth.core.types import Page, ParsedDoc, Passage
from synth.parse.sentences import sentence_spans

# Bump when parsing or chunking changes what it produces: stored papers are then re-chunked.
PARSER_VERSION = 2  # 2: reference lists (citation edges)


def chunk_fingerprint(settings: ParseSettings) -> str:
    """What stored passages were made with: the parser's version and the parse settings."""
    blob = json.dumps([PARSER_VERSION, settings.model_dump()], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at the last whitespace (any kind) before `max_chars`."""
    pieces = []
    while end - start > max_chars:
        window = text[start + max_chars // 2 : start + max_chars + 1]
        spaces = [i for i, ch in enumerate(window) if ch.isspace()]
        cut = start + max_chars // 2 + spaces[-1] if spaces else start + max_chars
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def chunk_page(page: Page, settings: ParseSettings) -> list[Passage]:
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(page.text):
        spans.extend(_split_long(page.text, start, end, settings.max_chars))
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups:
            first = groups[-1][0][0]
            fits = span[1] - first <= settings.max_chars
            tiny = groups[-1][-1][1] - first < settings.min_chars
            if fits or (tiny and span[1] - first <= 2 * settings.max_chars):
                groups[-1].append(span)
                continue
        groups.append([span])
    passages = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        passages.append(
            Passage(
                id=passage_id(page.paper_id, page.index, start),
                paper_id=page.paper_id,
                page_index=page.index,
                start=start,
                end=end,
                text=page.text[start:end],
                section=page.section_at(start),
            )
        )
    return passages


def chunk_doc(doc: ParsedDoc, settings: ParseSettings) -> list[Passage]:
    return [p for page in doc.pages for p in chunk_page(page, settings)]
