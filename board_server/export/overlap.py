"""Weight-free text similarity: TF-IDF over stemmed words and character n-grams.

Nothing is loaded and nothing leaves the process. It finds notes that share words
or parts of words ("buses" and "bus", "matresses" and "mattresses"), but not
notes that say the same thing in other words ("lonely" and "cut off").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from board_server.export.words import content_words, stem

THRESHOLD = 0.35
"""Precision 0.67 on the labelled set; by 0.30, notes that share no more than
one word ("people", "park", "cut") join."""


def _features(text: str, sizes: Sequence[int]) -> tuple[Counter[str], Counter[str]]:
    """Counts of the text's stemmed words, and of its words' character n-grams."""
    kept = content_words(text)
    gram_counts: Counter[str] = Counter()
    for word in kept:
        padded = f" {word} "
        for size in sizes:
            gram_counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return Counter(stem(word) for word in kept), gram_counts


def _tfidf(counts: Sequence[Counter[str]]) -> npt.NDArray[np.float64]:
    """Rows of sublinear TF times smoothed IDF, each scaled to unit length."""
    vocabulary: dict[str, int] = {}
    for row in counts:
        for term in row:
            vocabulary.setdefault(term, len(vocabulary))
    matrix = np.zeros((len(counts), max(len(vocabulary), 1)))
    for i, row in enumerate(counts):
        for term, count in row.items():
            matrix[i, vocabulary[term]] = 1.0 + math.log(count)
    document_frequency = np.count_nonzero(matrix, axis=0)
    matrix *= np.log((1.0 + len(counts)) / (1.0 + document_frequency)) + 1.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: npt.NDArray[np.float64] = np.divide(
        matrix, norms, out=np.zeros_like(matrix), where=norms > 0
    )
    return unit


class WordOverlap:
    """Cosine similarity of TF-IDF vectors: half from stemmed words, half from
    the character 3- and 4-grams of the words, which forgive misspellings."""

    def __init__(
        self, threshold: float = THRESHOLD, *, word_weight: float = 0.5, fallback: bool = False
    ) -> None:
        self.threshold = threshold
        self.word_weight = word_weight
        self.fallback = fallback
        """Whether it stands in for the word-embedding model, which did not load."""

    @property
    def method(self) -> str:
        """How themes found with it were found, in one sentence for a report."""
        because = ", as the word-embedding model could not be loaded" if self.fallback else ""
        return (
            "Grouped because they share words or parts of words "
            f"(word-overlap similarity at least {self.threshold:.2f}){because}."
        )

    def matrix(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Pairwise similarities of the texts, between 0 and 1 (1 on the diagonal
        for any text with a word in it)."""
        features = [_features(text, (3, 4)) for text in texts]
        by_word = _tfidf([word_counts for word_counts, _ in features])
        by_gram = _tfidf([gram_counts for _, gram_counts in features])
        similarity: npt.NDArray[np.float64] = self.word_weight * (by_word @ by_word.T)
        similarity += (1.0 - self.word_weight) * (by_gram @ by_gram.T)
        return similarity
