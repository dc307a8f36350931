"""Finding requests by words of a name: the desk's way, over ``requests.search_names``.

A store reads its requests with the same SQL whatever the database; only the search for
words of a name differs. The desk's SQLite looks for each folded word in ``search_names``;
a store over central brings its own search (``Store.name_search``, set where central's store
is made: central.queue), which reaches the same column through central's trigram index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, and_

from tawasul_desktop.storage.models import Request

# Words already folded (domain.arabic_fold) → the condition that each is in a name.
NameSearch = Callable[[Sequence[str]], ColumnElement[bool]]


def like_patterns(words: Sequence[str]) -> list[str]:
    """LIKE patterns for each word anywhere, longest (most selective) first."""
    escaped = (w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
               for w in sorted(words, key=len, reverse=True))
    return [f"%{w}%" for w in escaped]


def words_in_names(words: Sequence[str]) -> ColumnElement[bool]:
    """The desk's name search: every word somewhere in the request's ``search_names``."""
    return and_(*[Request.search_names.contains(w, autoescape=True) for w in words])


__all__ = ["NameSearch", "like_patterns", "words_in_names"]
