"""Fuzz every reader of mapscope: mutate the bundled and shipped inputs, run each through the CLI, count.

Usage:
  python benchmarks/fuzz_readers.py [--per-family N] [--families a,b] [--seed S] [--workers W]
                                    [--timeout SECONDS] [--memory-mb MB] [--save-crashes DIR]
  python benchmarks/fuzz_readers.py --replay CASE.json [--minimize]

The families, their seeds, mutators and runners are those of the fuzz tests (tests/fuzz/families.py,
imported by path; see its docstring for why the benchmark depends on the tests and not the reverse).
Input `i` of a family is drawn from ``random.Random("<seed>/<family>/<i>")``: the same seed gives the same
inputs, hence the same counts (up to inputs whose run time straddles the time limit).

Each input runs in-process in a worker (``mapscope.cli.main``, stdout and stderr captured) and is
accepted (exit 0), a clean error (exit 2, stderr ending in one ``error: ...`` line of at most 1,000
characters, no traceback) or uncaught (anything else, including a hang past --timeout or a MemoryError
past --memory-mb). Workers are forked processes with an address-space cap (RLIMIT_AS: their size at
start plus --memory-mb), a SIGALRM per input and a watchdog here that kills a worker stuck in C code;
a fresh worker replaces one after any uncaught input. Workers die with this process (PR_SET_PDEATHSIG),
including on kill -9; Ctrl-C or SIGTERM stops them and prints the counts so far.

Prints one line per family (counts, inputs per second per worker) with its uncaught classes (exception
type and innermost mapscope frame), the projected time of --per-family 20000 on --workers free cores
(from the CPU time each input took), and as its last line
``inputs=<n> clean_errors=<k> uncaught=<u>``. --save-crashes DIR writes each uncaught input (at most
20 per class) as DIR/<family>/<class>/<index>.json and the smallest of each class as smallest.json plus
its files in smallest/; ``--replay FILE`` runs one again and prints the traceback, ``--minimize`` also
shrinks it (ddmin) into FILE.min.json.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy loads: one thread, and no per-thread arenas

import argparse
import collections
import json
import multiprocessing
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

from families import FAMILIES, Family, case_for  # noqa: E402
from fuzz_isolation import (  # noqa: E402
    KILL_GRACE,
    death_outcome,
    execute,
    prepare_child,
    run_isolated,
    stuck_outcome,
    warm_up,
)
from fuzz_runner import UNCAUGHT, Case, Outcome, case_document, case_from_document, same_crash  # noqa: E402

PROJECTION_INPUTS = 20_000
SAVED_PER_CLASS = 20


# ---- workers --------------------------------------------------------------------------------------------
def _worker(connection: Connection, parent_pid: int, memory_mb: int, folder: Path, seconds: float, seed: int) -> None:
    """Run tasks (family name, index) until told to stop; answer (index, outcome, case if uncaught, CPU seconds).

    CPU time, not wall time, so that the rates and the projection do not depend on what else the
    machine is running (a worker that waits for a core costs nothing)."""
    prepare_child(parent_pid, memory_mb)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # C libraries print straight to the descriptors; keep them off the report
    os.dup2(devnull, 2)
    os.chdir(folder)
    stacks = open(folder / "stacks.txt", "w")  # noqa: SIM115 - open for the worker's whole life
    while True:
        task = connection.recv()
        if task is None:
            return
        name, index = task
        family = FAMILIES[name]
        started = time.process_time()
        try:
            case = case_for(name, seed, index)
        except Exception:  # a bug of the fuzzer itself, not of mapscope
            connection.send((index, Outcome("harness_error", "harness error", traceback.format_exc()), None, 0.0))
            continue
        outcome = execute(case, family.run, folder / "case", seconds, stacks)
        kept = case if outcome.kind == UNCAUGHT else None
        connection.send((index, outcome, kept, time.process_time() - started))


@dataclass
class _Slot:
    """One worker process and the task it is running."""

    process: Any
    connection: Connection
    task: tuple[str, int] | None = None
    started: float = 0.0


class WorkerPool:
    """Forked workers fed one task at a time, restarted after a crash, a hang or any uncaught input."""

    def __init__(self, workers: int, memory_mb: int, seconds: float, seed: int) -> None:
        self.context = multiprocessing.get_context("fork")
        self.root = Path(tempfile.mkdtemp(prefix="mapscope-fuzz-"))
        self.memory_mb, self.seconds, self.seed = memory_mb, seconds, seed
        self.slots = [self._start(number) for number in range(workers)]

    def _start(self, number: int) -> _Slot:
        folder = self.root / f"worker{number}"
        folder.mkdir(exist_ok=True)
        mine, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_worker, args=(theirs, os.getpid(), self.memory_mb, folder, self.seconds, self.seed), daemon=True
        )
        process.start()
        theirs.close()
        return _Slot(process, mine)

    def _replace(self, position: int) -> None:
        slot = self.slots[position]
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join()
        slot.connection.close()
        self.slots[position] = self._start(position)

    def run(self, tasks: list[tuple[str, int]], on_result: Any) -> None:
        """Run every task; `on_result(name, index, outcome, case, seconds)` for each as it finishes."""
        pending = collections.deque(tasks)
        while pending or any(slot.task for slot in self.slots):
            for slot in self.slots:
                if slot.task is None and pending:
                    slot.task, slot.started = pending.popleft(), time.monotonic()
                    slot.connection.send(slot.task)
            busy = [slot.connection for slot in self.slots if slot.task is not None]
            ready = set(wait(busy, timeout=0.25))
            for position, slot in enumerate(self.slots):
                if slot.task is None:
                    continue
                name, index = slot.task
                elapsed = time.monotonic() - slot.started
                if slot.connection in ready:
                    try:
                        _, outcome, case, seconds = slot.connection.recv()
                    except (EOFError, OSError):  # the worker died without answering
                        slot.process.join()
                        outcome, case, seconds = death_outcome(slot.process.exitcode, self.seconds), None, elapsed
                elif elapsed > self.seconds + KILL_GRACE:  # stuck where the alarm cannot reach (C code)
                    slot.process.kill()
                    slot.process.join()
                    outcome, case, seconds = stuck_outcome(self.seconds, self.root / f"worker{position}" / "stacks.txt"), None, elapsed
                else:
                    continue
                slot.task = None
                on_result(name, index, outcome, case, seconds)
                if outcome.kind != "accepted" and outcome.kind != "clean_error":
                    self._replace(position)

    def close(self) -> None:
        for slot in self.slots:
            if slot.process.is_alive():
                slot.process.kill()
            slot.process.join()
            slot.connection.close()
        shutil.rmtree(self.root, ignore_errors=True)


# ---- counting and reporting -----------------------------------------------------------------------------
@dataclass
class FamilyCounts:
    inputs: int = 0
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)
    seconds: float = 0.0
    classes: collections.Counter[str] = field(default_factory=collections.Counter)
    smallest: dict[str, tuple[int, int]] = field(default_factory=dict)  # class -> (bytes, index)
    hangs: int = 0
    hang_seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Inputs per CPU second of one worker."""
        return self.inputs / self.seconds if self.seconds else 0.0

    @property
    def rate_without_hangs(self) -> float:
        """Inputs per CPU second of one worker once the hangs are fixed (they cost the time limit each)."""
        seconds = self.seconds - self.hang_seconds
        return (self.inputs - self.hangs) / seconds if seconds > 0 else 0.0


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80]


