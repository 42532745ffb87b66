"""Discovery: stable order, listings per folder, special files never opened, links never followed out of a root,
unreadable folders reported, file names made printable."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from PIL import Image

from media_check.discover import DiscoverError, discover


def png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), "white").save(path, format="PNG")
    return path


def names(refs) -> list[str]:
    return [os.path.relpath(r.display, r.listing) if r.listing else r.display for r in refs]


def test_stable_order_listings_and_hidden_files(tmp_path):
    png(tmp_path / "b" / "2.png")
    png(tmp_path / "b" / "1.png")
    png(tmp_path / "a.png")
    png(tmp_path / ".hidden.png")
    png(tmp_path / ".git" / "x.png")
    (tmp_path / "notes.txt").write_text("hello")
    refs, skipped = discover([tmp_path])
    assert [Path(r.display).relative_to(tmp_path).as_posix() for r in refs] == ["a.png", "b/1.png", "b/2.png"]
    assert {r.listing for r in refs} == {str(tmp_path), str(tmp_path / "b")}
    assert [s.reason for s in skipped] == ["not a media file"]


def test_media_recognised_by_bytes_whatever_the_name(tmp_path):
    png(tmp_path / "screenshot_final")  # no extension
    (tmp_path / "shot.fits").write_bytes(b"SIMPLE  =                    T" + b" " * 50)  # a picture format
    (tmp_path / "readme.md").write_text("# not media")
    refs, skipped = discover([tmp_path])
    assert sorted(Path(r.display).name for r in refs) == ["screenshot_final", "shot.fits"]
    assert [Path(s.display).name for s in skipped] == ["readme.md"]


def test_a_fifo_is_never_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    os.mkfifo(tmp_path / "pipe-no-extension")
    result: list = []
    thread = threading.Thread(target=lambda: result.append(discover([tmp_path])), daemon=True)
    thread.start()
    thread.join(10)
    assert result, "discover blocked on a FIFO"
    refs, skipped = result[0]
    assert [(Path(r.display).name, r.escape) for r in refs] == [
        ("pipe.png", "is a named pipe (FIFO), not a regular file; not read")]
    assert [(Path(s.display).name, s.reason) for s in skipped] == [("pipe-no-extension", "not a media file")]


def test_a_folder_named_like_an_image_is_walked_not_read(tmp_path):
    png(tmp_path / "x.png" / "inner.png")
    refs, _ = discover([tmp_path])
    assert [Path(r.display).relative_to(tmp_path).as_posix() for r in refs] == ["x.png/inner.png"]


def test_links_out_of_the_root_and_loops_are_refused(tmp_path):
    outside = png(tmp_path / "outside" / "secret.png")
    root = tmp_path / "listing"
    png(root / "real.png")
    (root / "out.png").symlink_to(outside)
    (root / "in.png").symlink_to(root / "real.png")
    (root / "loop1.png").symlink_to(root / "loop2.png")
    (root / "loop2.png").symlink_to(root / "loop1.png")
    (root / "dangling.png").symlink_to(root / "missing.png")
    (root / "linked-folder").symlink_to(outside.parent)
    (root / "self").symlink_to(root)
    refs, _ = discover([root])
    by_name = {Path(r.display).name: r.escape for r in refs}
    assert by_name == {
        "dangling.png": "broken or looping symbolic link; not followed",
        "in.png": None,
        "loop1.png": "broken or looping symbolic link; not followed",
        "loop2.png": "broken or looping symbolic link; not followed",
        "out.png": "symbolic link leads outside the scanned folder; not followed",
        "real.png": None,
    }


def test_missing_input_is_a_usage_error(tmp_path):
    with pytest.raises(DiscoverError, match="no such file or folder"):
        discover([tmp_path / "nope"])


def test_control_characters_and_undecodable_bytes_in_names_are_escaped(tmp_path):
    png(tmp_path / "evil\x1b[31mred\nline.png")
    png(Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.png"))))
    refs, _ = discover([tmp_path])
    shown = sorted(Path(r.display).name for r in refs)
    assert shown == ["caf\\xe9.png", "evil\\x1b[31mred\\x0aline.png"]
    assert all(r.path.exists() for r in refs)  # the real path is kept for reading


def test_unreadable_folder_is_reported_not_dropped():
    """Root can list any folder, so the walk runs in a forked child that dropped to 'nobody'."""
    assert os.geteuid() == 0, "this suite runs as root (CI does)"
    base = Path(tempfile.mkdtemp(prefix="media-check-walk-", dir="/tmp"))
    try:
        base.chmod(0o755)
        png(base / "ok.png")
        png(base / "locked" / "hidden.png")
        (base / "locked").chmod(0o700)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                refs, skipped = discover([base])
                text = repr(([Path(r.display).name for r in refs], [(Path(s.display).name, s.reason)
                                                                    for s in skipped]))
            except BaseException as exc:  # noqa: BLE001
                text = f"CRASH {exc!r}"
            os.write(write_end, text.encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            outcome = pipe.read()
        os.waitpid(pid, 0)
        assert outcome == repr((["ok.png"], [("locked", "folder cannot be read: Permission denied")]))
    finally:
        shutil.rmtree(base)
