"""YAML files read piece by piece, so that a piece parsed before is not parsed again.

A large fleet keeps its inventory in a few large files (a `kubectl get -o yaml` export of
1,000 Clusters, a thousand policies one after another), and an edit touches one object
in them. Such a file is cut where libyaml starts afresh:

- before each `---` line (a document start: libyaml ends any block or plain scalar there
  and refuses it inside a quoted one, so no document runs across it);
- in a document that is a `v1 List` whose `items:` is its last key, before each `- ` line
  of that list, when every other line of the list is blank, a comment or indented by two
  spaces: then no token of an item sits in the first two columns, and libyaml reads the
  item alone exactly as it reads it in the list (its indentation levels are the same).

Each piece is parsed alone, with its own line table shifted to where it starts. The
pieces stand for the whole file only when each parses alone and the limits of the whole
(values, depth) hold; otherwise, and for any text where a cut could mislead (directives,
`...` lines, line breaks other than `\\n`, a byte order mark), the file is parsed whole,
which also words any error. So the documents, their lines and every error are those of
parsing the whole file.

`PieceCache` keeps each parsed piece as JSON under the sha256 of its text; a piece is
decoded afresh for every use, so nothing a caller changes leaks into the next use.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hubless.documents import (
    MAX_DEPTH,
    MAX_NODES,
    Document,
    JSONValue,
    Lines,
    parse_documents,
    parse_text,
)
from hubless.errors import Source

# Line starts, each found after the "\n" before it (a pattern anchored with ^ in multiline
# mode tries every position): a document start, the `items:` line, an item of the list.
_DOCUMENT_START = re.compile(r"\n---(?=[ \t\n]|\Z)")
_ITEMS = "\nitems:\n"
_ITEM = re.compile(r"\n- ")
# In the list: an item's first line, an indented line, a comment or a blank line.
_NOT_IN_ITEMS = re.compile(r"\n(?!- |  |#|[ \t]*(?:\n|\Z))")
# Directives and document ends change how what follows is read; other line breaks would
# count lines differently from "\n"; a byte order mark is only skipped at the start.
_UNCUTTABLE_LINES = ("%", "...")
_UNCUTTABLE = ("\r", "\x85", "\u2028", "\u2029", "\ufeff")


def is_list(data: Any) -> bool:
    """A `v1 List` (what `kubectl get -o yaml` exports), whose items are objects each."""
    return (
        isinstance(data, dict)
        and data.get("apiVersion") == "v1"
        and data.get("kind") == "List"
        and isinstance(data.get("items"), list)
    )


class _Shifted(Mapping[Any, int]):
    """One container's lines (a map's by key, a list's by index), moved down `offset`."""

    __slots__ = ("_inner", "_offset")

    def __init__(self, inner: dict[Any, int] | list[int], offset: int) -> None:
        self._inner = inner
        self._offset = offset

    def __getitem__(self, key: Any) -> int:
        inner = self._inner
        if isinstance(inner, list):
            if isinstance(key, int) and 0 <= key < len(inner):
                return inner[key] + self._offset
            raise KeyError(key)
        return inner[key] + self._offset

    def __iter__(self) -> Iterator[Any]:
        return iter(range(len(self._inner)) if isinstance(self._inner, list) else self._inner)

    def __len__(self) -> int:
        return len(self._inner)


class _PieceLines(Mapping[int, Mapping[Any, int]]):
    """A piece's line table. It holds its containers, so that no id it knows is reused."""

    __slots__ = ("_containers", "_index", "_offset")

    def __init__(self, containers: list[Any], inners: list[Any], offset: int) -> None:
        self._containers = containers
        self._index = {
            id(container): inner
            for container, inner in zip(containers, inners, strict=True)
            if inner is not None
        }
        self._offset = offset

    def __getitem__(self, key: int) -> Mapping[Any, int]:
        inner = self._index[key]
        if not self._offset and isinstance(inner, dict):
            return inner
        return _Shifted(inner, self._offset)

    def __iter__(self) -> Iterator[int]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def _containers(roots: list[Any]) -> list[Any]:
    """Every map and list under `roots`, in one fixed order (the cache's line tables are
    stored in it)."""
    found: list[Any] = []
    stack = [root for root in reversed(roots) if type(root) is dict or type(root) is list]
    while stack:
        node = stack.pop()
        found.append(node)
        children = node.values() if type(node) is dict else node
        stack.extend([c for c in children if type(c) is dict or type(c) is list])
    return found