class CrashSaver:
    """Writes uncaught cases under a folder (see the module docstring)."""

    def __init__(self, folder: Path, seed: int) -> None:
        self.folder, self.seed = folder, seed
        self.saved: collections.Counter[tuple[str, str]] = collections.Counter()
        self.smallest: dict[tuple[str, str], tuple[int, dict[str, object]]] = {}

    def add(self, index: int, case: Case, outcome: Outcome) -> None:
        key = (case.family, outcome.crash_class)
        document = case_document(case, outcome, seed=self.seed, index=index)
        size = sum(len(content) for content in case.files.values())
        if key not in self.smallest or size < self.smallest[key][0]:
            self.smallest[key] = (size, document)
        if self.saved[key] < SAVED_PER_CLASS:
            self.saved[key] += 1
            self._write(self._class_folder(key) / f"{index}.json", document)

    def _class_folder(self, key: tuple[str, str]) -> Path:
        folder = self.folder / key[0] / slug(key[1])
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @staticmethod
    def _write(path: Path, document: dict[str, object]) -> None:
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")

    def finish(self) -> None:
        for key, (_, document) in self.smallest.items():
            folder = self._class_folder(key)
            self._write(folder / "smallest.json", document)
            files = folder / "smallest"
            shutil.rmtree(files, ignore_errors=True)
            files.mkdir()
            for name, content in case_from_document(document).files.items():
                (files / name).write_bytes(content)
            (files / "traceback.txt").write_text(f"{document['crash_class']}\n{document['detail']}\n", encoding="utf-8")


