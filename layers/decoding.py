"""The text stages of reading an upload: gzip inflated in linear time, and JSON parsed strictly.

Both are bounded, because every uploaded byte is hostile until checked (see
:mod:`layers.formats`, which re-exports these names, for the whole pipeline):

- gzip is inflated in 1 MiB steps and refused past :data:`MAX_DECOMPRESSED_MB`, members
  included and at most :data:`MAX_GZIP_MEMBERS` of them, in time linear in the input;
- JSON is parsed strictly: UTF-8 only, no NaN/Infinity literals, no duplicate keys, no
  integers of more than :data:`MAX_INTEGER_DIGITS` digits, at most :data:`MAX_DEPTH`
  levels of nesting, and no more arrays, objects, strings and values than a file within
  the limits can hold, all counted in the text before it is parsed.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any, NoReturn

import numpy as np

from .problems import MAX_FEATURES, MAX_PROPERTIES, MAX_VERTICES

__all__ = [
    "CHUNK_BYTES",
    "MAX_DECOMPRESSED_MB",
    "MAX_DEPTH",
    "MAX_GZIP_MEMBERS",
    "MAX_INTEGER_DIGITS",
    "MAX_JSON_ARRAYS",
    "MAX_JSON_OBJECTS",
    "MAX_JSON_STRINGS",
    "MAX_JSON_VALUES",
    "UploadRefused",
    "gunzip",
    "nesting_depth",
    "parse_json",
]

_GZIP = b"\x1f\x8b"

#: A gzipped upload may inflate to at most this much; a bomb is refused with bounded memory.
MAX_DECOMPRESSED_MB = 50
#: Inflate step: memory in flight beyond the output itself.
CHUNK_BYTES = 1024 * 1024
#: Concatenated gzip members accepted: bgzip's 64 KB blocks give ~800 for the largest
#: upload; a million one-byte members are a denial of service, not a file.
MAX_GZIP_MEMBERS = 10_000
#: What JSON text within the limits can hold, counted before parsing
#: (:func:`_check_amplification`): arrays are positions plus rings, polygons and lists;
#: values are every number, text, list and object.
MAX_JSON_ARRAYS = MAX_VERTICES * 3 // 2 + 4 * MAX_FEATURES
MAX_JSON_OBJECTS = 200_000
MAX_JSON_STRINGS = 2 * MAX_FEATURES * MAX_PROPERTIES
MAX_JSON_VALUES = 3 * MAX_VERTICES + 2 * MAX_FEATURES * MAX_PROPERTIES
#: JSON nesting limit; a GeoJSON FeatureCollection of MultiPolygons needs 8.
MAX_DEPTH = 64
#: Longest integer literal accepted; CPython refuses more than 4,300 digits with an
#: internal message, and no coordinate or property needs more than this.
MAX_INTEGER_DIGITS = 30


class UploadRefused(Exception):
    """A stage refused the upload; the message, shown after ``File:``, is written for the editor.

    :func:`decode` turns it into an error in its problems; :func:`gunzip` and
    :func:`parse_json` raise it to their callers.
    """


def gunzip(raw: bytes | bytearray, limit_mb: int = MAX_DECOMPRESSED_MB) -> bytearray:
    """Inflate gzip data in linear time, refusing it past ``limit_mb`` of output.

    The input is fed to the inflater :data:`CHUNK_BYTES` at a time and each call's output
    is capped at :data:`CHUNK_BYTES` too, so memory stays within the limit plus a step
    whatever the compression ratio (a 500 KB file of zeros inflates to 500 MB), and the
    decompressed bytes are counted as they come. Concatenated gzip members, which
    ``gzip`` itself accepts, are read one after the other from an offset into the input,
    each fed in doubling steps from 64 bytes: the work per member is proportional to its
    size, so a file of a million tiny members is linear too (the old loop copied the rest
    of the input for each member and each step, quadratic: 19 MB took 815 s).

    Raises
    ------
    UploadRefused
        When the data inflates past the limit, is corrupt or is truncated.
    """
    limit = limit_mb * 1024 * 1024
    output = bytearray()
    view = memoryview(raw)
    offset = 0
    members = 0
    while offset < len(view):
        members += 1
        if members > MAX_GZIP_MEMBERS:
            raise UploadRefused(
                f"is made of more than {MAX_GZIP_MEMBERS:,} gzip members (streams joined end to end); "
                "decompress it and compress it again as one stream (gzip FILE)."
            )
        if bytes(view[offset : offset + 2]) != _GZIP:
            raise UploadRefused(
                "has data after the end of the gzip stream; compress the GeoJSON again and re-upload it."
            )
        # 16 + MAX_WBITS: expect a gzip header and trailer, not a bare zlib stream.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        # Input steps start small and double: a member of m bytes is fed at most ~2m
        # bytes, so the copy zlib makes of what follows its end (``unused_data``) is
        # bounded by the member's own size.
        size = 64
        try:
            while not inflater.eof:
                if offset >= len(view):
                    break
                step = view[offset : offset + size]
                size = min(size * 2, CHUNK_BYTES)
                offset += len(step)
                pending: bytes | memoryview = step
                while pending and not inflater.eof:
                    chunk = inflater.decompress(pending, CHUNK_BYTES)
                    # At most one step of input is ever pending: copying it is linear overall.
                    pending = inflater.unconsumed_tail
                    output += chunk
                    if len(output) > limit:
                        raise UploadRefused(
                            f"inflates to more than {limit_mb} MB, the limit for compressed uploads; it was "
                            "refused without being decompressed further. Split it or simplify it."
                        )
                    if not chunk and not pending:
                        break
                if inflater.eof:
                    # Give back the input read past this member's end (at most one step).
                    offset -= len(inflater.unused_data)
        except zlib.error:
            raise UploadRefused(
                "is not a valid gzip file (it is damaged); compress the GeoJSON again and re-upload it."
            ) from None
        if not inflater.eof:
            raise UploadRefused("is a truncated gzip file (it ends early); upload the complete file.")
    # The bytearray itself, not a bytes copy: a payload near the limit is not doubled.
    return output


#: A JSON string, escapes included; written unrolled so that long strings do not backtrack.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = np.frombuffer(b"[{", dtype=np.uint8)


def nesting_depth(raw: bytes | bytearray, unquoted: bytes | None = None) -> int:
    """The deepest nesting of arrays and objects in JSON text, without parsing it.

    Strings are cut out (brackets inside them do not count; ``unquoted`` is the text
    with them cut out already, if the caller has it), the rest is reduced to its
    brackets, and the running depth is summed in :data:`CHUNK_BYTES` pieces so that
    memory stays bounded for a file that is nothing but brackets.
    """
    if unquoted is None:
        unquoted = _JSON_STRING.sub(b"", raw)
    skeleton = np.frombuffer(unquoted.translate(None, _NOT_BRACKET), dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, len(skeleton), CHUNK_BYTES):
        piece = skeleton[start : start + CHUNK_BYTES]
        levels = np.cumsum(np.where(np.isin(piece, _OPENING), 1, -1).astype(np.int32)) + depth
        deepest = max(deepest, int(levels.max()))
        depth = int(levels[-1])
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        shown = ", ".join(repr(k[:40]) for k in duplicated[:5])
        raise UploadRefused(
            f"has a duplicate key {shown} in one object; parsers disagree about which one wins, so the file "
            "was rejected. Remove one of them."
        )
    return dict(pairs)


def _reject_constant(name: str) -> NoReturn:
    raise UploadRefused(
        f"{name} is not valid JSON (RFC 8259): write null or a number; check the export settings of the tool "
        "that produced the file."
    )


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise UploadRefused(
            f"holds a number with {digits:,} digits ({text[:16]}...); no coordinate or value needs more than "
            f"{MAX_INTEGER_DIGITS}. Check the tool that wrote the file."
        )
    return int(text)


def _json_reason(error: json.JSONDecodeError, text: str) -> str:
    if error.msg == "Extra data":
        return "unexpected content after the end of the JSON document"
    if error.pos >= len(text.rstrip()):
        return "the file ends too early (is it truncated?)"
    return error.msg[0].lower() + error.msg[1:]


def _check_amplification(unquoted: bytes, strings: int) -> None:
    """Refuse JSON text that would take far more memory parsed than as text.

    Parsed, a two-number position ``[0,0]`` (6 bytes) is a list and two numbers, about
    100 bytes of Python objects: 50 MB of such text would need 1.5 GB. So the arrays,
    objects, strings and values are counted in the text (strings cut out, a comma or an
    opening bracket per value) and compared with what a file within the limits of
    :mod:`layers.problems` can hold, before anything is parsed.
    """
    counts = {
        "arrays": (unquoted.count(b"["), MAX_JSON_ARRAYS, "positions, rings and lists"),
        "objects": (unquoted.count(b"{"), MAX_JSON_OBJECTS, "features, geometries and properties"),
        "strings": (strings, MAX_JSON_STRINGS, "keys and text values"),
        "values": (
            unquoted.count(b",") + unquoted.count(b"[") + unquoted.count(b"{"),
            MAX_JSON_VALUES,
            "numbers, texts, lists and objects",
        ),
    }
    for name, (count, limit, what) in counts.items():
        if count > limit:
            raise UploadRefused(
                f"holds about {count:,} JSON {name} ({what}), more than the {limit:,} that a file within "
                f"the limits ({MAX_FEATURES:,} features, {MAX_VERTICES:,} positions, {MAX_PROPERTIES} "
                "properties a feature) can hold; it was refused before being parsed. Split it by date or "
                "area, or simplify its geometry."
            )


def parse_json(raw: bytes | bytearray) -> object:
    """Parse JSON text strictly (the one JSON parser of the project's upload path).

    Parameters
    ----------
    raw : bytes
        UTF-8 JSON text, without a byte-order mark.

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    UploadRefused
        With a message naming the rule and, where the parser gives one, the line and column.
    """
    unquoted, strings = _JSON_STRING.subn(b"", raw)
    _check_amplification(unquoted, strings)
    if nesting_depth(raw, unquoted) > MAX_DEPTH:
        raise UploadRefused(
            f"is nested too deeply: arrays or objects more than {MAX_DEPTH} levels deep, where valid GeoJSON "
            "needs about 8. The file was rejected without being processed."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(
            f"is not UTF-8 (first bad byte at offset {exc.start}: 0x{raw[exc.start]:02X}); GeoJSON must be "
            "UTF-8 (RFC 8259). Re-save it as UTF-8."
        ) from None
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_int=_parse_int
        )
    except json.JSONDecodeError as exc:
        raise UploadRefused(
            f"is not valid JSON at line {exc.lineno}, column {exc.colno}: {_json_reason(exc, text)}."
        ) from None
    except RecursionError:
        # Unreachable after the depth scan; kept so that no parser internals can leak.
        raise UploadRefused(f"is nested too deeply (more than {MAX_DEPTH} levels).") from None