@dataclass
class _Piece:
    """A text parsed alone: its documents (data, first line) and lines, counted from 1."""

    documents: list[tuple[JSONValue, int]]
    containers: list[Any]
    inners: list[Any]  # per container: {key: line} for a map, [line, ...] for a list
    nodes: int
    depth: int

    def lines(self, offset: int) -> Lines:
        return _PieceLines(self.containers, self.inners, offset)


def _parsed(text: str) -> _Piece | None:
    """`text` parsed alone, or None when it does not parse alone."""
    try:
        parsed = parse_text(text, "")
    except Exception:  # the whole file is parsed next, and fails or succeeds on its own
        return None
    containers = _containers([data for data, _ in parsed.documents])
    inners: list[Any] = []
    for container in containers:
        table = parsed.lines.get(id(container))
        if table is not None and type(container) is list:
            inners.append([table[index] for index in range(len(container))])
        else:
            inners.append(table)  # None for the copy of an alias: no lines, as in the whole
    return _Piece(parsed.documents, containers, inners, parsed.nodes, parsed.depth)


def _encoded(piece: _Piece) -> str | None:
    """The piece as one line of JSON; None when it cannot be stored exactly (a container
    in two places would come back as two)."""
    if len({id(c) for c in piece.containers}) != len(piece.containers):
        return None
    documents = [[data, line] for data, line in piece.documents]
    return json.dumps([piece.nodes, piece.depth, documents, piece.inners], separators=(",", ":"))


_INNER_TYPES = {dict, list, type(None)}


def _decoded(text: str) -> _Piece | None:
    try:
        nodes, depth, documents, inners = json.loads(text)
        found = [(data, int(line)) for data, line in documents]
        containers = _containers([data for data, _ in found])
        if len(containers) != len(inners) or not set(map(type, inners)) <= _INNER_TYPES:
            return None
        return _Piece(found, containers, inners, int(nodes), int(depth))
    except (ValueError, TypeError):
        return None


def _parsed_and_encoded(text: str) -> tuple[_Piece | None, str | None]:
    """`text` parsed alone, and as the cache keeps it (None: not parsed, or not kept)."""
    piece = _parsed(text)
    return piece, _encoded(piece) if piece is not None else None


def piece_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class PieceCache:
    """Parsed pieces as JSON, by the sha256 of their text. `stored` is what an earlier run
    kept; `used` is what this one used or parsed, which is what it keeps."""

    def __init__(self, stored: Mapping[str, str] | None = None) -> None:
        self._stored: Mapping[str, str] = stored if stored is not None else {}
        self.used: dict[str, str] = {}
        self.parsed = 0  # pieces this run had to parse
        # Pieces parsed ahead in this process, each handed out once as it is (after that,
        # decoded afresh like any other).
        self._ahead: dict[str, _Piece] = {}

    def changed(self) -> bool:
        """Whether what this run keeps differs from what it found."""
        return self.used.keys() != self._stored.keys()

    def knows(self, key: str) -> bool:
        """Whether the piece whose text has this key was kept or used."""
        return key in self.used or key in self._stored

    def known(self, text: str) -> _Piece | None:
        """The piece of `text` if it was parsed before."""
        key = piece_key(text)
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            return ahead
        encoded = self.used.get(key) or self._stored.get(key)
        if encoded is None:
            return None
        piece = _decoded(encoded)
        if piece is not None:
            self.used[key] = encoded
        return piece

    def piece(self, text: str) -> _Piece | None:
        """The piece of `text`, parsed unless known; None when it does not parse alone."""
        piece = self.known(text)
        if piece is not None:
            return piece
        self.parsed += 1
        piece, encoded = _parsed_and_encoded(text)
        if encoded is not None:
            self.used[piece_key(text)] = encoded
        return piece

    def _parse_ahead(self, texts: Iterable[str]) -> None:
        """Parse `texts` here, to be handed out as they are at their first use."""
        for text in texts:
            self.parsed += 1
            piece, encoded = _parsed_and_encoded(text)
            if piece is not None and encoded is not None:
                key = piece_key(text)
                self.used[key] = encoded
                self._ahead[key] = piece

    def _take(self, encoded: Mapping[str, str], parsed: int) -> None:
        """Pieces another process parsed (`parsed` of them), as JSON by key."""
        self.used.update(encoded)
        self.parsed += parsed


