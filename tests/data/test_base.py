"""ganzoo.data.base: helpers shared by the datamodules."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ganzoo.data.base import download_lock

# Each process logs "start", waits, then "end" inside fetch's load: without the lock the two would interleave.
LOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ganzoo.data.base import fetch
    log = Path(sys.argv[2])
    def load():
        with log.open("a") as f:
            f.write(sys.argv[3] + " start\\n")
        time.sleep(1.0)
        with log.open("a") as f:
            f.write(sys.argv[3] + " end\\n")
    fetch("test set", Path(sys.argv[1]), "unused", load)
""")


def test_processes_take_turns_on_one_root(tmp_path):
    root, log = tmp_path / "data", tmp_path / "log.txt"
    processes = [subprocess.Popen([sys.executable, "-c", LOADER, str(root), str(log), name]) for name in "ab"]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    lines = log.read_text().splitlines()
    assert len(lines) == 4
    assert lines[0].split()[0] == lines[1].split()[0] and lines[2].split()[0] == lines[3].split()[0], lines


def test_the_lock_names_the_resolved_root_outside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert download_lock(tmp_path / "data").lock_file == download_lock(tmp_path / "x" / ".." / "data").lock_file
    assert download_lock(tmp_path / "data").lock_file != download_lock(tmp_path / "other").lock_file
    assert not str(download_lock(tmp_path / "data").lock_file).startswith(str(tmp_path / "data"))
