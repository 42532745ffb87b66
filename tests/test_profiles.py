"""Each marketplace profile on crafted analyses and listing files: its figures, and nothing of Procore's it lacks."""

import pytest
import yaml

from media_check.analysis import Analysis
from media_check.config import ConfigError, available_profiles, load_config
from media_check.judge import judge_asset, judge_listing
from media_check.listing import load_listing
from media_check.preview import judge_video
from media_check.rules.base import ListingAsset

PROFILES = ["procore", "apple-app-store", "google-play", "shopify", "atlassian"]
CONTENT = {"grey_std": 50.0, "dominant_grey_fraction": 0.4, "word_count": 120.0}


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cfg")
    return {name: load_config(profile=name, discover_from=folder) for name in PROFILES}


def shot(w, h, fmt="png", alpha=False, size=500_000):
    return Analysis(sha256="0" * 64, kind="screenshot", format=fmt, width=w, height=h, has_alpha=alpha,
                    file_bytes=size, features=dict(CONTENT))


def spec_findings(cfg, analysis):
    return sorted(f.name for f in judge_asset("s.png", analysis, cfg).findings if f.code.startswith("MC3"))


def count_findings(cfg, n):
    members = [ListingAsset(f"l/{i}.png", shot(100, 100)) for i in range(n)]
    result, _ = judge_listing("l", members, cfg)
    return sorted(f.name for f in result.findings)


def test_every_shipped_profile_loads():
    assert set(PROFILES) <= set(available_profiles())


# (profile, analysis, expected spec findings)
SPEC_CASES = [
    ("procore", shot(1920, 1080), []),
    ("procore", shot(1920, 1080, alpha=True), []),                   # Procore does not refuse transparency
    ("procore", shot(2560, 1440), ["image-dimensions"]),
    ("procore", shot(1920, 1080, size=20_000_000), []),              # no per-file size figure
    ("apple-app-store", shot(1290, 2796), []),
    ("apple-app-store", shot(2796, 1290), []),                       # landscape of an accepted size
    ("apple-app-store", shot(2048, 2732, fmt="jpeg"), []),
    ("apple-app-store", shot(1920, 1080), ["screenshot-size"]),
    ("apple-app-store", shot(1290, 2796, alpha=True), ["alpha-channel"]),
    ("apple-app-store", shot(1290, 2796, fmt="webp"), ["image-format"]),
    ("google-play", shot(1080, 1920, fmt="jpeg"), []),
    ("google-play", shot(3840, 1920), []),                           # exactly 2:1 and 3840 wide
    ("google-play", shot(1000, 2100), ["aspect-ratio-range"]),
    ("google-play", shot(300, 600), ["image-dimensions"]),
    ("google-play", shot(4000, 2250), ["image-dimensions"]),
    ("google-play", shot(1080, 1920, alpha=True), ["alpha-channel"]),
    ("google-play", shot(1080, 1920, size=8_500_000), ["file-size"]),
    ("shopify", shot(1600, 900), []),
    ("shopify", shot(1920, 1080), ["screenshot-size"]),
    ("shopify", shot(900, 1600), ["screenshot-size"]),                # landscape only
    ("atlassian", shot(1840, 900), []),
    ("atlassian", shot(1920, 1080), ["screenshot-size"]),
]


@pytest.mark.parametrize("profile, analysis, expected", SPEC_CASES,
                         ids=[f"{p}-{a.width}x{a.height}-{i}" for i, (p, a, _) in enumerate(SPEC_CASES)])
def test_screenshot_spec(configs, profile, analysis, expected):
    assert spec_findings(configs[profile], analysis) == expected


