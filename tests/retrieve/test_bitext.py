"""Tatoeba bitext: reading the pair files, and nearest-neighbour accuracy both directions."""

from __future__ import annotations

import numpy as np
import pytest

from synth.core.errors import NotFoundError
from synth.retrieve.bitext import load_bitext, nearest_accuracy, tatoeba_languages


def _write(root, lang, own, english):
    (root / f"tatoeba.{lang}-eng.{lang}").write_text("\n".join(own) + "\n", encoding="utf-8")
    (root / f"tatoeba.{lang}-eng.eng").write_text("\n".join(english) + "\n", encoding="utf-8")


def test_pairs_are_read_line_by_line_and_empty_lines_drop_the_pair(tmp_path):
    _write(tmp_path, "fra", ["Bonjour.", "", "Merci."], ["Hello.", "Nothing.", "Thanks."])
    _write(tmp_path, "deu", ["Hallo."], ["Hello."])
    assert tatoeba_languages(tmp_path) == ["deu", "fra"]
    bitext = load_bitext(tmp_path, "fra")
    assert bitext.sentences == ("Bonjour.", "Merci.") and bitext.english == ("Hello.", "Thanks.")


def test_files_of_different_lengths_or_a_missing_language_are_errors(tmp_path):
    _write(tmp_path, "fra", ["Bonjour.", "Merci."], ["Hello."])
    with pytest.raises(NotFoundError, match="2 lines"):
        load_bitext(tmp_path, "fra")
    with pytest.raises(NotFoundError, match="'xxx'"):
        load_bitext(tmp_path, "xxx")


def test_accuracy_counts_rows_whose_nearest_translation_is_their_own():
    own = np.eye(4, dtype=np.float32)
    english = np.eye(4, dtype=np.float32)[[0, 1, 3, 2]]  # rows 2 and 3 swapped
    assert nearest_accuracy(own, english) == 0.5
    assert nearest_accuracy(own, own) == 1.0
    with pytest.raises(ValueError):
        nearest_accuracy(own, english[:3])