def report_family(name: str, counts: FamilyCounts, top: int = 40) -> None:
    kinds = counts.kinds
    print(
        f"{name:22} inputs {counts.inputs:6}  accepted {kinds['accepted']:6}  clean {kinds['clean_error']:6}  "
        f"uncaught {kinds[UNCAUGHT]:5}  {counts.rate:6.1f} inputs/s per core ({counts.rate_without_hangs:.1f} without hangs)",
        flush=True,
    )
    for crash_class, number in counts.classes.most_common(top):
        size, index = counts.smallest[crash_class]
        print(f"    {number:5}  {crash_class}   (smallest: input {index}, {size:,} bytes)")
    if len(counts.classes) > top:
        print(f"    ... and {len(counts.classes) - top} more classes")
    if kinds["harness_error"]:
        print(f"    {kinds['harness_error']} HARNESS ERRORS (bugs of the fuzzer, not counted as inputs)")


def fuzz(arguments: argparse.Namespace, families: list[Family]) -> int:
    for family in families:
        family.prepare()
    warm_up()
    counts = {family.name: FamilyCounts() for family in families}
    saver = CrashSaver(Path(arguments.save_crashes), arguments.seed) if arguments.save_crashes else None
    remaining = {family.name: arguments.per_family for family in families}
    print(
        f"fuzzing {len(families)} families x {arguments.per_family} inputs, seed {arguments.seed}, {arguments.workers} "
        f"workers, {arguments.timeout:g} s and {arguments.memory_mb} MB per input",
        flush=True,
    )

    def on_result(name: str, index: int, outcome: Outcome, case: Case | None, seconds: float) -> None:
        family_counts = counts[name]
        family_counts.kinds[outcome.kind] += 1
        remaining[name] -= 1
        if outcome.kind != "harness_error":
            family_counts.inputs += 1
            family_counts.seconds += seconds
        if outcome.kind == "harness_error":
            print(f"harness error in {name} input {index}:\n{outcome.detail}", file=sys.stderr)
        elif outcome.kind == UNCAUGHT:
            if outcome.crash_class.startswith("hang"):
                family_counts.hangs += 1
                family_counts.hang_seconds += seconds
            if case is None:  # the worker died or was killed with it: make it again (it is deterministic)
                case = case_for(name, arguments.seed, index)
            family_counts.classes[outcome.crash_class] += 1
            size = sum(len(content) for content in case.files.values()) if case is not None else -1
            if outcome.crash_class not in family_counts.smallest or 0 <= size < family_counts.smallest[outcome.crash_class][0]:
                family_counts.smallest[outcome.crash_class] = (size, index)
            if saver is not None and case is not None:
                saver.add(index, case, outcome)
        if remaining[name] == 0:
            report_family(name, family_counts)

    tasks = [(family.name, index) for family in families for index in range(arguments.per_family)]
    started = time.monotonic()
    pool = WorkerPool(arguments.workers, arguments.memory_mb, arguments.timeout, arguments.seed)
    interrupted = False
    try:
        pool.run(tasks, on_result)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: counts so far", flush=True)
        for name, family_counts in counts.items():
            if remaining[name] > 0 and family_counts.inputs:
                report_family(name, family_counts)
    finally:
        pool.close()
        if saver is not None:
            saver.finish()
    measured = [family_counts for family_counts in counts.values() if family_counts.rate > 0]
    projected = sum(PROJECTION_INPUTS / c.rate for c in measured) / arguments.workers
    fixed = sum(PROJECTION_INPUTS / c.rate_without_hangs for c in measured if c.rate_without_hangs) / arguments.workers
    print(
        f"wall time {time.monotonic() - started:.0f} s; projected for --per-family {PROJECTION_INPUTS} on {arguments.workers} "
        f"free cores: {projected / 60:.0f} min ({fixed / 60:.0f} min without the hangs)"
    )
    total = sum(c.inputs for c in counts.values())
    clean = sum(c.kinds["clean_error"] for c in counts.values())
    uncaught = sum(c.kinds[UNCAUGHT] for c in counts.values())
    print(f"inputs={total} clean_errors={clean} uncaught={uncaught}", flush=True)
    return 130 if interrupted else 0


