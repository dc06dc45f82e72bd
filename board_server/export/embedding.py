"""Text similarity from WordLlama's static word embeddings, loaded from the package.

The wheel of ``wordllama`` carries its weights (``weights/l2_supercat_256.safetensors``)
and its tokenizer (``tokenizers/l2_supercat_tokenizer_config.json``). They are loaded
with downloads disabled and the package's own folder as the cache, so the loader
never looks at ``~/.cache`` or the network. The model is loaded at most once per
process, on first use; if it cannot be loaded, ``word_embedding()`` says why and
returns None, and the caller falls back to a weight-free method.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from board_server.export.words import content_words

logger = logging.getLogger("board.export")

MODEL = "l2_supercat"
DIMENSIONS = 256
THRESHOLD = 0.25
"""The middle of the range (0.23 to 0.27) where precision on the labelled set
stays above 0.8 and recall is highest; see tests/export/test_themes.py."""


class _Embedder(Protocol):
    def embed(self, texts: list[str], norm: bool = ...) -> Any: ...


class WordEmbedding:
    """Cosine similarity of averaged token embeddings (WordLlama l2_supercat, 256 dims)."""

    def __init__(self, model: _Embedder, threshold: float = THRESHOLD) -> None:
        self.model = model
        self.threshold = threshold

    @property
    def method(self) -> str:
        """How themes found with it were found, in one sentence for a report."""
        return (
            "Grouped because their words mean nearly the same "
            f"(word-embedding similarity at least {self.threshold:.2f})."
        )

    def matrix(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Pairwise cosine similarities of the texts' content words, lowercased
        (the tokenizer tells "Damp" from "damp", and staff write in title case)."""
        words = [" ".join(content_words(text)) or text.casefold() for text in texts]
        vectors = np.asarray(self.model.embed(words), np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        similarity: npt.NDArray[np.float64] = vectors @ vectors.T
        return similarity


def load_model() -> _Embedder:
    """Load WordLlama from the files inside the installed package, never downloading.

    Raises ImportError when the package is missing and OSError (FileNotFoundError)
    when its files are; other errors are the package's own."""
    wordllama = _import_wordllama()
    package = Path(wordllama.__file__).parent
    model: _Embedder = wordllama.WordLlama.load(
        config=MODEL, dim=DIMENSIONS, cache_dir=package, disable_download=True
    )
    return model


def _import_wordllama() -> Any:
    """The wordllama package, without the root log handler that its import adds
    through logging.basicConfig(): logging is set up in one place (logs.py)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import wordllama

    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return wordllama


class _Once:
    """The process's one attempt at loading the model, and its outcome."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tried = False
        self.model: _Embedder | None = None
        self.error = ""


_once = _Once()


def word_embedding() -> WordEmbedding | None:
    """The embedding similarity, loading the model on the first call only; None
    if it could not be loaded (``load_error()`` says why)."""
    with _once.lock:
        if not _once.tried:
            _once.tried = True
            started = time.perf_counter()
            try:
                _once.model = load_model()
            except ImportError as error:
                _once.error = f"wordllama is not installed ({error})"
                logger.warning("themes: %s; using word overlap instead", _once.error)
            except Exception as error:  # fail soft: a report without embeddings beats none
                _once.error = f"{type(error).__name__}: {error}"
                logger.warning(
                    "themes: the word-embedding model did not load (%s); using word overlap",
                    _once.error,
                    exc_info=True,
                )
            else:
                logger.info(
                    "themes: loaded the word-embedding model in %.0f ms",
                    1000 * (time.perf_counter() - started),
                )
    return None if _once.model is None else WordEmbedding(_once.model)


def load_error() -> str:
    """Why the model did not load, or "" if it did or was not tried yet."""
    return _once.error
