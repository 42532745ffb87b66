"""Configuration: layers, selection, and exact errors."""

import pytest

from media_check.config import ConfigError, load_config
from media_check.report import Severity


def write(tmp_path, text, name="media-check.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_use_the_procore_profile(tmp_path):
    cfg = load_config(discover_from=tmp_path)
    assert cfg.profile == "procore"
    assert cfg.options["image-dimensions"]["max-width"] == 1920
    assert "blank-screen" in cfg.enabled


def test_project_file_overrides_profile(tmp_path):
    path = write(tmp_path, '[rules.image-dimensions]\nmax-width = 2560\nseverity = "warn"\n')
    cfg = load_config(path)
    assert cfg.options["image-dimensions"]["max-width"] == 2560
    assert cfg.severities["image-dimensions"] is Severity.WARN


def test_pyproject_table_is_found(tmp_path):
    write(tmp_path, '[tool.media-check]\nfail-on = "warn"\n', "pyproject.toml")
    sub = tmp_path / "listing"
    sub.mkdir()
    cfg = load_config(discover_from=sub)
    assert cfg.fail_on is Severity.WARN


def test_rule_by_code_in_config(tmp_path):
    cfg = load_config(write(tmp_path, "[rules.MC304]\ntolerance = 0.5\n"))
    assert cfg.options["aspect-ratio"]["tolerance"] == 0.5


@pytest.mark.parametrize("text, message", [
    ("[rules.blank-screen]\nx = 1\n", "unknown option 'x' for rule 'blank-screen'"),
    ("[rules.no-such-rule]\nx = 1\n", "unknown rule 'no-such-rule'"),
    ("colour = 'red'\n", "unknown option 'colour'"),
    ("[rules.aspect-ratio]\ntolerance = 'wide'\n", "option 'tolerance' for rule 'aspect-ratio' must be a number"),
    ("[rules.too-few-screenshots]\nmin-count = 2.5\n", "must be a whole number"),
    ("[rules.aspect-ratio]\nseverity = 'fatal'\n", "severity of rule 'aspect-ratio' must be 'warn' or 'fail'"),
    ("fail-on = 'never'\n", "fail-on must be 'warn' or 'fail'"),
    ("jobs = 'many'\n", "option 'jobs' has the wrong type"),
    ("this is not toml", "invalid TOML"),
])
def test_exact_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_select_by_prefix_and_ignore_by_name(tmp_path):
    cfg = load_config(discover_from=tmp_path, select=["MC3"], ignore=["aspect-ratio"])
    assert set(cfg.enabled) == {"unreadable-asset", "image-format", "image-dimensions", "too-few-screenshots"}


def test_unreadable_asset_cannot_be_ignored(tmp_path):
    cfg = load_config(discover_from=tmp_path, ignore=["MC301"])
    assert "unreadable-asset" in cfg.enabled


def test_unknown_selection_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown rule, code or prefix 'MC9'"):
        load_config(discover_from=tmp_path, select=["MC9"])


def test_unknown_profile(tmp_path):
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        load_config(discover_from=tmp_path, profile="nope")


def test_profile_from_a_file(tmp_path):
    path = write(tmp_path, 'name = "mine"\n[rules.too-few-screenshots]\nmin-count = 5\n', "mine.toml")
    cfg = load_config(discover_from=tmp_path, profile=str(path))
    assert cfg.profile == "mine" and cfg.options["too-few-screenshots"]["min-count"] == 5


def test_fingerprint_changes_with_policy(tmp_path):
    a = load_config(discover_from=tmp_path)
    b = load_config(discover_from=tmp_path, fail_on="warn")
    assert a.fingerprint() != b.fingerprint()