def replay(arguments: argparse.Namespace) -> int:
    """Run one saved case again, isolated, and print what happened; with --minimize, shrink it too."""
    path = Path(arguments.replay)
    document = json.loads(path.read_text(encoding="utf-8"))
    case = case_from_document(document)
    family = FAMILIES[case.family]
    family.prepare()

    def run(candidate: Case) -> Outcome:
        return run_isolated(candidate, family.run, arguments.timeout, arguments.memory_mb)

    outcome = run(case)
    print(f"{case.family}: {outcome.kind} {outcome.crash_class} ({outcome.seconds:.2f} s)\n{outcome.detail or ''}".rstrip())
    if arguments.minimize and outcome.kind == UNCAUGHT:
        from fuzz_minimize import minimize

        smaller, runs = minimize(case, outcome.crash_class, run, seconds=arguments.minimize_seconds)
        target = path.with_suffix(".min.json")
        final = run(smaller)
        if final.kind != UNCAUGHT or not same_crash(final.crash_class, outcome.crash_class):
            print(f"the minimized case no longer fails as {outcome.crash_class} on a rerun (a borderline input); not written")
            return 1
        target.write_text(json.dumps(case_document(smaller, final, minimized_from=str(path)), indent=1), encoding="utf-8")
        sizes = {name: len(content) for name, content in smaller.files.items()}
        print(f"minimized in {runs} runs to {sizes}: {target}")
    return 0 if outcome.kind != UNCAUGHT else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-family", type=int, default=200, help="inputs per family (default 200)")
    parser.add_argument("--families", default=None, help=f"comma-separated subset of: {', '.join(FAMILIES)}")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per input before it counts as a hang (default 10)")
    parser.add_argument("--memory-mb", type=int, default=2000, help="address space a worker may add to its start size, MB (default 2000)")
    parser.add_argument("--save-crashes", metavar="DIR", default=None, help="write uncaught inputs and their tracebacks here")
    parser.add_argument("--replay", metavar="FILE", default=None, help="run one saved case (a .json from --save-crashes) again")
    parser.add_argument("--minimize", action="store_true", help="with --replay: shrink the case into FILE.min.json")
    parser.add_argument("--minimize-seconds", type=float, default=120.0, help="time budget of --minimize (default 120)")
    arguments = parser.parse_args()
    for stop in (signal.SIGINT, signal.SIGTERM):  # both stop the run (even when started with SIGINT ignored)
        signal.signal(stop, signal.default_int_handler)
    if arguments.replay:
        return replay(arguments)
    names = arguments.families.split(",") if arguments.families else list(FAMILIES)
    unknown = [name for name in names if name not in FAMILIES]
    if unknown or arguments.per_family < 1 or arguments.workers < 1:
        parser.error(f"unknown families {unknown}" if unknown else "--per-family and --workers must be at least 1")
    families = [FAMILIES[name] for name in names]
    missing = [family.name for family in families if not family.available()]
    if missing:
        print(f"skipping {', '.join(missing)}: needs a package that is not installed", flush=True)
    return fuzz(arguments, [family for family in families if family.available()])


if __name__ == "__main__":
    sys.exit(main())
