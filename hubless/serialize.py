"""Plain Python objects -> YAML text that every consumer reads back identically.

The output is read by go-yaml v2 (kubectl, Argo CD, Flux: YAML 1.1 rules, where ``y``,
``on`` and ``0644`` are not strings) and by YAML 1.2 tools (ruamel.yaml, yq). A string is
written plain only when every one of those readers would give back the same string; else
it is quoted. Multi-line strings are literal blocks when that is exact. Key order is the
input's; sequences sit at their key's indent, as kubectl prints them.

A small purpose-built emitter rather than a general one: ruamel.yaml's emitters decide
quoting by YAML 1.2 alone and would leave ``on`` or ``y`` bare, which go-yaml reads as a
boolean; and the output is byte-stable by construction.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

from hubless.documents import resolve_plain

# YAML 1.1 (and 1.2 core) implicit types, besides what go-yaml's resolver already rejects.
_YAML11_AMBIGUOUS = re.compile(
    r"""(?x)
      (?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)
    | [-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
    | [-+]?[0-9_]+  # ruamel.yaml's int pattern: `_` and `-_` too (which it then fails on)
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    | [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    | [-+]?[0-9][0-9_]*(?:[eE][-+]?[0-9]+)
    | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
    | ~|null|Null|NULL | <<|=
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t].*)?
    """
)
_PLAIN_FIRST_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@` ")


def _yaml_printable(ch: str) -> bool:
    code = ord(ch)
    # NEL, LS and PS are line breaks to YAML 1.1 readers: always escaped.
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ) and code not in (0xFEFF, 0x2028, 0x2029)


def _is_plain_safe(text: str) -> bool:
    if not text or text[-1] in " :":
        return False
    # `--flag` may start plain: "-" followed by a non-space is not an indicator.
    flag_like = text[0] == "-" and len(text) > 1 and text[1] not in " \t" and text[:3] != "---"
    if text[0] in _PLAIN_FIRST_FORBIDDEN and not flag_like:
        return False
    if not text.isprintable() or ": " in text or " #" in text:
        return False
    if _YAML11_AMBIGUOUS.fullmatch(text):
        return False
    return isinstance(resolve_plain(text), str)


def _double_quoted(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    if all(_yaml_printable(ch) for ch in encoded):
        return encoded
    out = []
    for ch in encoded:
        if _yaml_printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


@functools.lru_cache(maxsize=1 << 16)
def _inline_string(text: str) -> str:
    # Cached: the same values recur in every cluster's copy of an object.
    if _is_plain_safe(text):
        return text
    if text.isprintable() and all(_yaml_printable(ch) for ch in text):
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _literal_block(text: str, indent: int) -> str | None:
    """`|` block for a multi-line string, or None when a block would not be exact."""
    if "\n" not in text or "\r" in text:
        return None
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
        chomp = "+" if text.endswith("\n\n") else ""
    else:
        chomp = "-"
    first_content = next((line for line in lines if line), None)
    if first_content is None:
        return None
    for line in lines:
        if line != line.rstrip(" \t") or not all(
            ch == "\t" or (ch.isprintable() and _yaml_printable(ch)) for ch in line
        ):
            return None
    indicator = "2" if first_content[0] == " " else ""
    pad = " " * indent
    body = "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
    return f"|{indicator}{chomp}\n{body}"


@functools.lru_cache(maxsize=1 << 16)
def _string(value: str, indent: int) -> str:
    block = _literal_block(value, indent)
    if block is not None:
        return block
    return _inline_string(value) + "\n"


def _scalar(value: Any, indent: int) -> str:
    """A scalar as it follows `key: ` or `- `; block scalars include their newline."""
    if isinstance(value, str):
        return _string(value, indent)
    if value is None:
        return "null\n"
    if value is True:
        return "true\n"
    if value is False:
        return "false\n"
    if isinstance(value, int):
        return f"{value}\n"
    if isinstance(value, float):
        return _float(value) + "\n"
    if isinstance(value, dict):
        return "{}\n"
    if isinstance(value, list):
        return "[]\n"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent:
        sign = exponent[0] if exponent[0] in "+-" else "+"
        exponent = sign + exponent.lstrip("+-")
        return f"{mantissa}e{exponent}"
    return mantissa


def _key(key: str) -> str:
    return _inline_string(key)


def _write_mapping(mapping: dict[str, Any], indent: int, out: list[str], inline: bool) -> None:
    pad = " " * indent
    first = True
    for key, value in mapping.items():
        out.append(pad if not (inline and first) else "")
        first = False
        out.append(_key(key))
        out.append(":")
        if isinstance(value, dict) and value:
            out.append("\n")
            _write_mapping(value, indent + 2, out, inline=False)
        elif isinstance(value, list) and value:
            out.append("\n")
            _write_sequence(value, indent, out, inline=False)
        else:
            out.append(" ")
            out.append(_scalar(value, indent + 2))


def _write_sequence(items: list[Any], indent: int, out: list[str], inline: bool) -> None:
    pad = " " * indent
    for index, item in enumerate(items):
        out.append("- " if inline and index == 0 else pad + "- ")
        if isinstance(item, dict) and item:
            _write_mapping(item, indent + 2, out, inline=True)
        elif isinstance(item, list) and item:
            _write_sequence(item, indent + 2, out, inline=True)
        else:
            out.append(_scalar(item, indent + 2))


def dump(document: Any) -> str:
    """One YAML document, no `---` marker, ending in a newline."""
    out: list[str] = []
    if isinstance(document, dict) and document:
        _write_mapping(document, 0, out, inline=False)
    elif isinstance(document, list) and document:
        _write_sequence(document, 0, out, inline=False)
    else:
        out.append(_scalar(document, 2))
    return "".join(out)