@pytest.mark.parametrize("profile, n, expected", [
    ("procore", 2, ["too-few-screenshots"]),
    ("procore", 30, []),                                  # no maximum
    ("apple-app-store", 1, []),
    ("apple-app-store", 11, ["too-many-screenshots"]),
    ("google-play", 1, ["too-few-screenshots"]),
    ("google-play", 8, []),
    ("google-play", 9, ["too-many-screenshots"]),
    ("shopify", 2, ["too-few-screenshots"]),
    ("shopify", 6, []),
    ("shopify", 7, ["too-many-screenshots"]),
    ("atlassian", 1, []),
])
def test_screenshot_counts(configs, profile, n, expected):
    assert count_findings(configs[profile], n) == expected


def metadata(cfg, tmp_path, **fields):
    summary = ("Site Diary Sync copies every daily log from the field into your accounting system each night, so "
               "job-cost reports match what happened on site without retyping. Cost codes are mapped once per "
               "company, and each synced log links back to its project.")
    data = {"name": "Site Diary Sync", "tagline": "Daily logs to your ERP", "summary": summary,
            "support_policy": "Email", "escalation_policy": "Phone", "version": "1", "last_updated": "2024-01-01",
            "pricing": {"model": "paid"}, "support_url": "https://help.sitediary.com"}
    data.update(fields)
    (tmp_path / "listing.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    listing = load_listing(tmp_path / "listing.yaml")
    result, _ = judge_listing("l", [], cfg, {"listing": listing})
    return sorted(f.name for f in result.findings if f.code.startswith("MC4") and f.name != "logo-size")


LONG_TAGLINE = "Keep every site diary in step with your accounting system, nightly, hands-free, for each project"


@pytest.mark.parametrize("profile, fields, expected", [
    ("procore", {"name": "Procore Diary", "category": "Field Productivity"}, ["owner-name-in-name"]),
    ("procore", {"name": "D" * 35, "category": "Field Productivity"}, ["name-length"]),
    ("procore", {"name": "Site Diary", "category": "Productivity"}, ["unknown-category"]),
    ("apple-app-store", {"name": "D" * 31, "category": "Productivity"}, ["name-too-long"]),  # one hard limit
    ("apple-app-store", {"name": "Apple Orchard Diary", "category": "Business"}, ["owner-name-in-name"]),
    ("apple-app-store", {"name": "Site Diary", "category": "Field Productivity"}, ["unknown-category"]),
    ("apple-app-store", {"name": "Site Diary™", "category": "Business", "tagline": LONG_TAGLINE[:60]}, []),
    ("google-play", {"name": "Best Site Diary", "category": "Productivity"}, ["banned-words-in-name"]),
    ("google-play", {"name": "Site Diary", "tagline": "Install now!", "category": "Business"},
     ["banned-words-in-name"]),
    ("google-play", {"name": "Site Diary", "tagline": LONG_TAGLINE[:81], "category": "Tools"}, ["text-length"]),
    ("google-play", {"name": "Site Diary 🚧", "category": "Tools"}, ["name-special-characters"]),
    ("google-play", {"name": "Diary for Google Drive", "category": "Tools"}, []),
    ("shopify", {"name": "Shopify Diary", "category": "Store management"}, ["owner-name-in-name"]),
    ("shopify", {"name": "Site Diary", "category": "Store management"}, []),   # any category, but one is needed
    ("shopify", {"name": "Site Diary"}, ["unknown-category"]),
    ("atlassian", {"name": "Site Diary Plugin for Jira", "category": "Project management"},
     ["banned-words-in-name"]),
    ("atlassian", {"name": "Approvals for Jira", "category": "Project management"}, []),  # not the word 'app'
    ("atlassian", {"name": "Atlassian Diary", "category": "Project management"}, ["owner-name-in-name"]),
    ("atlassian", {"name": "D" * 60, "category": "Project management"}, []),
    ("atlassian", {"name": "D" * 61, "category": "Project management"}, ["name-too-long"]),
])
def test_metadata(configs, tmp_path, profile, fields, expected):
    assert metadata(configs[profile], tmp_path, **fields) == expected


def video(duration, w=1280, h=720, fmt="mp4"):
    return Analysis(sha256="0" * 64, kind="video", format=fmt, width=w, height=h, duration=duration, fps=30.0)


@pytest.mark.parametrize("profile, analysis, expected", [
    ("procore", video(45), []),
    ("procore", video(20), ["video-duration"]),
    ("procore", video(45, 854, 480), ["video-resolution"]),
    ("apple-app-store", video(20, 886, 1920), []),
    ("apple-app-store", video(45, 886, 1920), ["video-duration"]),
    ("google-play", video(200, 640, 360, fmt="webm"), []),   # Play links a YouTube video: no file figures
    ("shopify", video(5, 640, 360), []),
    ("atlassian", video(5, 640, 360), []),
])
def test_video_figures(configs, profile, analysis, expected):
    assert sorted(f.name for f in judge_video("v.mp4", analysis, configs[profile]).findings) == expected


def test_logo_sizes(configs, tmp_path):
    (tmp_path / "logo.png").write_bytes(b"x")
    sizes = {"procore": 200, "apple-app-store": 1024, "google-play": 512, "shopify": 1200, "atlassian": 144}
    for profile, side in sizes.items():
        data = {"name": "Site Diary", "media": {"logo": {"path": "logo.png"}}}
        (tmp_path / "listing.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        listing = load_listing(tmp_path / "listing.yaml")
        for w, ok in ((side, True), (side + 1, False)):
            logo = ListingAsset("logo.png", Analysis(sha256="0" * 64, kind="logo", format="png", width=w, height=w))
            _, per_asset = judge_listing("l", [logo], configs[profile], {"listing": listing})
            assert ("logo.png" not in per_asset) is ok, (profile, w)


# --- a profile of your own ------------------------------------------------------------------------------------------

def test_user_profile_file_extends_a_shipped_one(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('extends = "procore"\nname = "acme"\ntitle = "ACME Marketplace"\n'
                    '[rules.owner-name-in-name]\nnames = ["ACME"]\n[rules.MC303]\nmax-width = 2560\n'
                    'max-height = 1440\n')
    cfg = load_config(profile=str(path), discover_from=tmp_path)
    assert cfg.profile == "acme" and cfg.profile_title == "ACME Marketplace"
    assert cfg.options["owner-name-in-name"]["names"] == ["ACME"]
    assert cfg.options["image-dimensions"] == {"min-width": 720, "min-height": 480, "max-width": 2560,
                                               "max-height": 1440}  # Procore's minimum, maximum overridden
    assert "alpha-channel" not in cfg.enabled                    # still off, as in Procore's
    assert spec_findings(cfg, shot(2560, 1440)) == []


def test_user_profile_without_extends_starts_from_rule_defaults(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[rules.name-too-long]\nmax-length = 20\n')
    cfg = load_config(profile=str(path), discover_from=tmp_path)
    assert cfg.profile == "mine" and cfg.options["name-too-long"]["max-length"] == 20


@pytest.mark.parametrize("text, error", [
    ('extends = "nope"\n', "unknown profile 'nope'"),
    ('extends = 3\n', "'extends' must be a profile name"),
    ('owner = "x"\ncategories = []\n', "unknown key 'categories'"),
    ('[rules.name-too-long]\nmax-length = "thirty"\n', "must be a whole number"),
    ('[rules.screenshot-size]\nsizes = "1600x900"\n', "must be a list"),
])
def test_profile_mistakes_are_reported_exactly(tmp_path, text, error):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=error):
        load_config(profile=str(path), discover_from=tmp_path)


def test_profiles_extending_each_other_in_a_loop(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="loop"):
        load_config(profile=str(tmp_path / "a.toml"), discover_from=tmp_path)


def test_a_prefix_does_not_turn_on_what_the_profile_turned_off(tmp_path):
    cfg = load_config(discover_from=tmp_path, select=["MC3"])
    assert "alpha-channel" not in cfg.enabled and "image-format" in cfg.enabled
    cfg = load_config(discover_from=tmp_path, select=["MC3", "alpha-channel"])
    assert "alpha-channel" in cfg.enabled
