"""media-check eval: manifest reading, scoring, and the command end to end on screens drawn here."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, app_screen, text_screen
from media_check.cli import app
from media_check.eval import ManifestError, read_manifest, score, score_baseline


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_corpus_manifest_labels_map_to_rules(tmp_path):
    manifest = write(tmp_path / "manifest.csv", "file,labels,repo\n"
                     "a.png,login+framed,r\nb.png,in_use+framed,r\nc.png,debug,r\nd.png,ad_creative+placeholder,r\n"
                     "pair_001_old.png,stale,r\ne.png,same_screen,r\nf.png,clean,r\ng.png,broken,r\nh.png,error,r\n")
    cases = {c.file: c for c in read_manifest(manifest)}
    assert set(cases) == {"a.png", "b.png", "c.png", "d.png", "f.png", "g.png", "h.png"}
    assert cases["a.png"].expected == {"login-screen"} and not cases["a.png"].negative
    assert cases["b.png"].expected == set() and cases["b.png"].negative
    assert cases["c.png"].expected == {"non-production"}
    assert cases["d.png"].expected == {"ad-banner", "placeholder-text"}
    assert cases["g.png"].expected == {"broken-template"} and cases["h.png"].expected == {"error-screen"}
    assert cases["a.png"].path == tmp_path / "a.png"


def test_expected_csv_shape_keeps_content_rules_only(tmp_path):
    manifest = write(tmp_path / "expected.csv", "file,expected_findings,notes\n"
                     "screens/a.png,login-screen,x\nscreens/b.png,image-dimensions+aspect-ratio,x\n"
                     "screens/c.png,,x\n")
    cases = {c.file: c for c in read_manifest(manifest)}
    assert cases["screens/a.png"].expected == {"login-screen"}
    assert cases["screens/b.png"].expected == set() and cases["screens/b.png"].negative


def test_unknown_labels_and_shapes_are_refused(tmp_path):
    with pytest.raises(ManifestError):
        read_manifest(write(tmp_path / "m.csv", "file,labels\na.png,lgoin\n"))
    with pytest.raises(ManifestError):
        read_manifest(write(tmp_path / "n.csv", "name,what\na.png,x\n"))


def test_score_counts_per_class_and_false_flags(tmp_path):
    manifest = write(tmp_path / "m.csv", "file,labels\n"
                     "1.png,login\n2.png,login\n3.png,in_use\n4.png,in_use\n5.png,splash\n")
    cases = read_manifest(manifest)
    predicted = {"1.png": {"login-screen"}, "2.png": set(), "3.png": {"login-screen"}, "4.png": {"image-format"},
                 "5.png": {"splash-screen", "blank-screen"}}
    result = score(cases, predicted)
    login = result.classes["login-screen"]
    assert (login.tp, login.fp, login.fn) == (1, 1, 1)
    assert login.precision == 0.5 and login.recall == 0.5 and login.f1 == 0.5
    assert result.classes["splash-screen"].recall == 1.0
    assert result.false_flags == ["3.png"] and result.false_flag_rate == 0.5   # spec findings do not count
    assert result.classes["ad-banner"].precision is None
    assert result.confusion["in_use"] == {"login-screen": 1, "none": 1}


def test_baseline_script_is_run_once_and_scored_like_the_tool(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"x")
    (folder / "b.png").write_bytes(b"y")
    counter = tmp_path / "runs.txt"
    script = write(tmp_path / "baseline.py", f"""import json, sys
from pathlib import Path
open({str(counter)!r}, "a").write("run\\n")
root = Path(sys.argv[1])
print(json.dumps({{"assets": [{{"path": str(root / "a.png"), "findings": [{{"name": "login-screen"}}]}},
                              {{"path": str(root / "b.png"), "findings": [{{"name": "login-screen"}}]}}]}}))
""")
    cases = read_manifest(write(folder / "manifest.csv", "file,labels\na.png,login\nb.png,in_use\n"))
    first = score_baseline(cases, script, folder, tmp_path / "cache")
    second = score_baseline(cases, script, folder, tmp_path / "cache")
    assert first.classes["login-screen"].precision == 0.5 and first.false_flag_rate == 1.0
    assert second.to_dict() == first.to_dict()
    assert counter.read_text().count("run") == 1


@pytest.mark.slow
def test_eval_command_end_to_end(tmp_path):
    """Screens drawn here, one deliberately mislabelled: the scores are exactly what the labels imply."""
    text_screen(["Lorem ipsum dolor sit amet, consectetur adipiscing elit,",
                 "sed do eiusmod tempor incididunt ut labore"]).save(tmp_path / "lorem.png")
    text_screen(["Something went wrong", "We could not load your projects. Please try again."],
                font_size=36).save(tmp_path / "error.png")
    app_screen(seed=1).save(tmp_path / "in-use.png")
    app_screen(seed=2).save(tmp_path / "mislabelled.png")
    write(tmp_path / "manifest.csv", "file,labels,repo\nlorem.png,placeholder,a\nerror.png,error,b\n"
          "in-use.png,in_use,c\nmislabelled.png,login,d\npair_001_old.png,stale,e\n")
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "manifest.csv"), "--format", "json",
                                      "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["images"] == 4 and data["negatives"] == 1
    assert data["classes"]["placeholder-text"] == {"support": 1, "tp": 1, "fp": 0, "fn": 0, "precision": 1.0,
                                                   "recall": 1.0, "f1": 1.0}
    assert data["classes"]["error-screen"]["recall"] == 1.0 and data["classes"]["error-screen"]["precision"] == 1.0
    assert data["classes"]["login-screen"]["recall"] == 0.0
    assert data["false_flag_rate"] == 0.0
    assert {"file": "mislabelled.png", "expected": ["login-screen"], "found": ["none"]} in data["wrong"]
    text = CliRunner().invoke(app, ["eval", str(tmp_path / "manifest.csv"), "--cache-dir", str(tmp_path / "cache")])
    assert "placeholder-text" in text.output and "false flags on in-use/clean screens: 0/1" in text.output


@pytest.mark.slow
def test_sample_media_expected_csv_is_readable_by_eval():
    cases = read_manifest(ROOT / "sample_media" / "expected.csv")
    assert cases and all(c.path.parent == ROOT / "sample_media" / "screens" for c in cases)
    assert any("login-screen" in c.expected for c in cases)
