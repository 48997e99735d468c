"""The command line: usage, data previews, the data benchmark, unknown commands."""

from __future__ import annotations

import json

from tinyvid.__main__ import main


def test_usage_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "sample" in out and "bench" in out


def test_unknown_command_is_an_error(capsys):
    assert main(["fly"]) == 2
    assert "unknown command 'fly'" in capsys.readouterr().err


def test_data_command_writes_a_gif(tmp_path, capsys):
    out = tmp_path / "v.gif"
    assert main(["data", "-n", "2", "--digits", "7", "--direction", "up", "-o", str(out)]) == 0
    assert out.exists() and "a 7 moving up" in capsys.readouterr().out


def test_bench_data_prints_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    main(["bench", "data", "--videos", "64", "--batch", "32", "--json", str(out)])
    assert "videos/s" in capsys.readouterr().out
    figures = json.loads(out.read_text())
    assert figures["results"]["one digit"]["videos_per_s"] > 0 and figures["machine"]["cpu_cores"] >= 1


def test_unknown_benchmark(capsys):
    assert main(["bench", "warp"]) == 2
    assert "available" in capsys.readouterr().err
