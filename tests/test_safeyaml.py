"""The strict YAML loader (reportgen/safeyaml.py): plain values only, every key once, bounded
size and depth, every refusal a located problem and nothing constructed or run."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import inputs, safeyaml
from reportgen.errors import InputError
from tests.conftest import replace_line

COMPANIES = "inputs/companies.yaml"
SOURCES = "inputs/sources.yaml"


def refused(text: str) -> list[str]:
    """The located problems :func:`safeyaml.parse` raises for ``text``."""
    with pytest.raises(InputError) as raised:
        safeyaml.parse(text, "f.yaml")
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("a: &x [1, 2]\nb: *x\n", "f.yaml:2: not valid YAML: anchors and aliases",
                 id="alias"),
    pytest.param("a: !!python/object/apply:os.system ['echo hi']\n",
                 "f.yaml:1: not valid YAML: the tag 'tag:yaml.org,2002:python/object/apply:"
                 "os.system' is not accepted", id="python-tag"),
    pytest.param("a: !!set {x: null}\n", "the tag 'tag:yaml.org,2002:set' is not accepted",
                 id="set-tag"),
    pytest.param("base: {x: 1}\nother:\n  <<: {x: 2}\n", "f.yaml:3: not valid YAML: merge "
                 "keys (<<) are not accepted", id="merge-key"),
    pytest.param("a: 1\n---\nb: 2\n", "f.yaml:2: not valid YAML: a second YAML document",
                 id="second-document"),
    pytest.param("a: " + "[" * 40 + "]" * 40 + "\n",
                 f"f.yaml:1: not valid YAML: nested more than {safeyaml.MAX_DEPTH} levels deep",
                 id="too-deep"),
    pytest.param("a: " + "9" * 25 + "\n", "f.yaml:1: not valid YAML: an integer of 25 digits, "
                 f"at a: more than the {safeyaml.MAX_INT_DIGITS}", id="long-integer"),
    pytest.param("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml:4: b.c: the key 'c' appears twice in "
                 "one mapping, at lines 3 and 4", id="key-twice"),
    pytest.param("a: b\x1bc\n", "f.yaml:1: a: contains a control character, ESC (U+001B), "
                 "at column 5; remove it", id="raw-control-character"),
])
def test_each_refusal_is_one_located_problem(text: str, expected: str) -> None:
    [problem] = refused(text)
    assert expected in problem, problem


def test_plain_values_keep_their_types_and_every_key_its_line() -> None:
    document, lines = safeyaml.parse("a:\n  - 1\n  - {b: 2.5, c: null, d: true}\n", "f.yaml")
    assert document == {"a": [1, {"b": 2.5, "c": None, "d": True}]}
    assert (lines[("a",)], lines[("a", 0)], lines[("a", 1, "d")]) == (1, 2, 3)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100)
    with pytest.raises(InputError) as raised:
        safeyaml.read_file(path, "big.yaml", max_bytes=50)
    [problem] = raised.value.problems
    assert str(problem) == "big.yaml: 500 bytes is more than the 50 reportgen reads"


def test_latin1_is_refused_naming_the_line_and_byte() -> None:
    with pytest.raises(InputError) as raised:
        safeyaml.decode("a: 1\nb: é\n".encode("latin-1"), "f.yaml")
    [problem] = raised.value.problems
    assert str(problem).startswith("f.yaml:2: expected UTF-8 text (invalid continuation byte "
                                   "at byte 8)")


def test_a_byte_order_mark_is_not_part_of_the_text() -> None:
    assert safeyaml.decode(b"\xef\xbb\xbfa: 1\n", "f.yaml") == "a: 1\n"


# --- the inputs' YAML through inputs.read_raw -------------------------------------------


def test_yaml_syntax_error_names_the_file(project):
    replace_line(project / "inputs" / "sources.yaml",
                 "    publisher: dcpulse.com\n", "    publisher: [dcpulse.com\n")
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert problem.file == SOURCES
    assert problem.line is not None
    assert str(problem).startswith(f"{SOURCES}:{problem.line}: not valid YAML")
    assert SOURCES in str(caught.value)


def test_yaml_python_tag_is_refused_and_not_run(project, capfd):
    replace_line(project / "inputs" / "companies.yaml",
                 "  notes: Fiscal year ends 30 June.\n",
                 '  notes: !!python/object/apply:os.system ["echo hi"]\n')
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert problem.file == COMPANIES
    assert "not valid YAML" in str(problem)
    assert "python/object/apply:os.system" in str(problem)
    assert "hi" not in capfd.readouterr().out


def test_yaml_python_tag_in_sources_does_not_touch_the_disk(project, tmp_path):
    marker = tmp_path / "ran"
    replace_line(project / "inputs" / "sources.yaml",
                 "    publisher: dcpulse.com\n",
                 f'    publisher: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    assert [p.file for p in caught.value.problems] == [SOURCES]
    assert not marker.exists()


def test_an_impossible_unquoted_date_is_a_located_yaml_problem(project):
    replace_line(project / "inputs" / "sources.yaml", "    date: 2025-08-07\n",
                 "    date: 2025-02-30\n")
    line = project.joinpath(SOURCES).read_text().splitlines().index("    date: 2025-02-30") + 1
    with pytest.raises(InputError) as caught:
        inputs.read_raw(project / "inputs", project)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (SOURCES, line)
    assert "not valid YAML: '2025-02-30' is not a valid date or number" in problem.message
