"""The loaders keep locations, and turn every way a file can be bad into one SourceError."""

import pytest

from ssot_audit.sources import SourceError, SourceMissing
from ssot_audit.sources.jsonl import load_jsonl
from ssot_audit.sources.markdown import parse
from ssot_audit.sources.sshconfig import load_ssh_config
from ssot_audit.sources.structured import load_json, load_yaml


def test_yaml_lines_point_at_keys_and_items(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\ntargets:\n  - name: a\n    enabled: true\n  - name: b\n    glob: |\n      x\n")
    doc = load_yaml(path, "spine/b.yaml")
    assert doc.line("targets", 0, "enabled") == 4
    assert doc.line("targets", 1) == 5
    assert doc.line("targets", 1, "glob") == 6
    assert doc.line("targets", 9, "missing") == 2  # nearest located ancestor


def test_json_lines_come_from_the_yaml_composer(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{\n  "health_endpoints": [\n    {"service": "a"},\n    {"service": "b"}\n  ]\n}\n')
    assert load_json(path, "wb/m.json").line("health_endpoints", 1) == 4


def test_json_error_has_the_line(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{\n  "a": 1,\n  "b": ,\n}\n')
    with pytest.raises(SourceError) as info:
        load_json(path, "wb/m.json")
    assert info.value.line == 3 and str(info.value).startswith("wb/m.json:3: is not valid JSON")


def test_jsonl_records_keep_their_lines_and_bad_lines_are_named(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text('{"loop_id": "a"}\n\n{"id": "a", "action": "close"}\n')
    doc = load_jsonl(path, "l.jsonl")
    assert [doc.line(i) for i in range(2)] == [1, 3]
    path.write_text('{"loop_id": "a"}\n[1]\n')
    with pytest.raises(SourceError, match="holds a list") as info:
        load_jsonl(path, "l.jsonl")
    assert info.value.line == 2


@pytest.mark.parametrize(
    "content, says",
    [(b"", "is empty"), (b"a: 1\n\xff\n", "not valid UTF-8"), (b"a: [\n", "not valid YAML")],
    ids=["empty", "non-utf8", "malformed"],
)
def test_yaml_errors(tmp_path, content, says):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=says):
        load_yaml(path, "x.yaml")


def test_missing_file_is_its_own_error(tmp_path):
    with pytest.raises(SourceMissing):
        load_yaml(tmp_path / "nope.yaml", "nope.yaml")


def test_markdown_tables_fields_and_code_blocks():
    sections = parse(
        "# T\n> **Status:** open\n## Layer 1: Core\n- **Host:** pve (shop)\n```\n## not a heading\n```\n"
        "| Service | Status |\n|---|---|\n| Pi-hole | Migrated |\n"
    )
    assert [s.title for s in sections] == ["", "T", "Layer 1: Core"]
    assert sections[1].fields()["status"] == (2, "open")
    layer = sections[2]
    assert layer.fields()["host"] == (4, "pve (shop)")
    (table,) = layer.tables
    assert table.rows[0].line == 10 and table.rows[0].get("status") == "Migrated"


def test_ssh_config_resolves_like_ssh(tmp_path):
    path = tmp_path / "c.conf"
    path.write_text(
        "Host pve pve-shop\n  HostName 100.96.211.33\nHost *\n  User root\nHost infra-core\n  User ubuntu\n"
    )
    entries = {e["alias"]: e for e in load_ssh_config(path, "c.conf").data}
    assert entries["pve-shop"]["hostname"] == "100.96.211.33" and entries["pve"]["line"] == 1
    assert entries["infra-core"]["user"] == "root"  # first obtained value wins, as in ssh(1)
    assert "*" not in entries


@pytest.mark.parametrize(
    "line, key, value",
    [
        ("- **Host:** pve (shop R730XD)", "host", "pve (shop R730XD)"),
        ("- Host: pve", "host", "pve"),
        ("**Host**: pve", "host", "pve"),
        ("Host: pve", "host", "pve"),
        ("* **VM(s):** 209, 210", "vm(s)", "209, 210"),
        ("> **Status:** open", "status", "open"),
        ("__Loop__: LOOP-MEDIA-STACK-SPLIT-20260208", "loop", "LOOP-MEDIA-STACK-SPLIT-20260208"),
    ],
)
def test_markdown_field_styles(line, key, value):
    (section,) = parse(line + "\n")
    assert section.fields() == {key: (1, value)}


@pytest.mark.parametrize("line", ["| Host | pve |", "**Bold** text: not a field", "- **Host:**   "])
def test_markdown_lines_that_are_not_fields(line):
    (section,) = parse(line + "\n")
    assert section.fields() == {}
