"""Batch samplers, specified by their invariants over a synthetic multilingual dataset."""

from __future__ import annotations

import numpy as np
import pytest

from synth.train.data import Example, Group
from synth.train.samplers import BatchSampler

LANGS = ("ar", "de", "en", "zh")


def _groups(n: int, langs=LANGS, start: int = 0) -> list[Group]:
    """n questions, each translated into `langs`; positive keys unique per (question, lang)."""
    groups = []
    for i in range(start, start + n):
        by_lang = {
            lang: Example(
                f"q{i}-{lang}", f"p{i}-{lang}", i * 100 + k, (f"n{i}-{lang}-a", f"n{i}-{lang}-b")
            )
            for k, lang in enumerate(langs)
        }
        groups.append(Group(f"q{i}", by_lang))
    return groups


def _first_batches(sampler: BatchSampler, epochs: int = 1):
    return [b for epoch in range(epochs) for b in sampler.batches(epoch)]


@pytest.mark.parametrize("strategy", ["mono", "cross", "hybrid"])
def test_every_batch_has_the_requested_size(strategy):
    sampler = BatchSampler([_groups(200)], batch_size=16, strategy=strategy, seed=1)
    assert all(len(batch) == 16 for _, batch in _first_batches(sampler, 3))


@pytest.mark.parametrize("strategy", ["mono", "cross", "hybrid"])
def test_no_batch_repeats_a_positive(strategy):
    sampler = BatchSampler([_groups(60)], batch_size=32, strategy=strategy, seed=2)
    for _, batch in _first_batches(sampler, 5):
        keys = [t.positive_key for t in batch]
        assert len(keys) == len(set(keys)), "duplicate positive in one batch"


def test_a_mono_batch_is_in_one_language():
    sampler = BatchSampler([_groups(100)], batch_size=16, strategy="mono", seed=3)
    for kind, batch in _first_batches(sampler, 3):
        assert kind == "mono"
        assert len({t.query_lang for t in batch} | {t.passage_lang for t in batch}) == 1


def test_a_cross_batch_never_pairs_a_query_with_its_own_language():
    sampler = BatchSampler([_groups(100)], batch_size=16, strategy="cross", seed=4)
    for kind, batch in _first_batches(sampler, 3):
        assert kind == "cross"
        assert all(t.query_lang != t.passage_lang for t in batch)
        assert all(
            t.query.endswith(t.query_lang) and t.positive.endswith(t.passage_lang) for t in batch
        ), "texts come from the languages the triplet names"


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.75])
def test_hybrid_mono_share_matches_alpha_over_2000_batches(alpha):
    sampler = BatchSampler([_groups(64)], batch_size=4, strategy="hybrid", alpha=alpha, seed=5)
    kinds = [kind for epoch in range(200) for kind, _ in sampler.batches(epoch)][:2000]
    assert len(kinds) == 2000
    assert abs(np.mean([k == "mono" for k in kinds]) - alpha) <= 0.03


def test_mono_languages_are_drawn_uniformly():
    sampler = BatchSampler([_groups(64)], batch_size=4, strategy="mono", seed=6)
    langs = [batch[0].query_lang for epoch in range(150) for _, batch in sampler.batches(epoch)]
    shares = [langs.count(lang) / len(langs) for lang in LANGS]
    assert max(shares) - min(shares) < 0.05, shares


def test_same_seed_and_epoch_give_identical_batches_and_another_epoch_differs():
    make = lambda: BatchSampler([_groups(100)], batch_size=8, strategy="hybrid", seed=7)  # noqa: E731
    assert list(make().batches(3)) == list(make().batches(3))
    assert list(make().batches(3)) != list(make().batches(4))


def test_another_seed_gives_other_batches():
    a = BatchSampler([_groups(100)], batch_size=8, seed=1)
    b = BatchSampler([_groups(100)], batch_size=8, seed=2)
    assert list(a.batches(0)) != list(b.batches(0))


def test_source_sets_are_drawn_in_proportion_to_their_size():
    big, small = _groups(300), _groups(100, start=1000)
    sampler = BatchSampler([big, small], batch_size=4, strategy="mono", seed=8)
    sources = [
        batch[0].query.startswith("q1") and int(batch[0].query[1:].split("-")[0]) >= 1000
        for epoch in range(20)
        for _, batch in sampler.batches(epoch)
    ]
    assert abs(np.mean(sources) - 0.25) < 0.04


def test_questions_missing_a_language_are_only_used_where_they_exist():
    groups = _groups(50) + _groups(50, langs=("en",), start=500)
    sampler = BatchSampler([groups], batch_size=8, strategy="cross", seed=9)
    for _, batch in _first_batches(sampler, 5):
        assert all(
            not t.query.startswith("q5") or int(t.query[1:].split("-")[0]) < 500 for t in batch
        ), "an English-only question cannot make a cross pair"


def test_invalid_strategy_or_alpha_is_rejected():
    with pytest.raises(ValueError):
        BatchSampler([_groups(10)], batch_size=4, strategy="random")
    with pytest.raises(ValueError):
        BatchSampler([_groups(10)], batch_size=4, alpha=1.5)


def _bitext(n: int, lang: str = "fra"):
    from synth.retrieve.bitext import Bitext
    from synth.train.data import groups_from_bitext

    english = tuple(f"English sentence {i}." for i in range(n))
    return groups_from_bitext([Bitext(lang, tuple(f"Phrase {i}." for i in range(n)), english)], 0)


