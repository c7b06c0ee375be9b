"""The text stages: gzip inflated in linear time with a member cap; JSON that amplifies refused unparsed."""

from __future__ import annotations

import gzip
import json
import os
import zlib

import pytest

from layers import decoding
from layers.decoding import MAX_GZIP_MEMBERS, UploadRefused, gunzip, parse_json


def test_members_of_every_size_decode_like_gzip_does():
    payload = os.urandom(3 * 1024 * 1024)
    pieces = [payload[:10], payload[10:70_000], payload[70_000:], b"", b"end"]
    raw = b"".join(gzip.compress(piece, mtime=0) for piece in pieces)
    assert bytes(gunzip(raw)) == gzip.decompress(raw) == payload + b"end"


def test_bgzip_style_blocks_decode():
    """bgzip writes 64 KB blocks as members; a 20 MB upload has a few hundred."""
    text = json.dumps({"type": "FeatureCollection", "features": [], "pad": "x" * 3_000_000}).encode()
    blocks = [gzip.compress(text[i : i + 65_280], mtime=0) for i in range(0, len(text), 65_280)]
    assert len(blocks) > 40
    assert bytes(gunzip(b"".join(blocks))) == text


def test_the_member_cap_is_the_cap():
    member = gzip.compress(b" ", mtime=0)
    assert len(gunzip(member * MAX_GZIP_MEMBERS)) == MAX_GZIP_MEMBERS
    with pytest.raises(UploadRefused, match="more than 10,000 gzip members"):
        gunzip(member * (MAX_GZIP_MEMBERS + 1))


def test_work_per_member_is_bounded_by_its_own_size(monkeypatch):
    """Linear, counted rather than timed: the input bytes zlib is handed for a file of many
    tiny members after one large one stay proportional to the file (the old loop handed
    it the whole rest of the file for every member: quadratic)."""
    fed = []
    original = zlib.decompressobj

    class Counting:
        def __init__(self, wbits):
            self.inner = original(wbits)

        def decompress(self, data, max_length):
            fed.append(len(data))
            return self.inner.decompress(data, max_length)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(decoding.zlib, "decompressobj", Counting)
    raw = gzip.compress(os.urandom(2_000_000), mtime=0) + gzip.compress(b" ", mtime=0) * 5_000
    gunzip(raw)
    assert sum(fed) < 4 * len(raw), (sum(fed), len(raw))


def test_a_damaged_or_trailing_stream_is_refused():
    good = gzip.compress(b"{}", mtime=0)
    with pytest.raises(UploadRefused, match="truncated"):
        gunzip(good[:-6])
    with pytest.raises(UploadRefused, match="data after the end"):
        gunzip(good + b"junk")


@pytest.mark.parametrize(
    "text,kind",
    [
        (b"[" + b"[0,0]," * (decoding.MAX_JSON_ARRAYS + 1) + b"[0,0]]", "arrays"),
        (b"[" + b"{}," * (decoding.MAX_JSON_OBJECTS + 1) + b"{}]", "objects"),
        (b"[" + b'"a",' * (decoding.MAX_JSON_STRINGS + 1) + b'"a"]', "strings"),
        (b"[" + b"0," * (decoding.MAX_JSON_VALUES + 1) + b"0]", "values"),
    ],
    ids=["arrays", "objects", "strings", "values"],
)
def test_json_that_would_amplify_is_refused_before_parsing(text, kind, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(decoding.json, "loads", never)
    with pytest.raises(UploadRefused, match=f"JSON {kind}"):
        parse_json(text)


def test_brackets_and_commas_inside_strings_do_not_count():
    text = json.dumps({"note": "[0,0]," * 1_000_000}).encode()
    assert parse_json(text) == {"note": "[0,0]," * 1_000_000}
