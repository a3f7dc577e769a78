"""Output files and stdout at the edges: a closed stdout (`| head -1`) ends every command quietly with status 0
after writing every requested file, byte for byte as in a normal run; a file that cannot be written (full
disk, file-size limit) is one line naming it and exit 2, with any earlier version intact; flags are shown
as flags in the help; SIGTERM stops a command with status 143."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

import mapscope.api as api
from mapscope.cli import main
from mapscope.cli.support import Terminated, sigterm_as_interrupt

sys.path.insert(0, str(Path(__file__).parent / "explore"))
from explore_spaces import write_space  # noqa: E402

#: A small study (test_cli_flexsa.py's): about a second.
SMALL_STUDY = ["flexsa", "--model", "resnet56", "--epochs", "10", "--interval-epochs", "5", "--array", "16", "--batch", "2"]

#: Each command with every file it can write (names relative to the working folder) and extra arguments.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "analyze": (["--csv", "out/r.csv", "--json", "out/r.json"], ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe"]),
    "explore": (
        ["--json", "out/s.json", "--plot", "out/front.png", "--export", "out/designs.csv"],
        ["explore", "space.yaml", "--workers", "2", "--best", "40"],
    ),
    "flexsa": (["--json", "out/f.json", "--csv", "out/f.csv", "--plots", "out/plots"], SMALL_STUDY),
    "gemm": (["--json", "out/g.json"], ["gemm", "64", "48", "32", "--array", "8x8"]),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def reference_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Every command's files from a normal in-process run (stdout captured, never closed)."""
    outputs = {}
    for name, (files, arguments) in COMMANDS.items():
        folder = tmp_path_factory.mktemp(name)
        write_space(folder)
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            assert main([*arguments, *files]) == 0
        finally:
            os.chdir(cwd)
        outputs[name] = _files(folder / "out")
    return outputs


def _run_into_a_closed_pipe(arguments: list[str], cwd: Path, lines_read: int) -> tuple[int, bytes, str]:
    """Run the CLI with stdout into a pipe whose reader reads `lines_read` lines, then goes away.

    The pipe is shrunk to one page (Linux), so any output longer than that hits the closed pipe.
    """
    read_end, write_end = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    with (cwd / "stderr.txt").open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "mapscope.cli", *arguments], stdout=write_end, stderr=stderr, cwd=cwd)
    os.close(write_end)
    read = b""
    try:
        while read.count(b"\n") < lines_read:
            byte = os.read(read_end, 1)  # one byte at a time: leave the rest in the pipe
            if not byte:
                break
            read += byte
    finally:
        os.close(read_end)
        status = process.wait(timeout=300)
    return status, read, (cwd / "stderr.txt").read_text()


@pytest.mark.parametrize("lines_read", [0, 1], ids=["closed-at-once", "closed-after-one-line"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_closed_stdout_ends_quietly_after_every_file_is_written(
    command: str, lines_read: int, reference_outputs: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    files, arguments = COMMANDS[command]
    write_space(tmp_path)
    status, first_line, err = _run_into_a_closed_pipe([*arguments, *files], tmp_path, lines_read)
    assert (status, err) == (0, ""), err
    assert first_line.count(b"\n") == lines_read
    assert _files(tmp_path / "out") == reference_outputs[command]


# --- files that cannot be written --------------------------------------------------------------------------


#: The CLI in a process whose files may not grow past 4 KiB (writes beyond fail with EFBIG, as Python ignores
#: SIGXFSZ); set in the child itself, as a preexec_fn is unsafe in a threaded parent.
LIMITED_CLI = "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)); from mapscope.cli import main; sys.exit(main())"


def test_an_output_over_the_file_size_limit_is_one_line_and_the_old_file_stays(tmp_path: Path) -> None:
    old = tmp_path / "r.csv"
    old.write_text("an earlier result\n")
    process = subprocess.run(
        [sys.executable, "-c", LIMITED_CLI, "analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "-q", "--csv", str(old)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_one_line_error(process.returncode, process.stderr)
    assert f"{old}: cannot write the file: File too large" in process.stderr
    assert old.read_text() == "an earlier result\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.csv"]  # no temporary file left


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, already full but for an earlier result `old.txt`; skipped where mounting is not allowed."""
    folder = tmp_path / "full"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (folder / "old.txt").write_text("an earlier result\n")
        filler = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"\0" * 512):
                pass
        except OSError:  # full
            pass
        finally:
            os.close(filler)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(
    "arguments",
    [
        ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "-q", "--csv", "{old}"],
        ["analyze", "resnet50_kcp_ws", "--hw", "accelerator_256pe", "-q", "--json", "{old}"],
        ["explore", "{space}", "--workers", "1", "--json", "{old}"],
        ["explore", "{space}", "--workers", "1", "--plot", "{full}/front.png"],
        ["explore", "{space}", "--workers", "1", "--export", "{full}/designs.csv"],
        ["gemm", "64", "48", "32", "--array", "8x8", "--json", "{old}"],
        ["convert", "resnet50", "{full}/r.m", "--dataflow", "kcp_ws"],
        [*SMALL_STUDY, "--csv", "{old}"],
    ],
    ids=["analyze-csv", "analyze-json", "explore-json", "explore-plot", "explore-export", "gemm-json", "convert-m", "flexsa-csv"],
)
def test_a_full_disk_is_one_line_naming_the_file_and_exit_2(
    arguments: list[str], full_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = full_disk / "old.txt"
    space = write_space(tmp_path)
    filled = [argument.format(old=old, full=full_disk, space=space) for argument in arguments]
    status, _, err = run(filled, capsys)
    errors = [line for line in err.splitlines() if not line.startswith("note: ")]  # convert notes what it lowers
    assert_one_line_error(status, "\n".join(errors) + "\n")
    written = next(argument for argument in filled if argument.startswith(str(full_disk)))
    assert errors == [f"error: {written}: cannot write the file: No space left on device"]
    assert old.read_text() == "an earlier result\n"
    assert sorted(path.name for path in full_disk.iterdir()) == ["filler", "old.txt"]


# --- flags in the help --------------------------------------------------------------------------------------


def test_flags_are_shown_as_flags_in_every_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ([], ["analyze"], ["convert"], ["flexsa"], ["gemm"], ["explore"]):
        status, out, _ = run([*command, "--help"], capsys)
        assert status == 0
        assert "<bool>" not in out, f"mapscope {' '.join(command)} --help shows a flag as taking a value"
    status, out, _ = run(["analyze", "--help"], capsys)
    quiet = next(line for line in out.splitlines() if "--quiet" in line)
    assert "-q" in quiet and "<" not in quiet


def test_quiet_is_a_plain_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--quiet"], capsys)[:2] == (0, "")
    assert_one_line_error(*run(["analyze", "vgg16_kcp_ws", "--hw", "accelerator_256pe", "--quiet", "true"], capsys)[::2])


# --- SIGTERM ------------------------------------------------------------------------------------------------


def test_sigterm_is_raised_as_terminated_only_within_the_command() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert signal.getsignal(signal.SIGTERM) == before


def test_sigterm_during_any_command_is_one_line_and_status_143(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def terminated_while_loading(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    monkeypatch.setattr(api, "load_workload", terminated_while_loading)
    status, out, err = run(["analyze", "vgg16_kcp_ws", "--num-pes", "8"], capsys)
    assert (status, out, err) == (143, "", "error: terminated (SIGTERM)\n")
