"""The manifest's one check of whether an output is current (:func:`manifest.intact`),
which build and send both use."""

import hashlib

from reportgen import keys, manifest


def test_intact_says_why_a_file_is_not_trusted(tmp_path):
    (tmp_path / "WULF.pdf").write_bytes(b"pdf")
    sha = hashlib.sha256(b"pdf").hexdigest()
    entries = {"WULF.pdf": {"key": "k1", "sha256": sha}}
    assert manifest.intact(tmp_path, entries, ["WULF.pdf"], "k1") is None
    assert manifest.intact(tmp_path, entries, ["WULF.html"], "k1") == "WULF.html not built yet"
    assert manifest.intact(tmp_path, entries, ["WULF.pdf"], "k2") == keys.CHANGED
    assert manifest.intact(tmp_path, entries, ["WULF.pdf"], "k2", lambda: "facts changed") == (
        "facts changed")
    (tmp_path / "WULF.pdf").write_bytes(b"pdf, edited")
    assert manifest.intact(tmp_path, entries, ["WULF.pdf"], "k1") == (
        "WULF.pdf was modified or damaged on disk")