def _wanted(text: str) -> Iterator[str]:
    """The pieces reading `text` parses when none is known (see `_pieces`)."""
    if not _cuttable(text):
        yield text
        return
    for chunk, _ in _chunks(text):
        starts = _item_starts(chunk)
        if not starts:
            yield chunk
            continue
        yield chunk[: starts[0]]
        for begin, end in zip(starts, [*starts[1:], len(chunk)], strict=True):
            yield chunk[begin:end]


# Parsing ahead in a second process pays from this many characters of unknown pieces (a
# thousand Cluster objects); below it, the fork costs more than it saves.
AHEAD_CHARACTERS = 1_000_000

# The pieces the forked process parses, set only in the parent just before it forks.
_THEIRS: list[str] = []


def _parse_theirs() -> tuple[dict[str, str], int]:
    found = {}
    for text in _THEIRS:
        _, encoded = _parsed_and_encoded(text)
        if encoded is not None:
            found[piece_key(text)] = encoded
    return found, len(_THEIRS)


def parse_ahead(texts: Iterable[str], cache: PieceCache) -> None:
    """Parse the pieces of `texts` that `cache` does not know, half of them in a second
    process, so that reading the texts finds them known. What reading then returns is what
    it returns without this; it only comes sooner (on a machine with a second core)."""
    global _THEIRS
    texts = list(texts)
    if sum(map(len, texts)) < AHEAD_CHARACTERS:
        return  # too little even if nothing is known: not worth cutting and hashing it
    unknown: dict[str, str] = {}
    for text in texts:
        for piece in _wanted(text):
            key = piece_key(piece)
            if not cache.knows(key):
                unknown.setdefault(key, piece)
    pieces = list(unknown.values())
    if sum(map(len, pieces)) < AHEAD_CHARACTERS:
        return
    from hubless.workers import can_fork, forked_pool

    if not can_fork():
        return
    from concurrent.futures.process import BrokenProcessPool

    # Alternate pieces: neighbours are alike in size, so each half is about half the work.
    mine, _THEIRS = pieces[0::2], pieces[1::2]
    try:
        with forked_pool(1) as pool:
            theirs = pool.submit(_parse_theirs)
            cache._parse_ahead(mine)
            found, parsed = theirs.result()
    except (OSError, BrokenProcessPool):
        return  # no second process after all: what is left is parsed as it is read
    finally:
        _THEIRS = []
    cache._take(found, parsed)


def _unpacked(documents: list[Document], path: str) -> list[Document]:
    """The documents, a `v1 List` replaced by its items, each at its line."""
    found = []
    for document in documents:
        if not is_list(document.data):
            found.append(document)
            continue
        items = document.data["items"]
        for index, item in enumerate(items):
            line = document.line_of(items, index)
            found.append(Document(item, Source(path, line), document.lines))
    return found


@dataclass
class _Read:
    objects: list[Document]
    nodes: int


def _whole_piece(offset: int, path: str, piece: _Piece | None) -> _Read | None:
    if piece is None:
        return None
    lines = piece.lines(offset)
    documents = [
        Document(data, Source(path, line + offset), lines) for data, line in piece.documents
    ]
    return _Read(_unpacked(documents, path), piece.nodes)


