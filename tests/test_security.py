"""Nobody gets in: no path escapes its root, no subprocess goes through a shell, FFmpeg opens local files only,
hostile names and metadata never reach a report raw."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT, SHARED
from media_check.limits import Limits
from media_check.paths import UnsafePath, open_regular, safe_join
from media_check.safe_video import CAPTURE_OPTIONS, VideoRefused, ffmpeg_capture, open_video

PACKAGE = ROOT / "media_check"


# --- safe_join: paths written in listing files -----------------------------------------------------------------

@pytest.fixture
def listing_root(tmp_path) -> Path:
    root = tmp_path / "listing"
    (root / "screens").mkdir(parents=True)
    (root / "screens" / "01.png").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "screens" / "out-link.png").symlink_to(tmp_path / "secret.txt")
    (root / "linked-out").symlink_to(tmp_path)
    (root / "in-link.png").symlink_to(root / "screens" / "01.png")
    return root


@pytest.mark.parametrize("relative", ["screens/01.png", "./screens/01.png", "screens\\01.png", "in-link.png",
                                      "screens/not-yet-there.png"])
def test_safe_join_accepts_paths_inside(listing_root, relative):
    joined = safe_join(listing_root, relative)
    assert joined.is_relative_to(listing_root.resolve())


@pytest.mark.parametrize("relative, reason", [
    ("../secret.txt", "climbs out"),
    ("screens/../../secret.txt", "climbs out"),
    ("..\\secret.txt", "climbs out"),
    ("/etc/passwd", "absolute path"),
    ("C:\\Windows\\win.ini", "absolute path"),
    ("//server/share/x.png", "absolute path"),
    ("file:///etc/passwd", "URL"),
    ("https://example.com/x.png", "URL"),
    ("data:image/png;base64,AAAA", "URL"),
    ("screens/01.png\x00.txt", "NUL"),
    ("", "empty"),
    ("screens/out-link.png", "outside the listing folder through a symbolic link"),
    ("linked-out/secret.txt", "outside the listing folder through a symbolic link"),
])
def test_safe_join_refuses_escapes(listing_root, relative, reason):
    with pytest.raises(UnsafePath, match=reason):
        safe_join(listing_root, relative)


def test_open_regular_refuses_special_files(tmp_path):
    os.mkfifo(tmp_path / "fifo.png")
    with pytest.raises(OSError, match="named pipe"):
        open_regular(tmp_path / "fifo.png")  # returns at once: never blocks waiting for a writer
    with pytest.raises(OSError, match="device"):
        open_regular("/dev/zero")  # would otherwise stream forever
    with pytest.raises(OSError, match="folder"):
        open_regular(tmp_path)


# --- the scan never leaves its roots ---------------------------------------------------------------------------

def test_scan_does_not_follow_links_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (1280, 720), "red").save(outside / "private.png")
    root = tmp_path / "listing"
    root.mkdir()
    Image.new("RGB", (1280, 720), "white").save(root / "ok.png")
    (root / "passwd.png").symlink_to("/etc/passwd")
    (root / "private.png").symlink_to(outside / "private.png")
    (root / "outside-folder").symlink_to(outside)
    result = subprocess.run([sys.executable, "-m", "media_check", "scan", str(root), "-f", "json", "--cache-dir",
                             str(tmp_path / "cache"), "--no-progress", "--allow-missing-ocr"],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    by_name = {Path(a["path"]).name: a for a in report["assets"]}
    assert set(by_name) == {"ok.png", "passwd.png", "private.png"}
    for name in ("passwd.png", "private.png"):
        assert by_name[name]["status"] == "error"
        assert by_name[name]["sha256"] in ("", None)  # never read, not even hashed
        assert "leads outside the scanned folder" in by_name[name]["findings"][0]["message"]
    assert "root:" not in result.stdout


# --- subprocesses: argument lists only -------------------------------------------------------------------------

def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            yield owner, name, node


def test_no_shell_anywhere_in_the_package():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for owner, name, node in _calls(tree):
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if (owner, name) in {("os", "system"), ("os", "popen"), ("os", "spawnlp"), ("os", "execlp")}:
                problems.append(f"{where}: os.{name}")
            if owner == "subprocess" or name in ("Popen", "run", "call", "check_output", "check_call"):
                for keyword in node.keywords:
                    if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                       and keyword.value.value is False):
                        problems.append(f"{where}: shell=")
                if owner == "subprocess" and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                    problems.append(f"{where}: command given as a string")
    assert problems == []


def test_the_shell_check_can_fail():
    tree = ast.parse("import subprocess, os\nsubprocess.run('ls', shell=True)\nos.system('ls')\n")
    found = {(owner, name) for owner, name, _ in _calls(tree)}
    assert ("subprocess", "run") in found and ("os", "system") in found


# --- FFmpeg opens local files only -----------------------------------------------------------------------------

def _connections_while(open_capture) -> int:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(3)
    port = server.getsockname()[1]
    hits: list[int] = []

    def accept() -> None:
        try:
            conn, _ = server.accept()
            hits.append(1)
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    open_capture(f"http://127.0.0.1:{port}/preview.mp4")
    thread.join()
    server.close()
    return len(hits)


def test_ffmpeg_protocol_allow_list_blocks_the_network(monkeypatch):
    import cv2

    monkeypatch.delenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", raising=False)
    assert _connections_while(lambda url: cv2.VideoCapture(url, cv2.CAP_FFMPEG).release()) == 1  # the danger
    monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", CAPTURE_OPTIONS)
    assert _connections_while(lambda url: cv2.VideoCapture(url, cv2.CAP_FFMPEG).release()) == 0
    monkeypatch.delenv("OPENCV_FFMPEG_CAPTURE_OPTIONS")
    assert _connections_while(lambda url: ffmpeg_capture(url).release()) == 0  # the helper sets it itself


def test_open_video_refuses_what_is_not_a_local_video(tmp_path):
    playlist = tmp_path / "preview.mp4"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/seg.ts\n")
    with pytest.raises(VideoRefused, match="not an MP4, MOV or WebM video"):
        with open_video(playlist, Limits()):
            pass
    os.mkfifo(tmp_path / "pipe.mp4")
    with pytest.raises(VideoRefused, match="named pipe"):
        with open_video(tmp_path / "pipe.mp4", Limits()):
            pass


@pytest.mark.parametrize("name, problem", [
    ("libwebm_invalid_vp9_bitstream-bug_1416.webm", "impossible properties"),
    ("gomp4_sample_truncated4096.mp4", "cannot be opened"),
])
def test_open_video_validates_reported_properties(name, problem):
    with pytest.raises(VideoRefused, match=problem):
        with open_video(SHARED / "badinputs" / name, Limits()):
            pass


def test_open_video_accepts_a_real_video():
    import cv2

    with open_video(SHARED / "badinputs" / "mp4parse_white.mp4", Limits()) as capture:
        ok, frame = capture.read()
    assert ok and frame.shape == (240, 320, 3)
    assert cv2  # imported lazily by the helper too


# --- hostile names and metadata in reports ---------------------------------------------------------------------

def test_hostile_file_names_and_metadata_do_not_reach_the_report_raw(tmp_path):
    root = tmp_path / "listing"
    root.mkdir()
    Image.new("RGB", (1280, 720), "white").save(root / "evil\x1b]0;owned\x07\x1b[2J.png")
    (root / "php.jpg").write_bytes((SHARED / "badinputs" / "fuzzdb_POC_phpinfo-metadata.jpg").read_bytes())
    for fmt in ("json", "text"):
        result = subprocess.run([sys.executable, "-m", "media_check", "scan", str(root), "-f", fmt, "--cache-dir",
                                 str(tmp_path / "cache"), "--no-progress", "--allow-missing-ocr"],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode in (0, 1), result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "<?php" not in result.stdout  # EXIF text is never copied into a report
        assert "evil\\x1b]0;owned\\x07\\x1b[2J.png" in result.stdout.replace("\\\\", "\\")