def test_translation_pairs_fill_their_share_of_cross_batches_and_never_mono_ones():
    bitext = _bitext(300)
    keys = {e.positive_key for g in bitext for e in g.by_lang.values()}
    sampler = BatchSampler(
        [_groups(100)], 20, "hybrid", 0.5, seed=4, bitext=bitext, bitext_share=0.25
    )
    kinds = set()
    for kind, batch in _first_batches(sampler, 3):
        kinds.add(kind)
        from_bitext = [t for t in batch if t.positive_key in keys]
        assert len(from_bitext) == (5 if kind == "cross" else 0)
        assert all({t.query_lang, t.passage_lang} == {"fra", "eng"} for t in from_bitext)
        assert len({t.positive_key for t in batch}) == len(batch)
    assert kinds == {"mono", "cross"}


def test_a_share_without_pairs_is_refused():
    with pytest.raises(ValueError, match="bitext"):
        BatchSampler([_groups(10)], 8, "cross", bitext_share=0.5)


def test_a_translation_pair_is_one_group_and_equal_sentences_share_a_key():
    from synth.retrieve.bitext import Bitext
    from synth.train.data import groups_from_bitext

    groups = groups_from_bitext(
        [
            Bitext(
                "fra",
                ("Il pleut.", "Tom a faim.", "Merci."),
                ("It rains.", "Tom is hungry.", "Thanks."),
            ),
            Bitext("deu", ("Es regnet.", "Danke."), ("It rains.", "Thanks.")),
            Bitext("ita", ("Piove.",), ("It rains.",)),  # one pair: no negative to draw
        ],
        seed=0,
        negatives=2,
    )
    assert [g.qid for g in groups] == [
        f"tatoeba-{x}" for x in ("fra-0", "fra-1", "fra-2", "deu-0", "deu-1")
    ]
    rain = groups[0].by_lang
    assert rain["eng"].positive_key == groups[3].by_lang["eng"].positive_key
    assert rain["fra"].question == rain["fra"].positive == "Il pleut."
    assert rain["eng"].positive == "It rains." and "It rains." not in rain["eng"].negatives
    assert len(rain["fra"].negatives) == 2 and "Il pleut." not in rain["fra"].negatives


def _answered(n: int, langs=LANGS) -> list[Group]:
    """Like _groups, with each question's answers in every language relevant to it."""
    groups = []
    for group in _groups(n, langs):
        keys = frozenset(e.positive_key for e in group.by_lang.values())
        groups.append(
            Group(
                group.qid,
                {
                    lang: Example(e.question, e.positive, e.positive_key, e.negatives, keys)
                    for lang, e in group.by_lang.items()
                },
            )
        )
    return groups


def test_one_positive_per_question_keeps_the_batches_it_always_drew():
    plain = BatchSampler([_answered(80)], 12, "hybrid", seed=3)
    one = BatchSampler([_answered(80)], 12, "hybrid", seed=3, positives_per_question=1)
    assert list(plain.batches(0)) == list(one.batches(0))


def test_multi_positive_cross_batches_take_each_question_in_k_languages():
    sampler = BatchSampler([_answered(60)], 24, "cross", seed=5, positives_per_question=3)
    for _, batch in _first_batches(sampler, 3):
        assert len(batch) == 24 and len({t.positive_key for t in batch}) == 24
        by_question: dict[str, list] = {}
        for t in batch:
            by_question.setdefault(t.query.split("-")[0], []).append(t)
        assert all(len(rows) == 3 for rows in by_question.values())
        for rows in by_question.values():
            assert all(t.query_lang != t.passage_lang for t in rows)
            assert {t.query_lang for t in rows} == {t.passage_lang for t in rows}
            assert all(u.positive_key in t.relevant for t in rows for u in rows)
        other = [u.positive_key for u in batch if u.query.split("-")[0] != "q0"]
        q0 = [t for t in batch if t.query.startswith("q0-")]
        assert not any(key in t.relevant for t in q0 for key in other)


def test_a_question_in_fewer_languages_than_k_gives_one_row_per_language():
    sampler = BatchSampler(
        [_answered(40, langs=("de", "en"))], 8, "cross", seed=6, positives_per_question=4
    )
    for _, batch in _first_batches(sampler, 2):
        per_question = {}
        for t in batch:
            per_question.setdefault(t.query.split("-")[0], set()).add(t.passage_lang)
        assert all(langs == {"de", "en"} for langs in per_question.values())


def test_lareqa_relevance_is_every_answer_of_the_question(shared):
    from synth.retrieve.lareqa import load_lareqa
    from synth.train.data import groups_from_lareqa

    data = load_lareqa(shared / "data" / "xquad-r")
    answers = {q.qid: frozenset(q.answers.values()) for q in data.questions_in("train")}
    groups = groups_from_lareqa(data, "train")
    assert all(e.relevant == answers[g.qid] for g in groups for e in g.by_lang.values())
    assert all(e.positive_key in e.relevant for g in groups for e in g.by_lang.values())


def test_translations_of_one_english_sentence_are_relevant_to_each_other():
    from synth.retrieve.bitext import Bitext
    from synth.train.data import groups_from_bitext, text_key

    groups = groups_from_bitext(
        [
            Bitext("fra", ("Il pleut.", "Merci."), ("It rains.", "Thanks.")),
            Bitext("deu", ("Es regnet.", "Danke."), ("It rains.", "Thanks.")),
        ],
        seed=0,
    )
    rain = {text_key(t) for t in ("Il pleut.", "Es regnet.", "It rains.")}
    assert groups[0].by_lang["fra"].relevant == rain == groups[2].by_lang["eng"].relevant
    assert text_key("Danke.") not in groups[0].by_lang["fra"].relevant