def _item_starts(chunk: str) -> list[int]:
    """Where each item of the chunk's list starts, when the chunk can be cut into its
    `items:` head and its items (see the module's comment); else none."""
    rest = _after_items_line(chunk)
    # The patterns look from the "\n" that ends the `items:` line.
    if rest is None or _NOT_IN_ITEMS.search(chunk, rest - 1) is not None:
        return []
    return [match.start() + 1 for match in _ITEM.finditer(chunk, rest - 1)]


def _list_items(
    chunk: str, starts: list[int], offset: int, path: str, cache: PieceCache
) -> _Read | None:
    """The items of a `v1 List` chunk, starting at `starts`, each parsed alone; None when
    that cannot stand for parsing the chunk whole."""
    head = cache.piece(chunk[: starts[0]])
    if head is None or len(head.documents) != 1:
        return None
    data, _ = head.documents[0]
    if not isinstance(data, dict) or "items" not in data or data["items"] is not None:
        return None
    if data.get("apiVersion") != "v1" or data.get("kind") != "List":
        return None
    # The whole counts the list and its items where the head counts an empty value, and
    # the items one level deeper than alone.
    nodes = head.nodes
    objects = []
    line = offset + chunk.count("\n", 0, starts[0])
    for begin, end in zip(starts, [*starts[1:], len(chunk)], strict=True):
        text = chunk[begin:end]
        item = cache.piece(text)
        if item is None or len(item.documents) != 1 or item.depth + 1 > MAX_DEPTH:
            return None
        wrapper, _ = item.documents[0]
        if not isinstance(wrapper, list) or len(wrapper) != 1:
            return None
        lines = item.lines(line)
        where = lines.get(id(wrapper), {}).get(0)
        if where is None:
            return None
        objects.append(Document(wrapper[0], Source(path, where), lines))
        nodes += item.nodes - 1
        line += text.count("\n")
    return _Read(objects, nodes)


def _after_items_line(chunk: str) -> int | None:
    """Where the chunk's first `items:` line ends, if it has one."""
    if chunk.startswith(_ITEMS[1:]):
        return len(_ITEMS) - 1
    found = chunk.find(_ITEMS)
    return found + len(_ITEMS) if found >= 0 else None


def _chunk(chunk: str, offset: int, path: str, cache: PieceCache) -> _Read | None:
    starts = _item_starts(chunk)
    if starts:
        known = cache.known(chunk)
        if known is not None:
            return _whole_piece(offset, path, known)
        items = _list_items(chunk, starts, offset, path, cache)
        if items is not None:
            return items
    return _whole_piece(offset, path, cache.piece(chunk))


def _cuttable(text: str) -> bool:
    return not (
        text.startswith(_UNCUTTABLE_LINES)
        or any(f"\n{start}" in text for start in _UNCUTTABLE_LINES)
        or any(character in text for character in _UNCUTTABLE)
    )


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """(chunk, lines before it): the text cut before each document start line."""
    starts = [match.start() + 1 for match in _DOCUMENT_START.finditer(text)]
    line = 0
    for begin, end in zip([0, *starts], [*starts, len(text)], strict=True):
        if begin < end:
            yield text[begin:end], line
            line += text.count("\n", begin, end)


def _pieces(text: str, path: str, cache: PieceCache) -> _Read | None:
    if not _cuttable(text):
        return _whole_piece(0, path, cache.piece(text))
    objects: list[Document] = []
    nodes = 0
    for chunk, offset in _chunks(text):
        read = _chunk(chunk, offset, path, cache)
        if read is None:
            return None
        objects.extend(read.objects)
        nodes += read.nodes
    return _Read(objects, nodes)


def read_objects(text: str, path: str, cache: PieceCache | None = None) -> list[Document]:
    """The objects of a YAML file: its non-empty documents, a `v1 List` replaced by its
    items. A syntax error raises a UserError at its line. With `cache`, pieces parsed
    before are not parsed again (the result is the same)."""
    if cache is not None:
        read = _pieces(text, path, cache)
        if read is not None and read.nodes <= MAX_NODES:
            return read.objects
    return _unpacked(parse_documents(text, path, track_lines=True), path)
