"""Fuzz of the command line with bad inputs of every kind issue 10 lists; counts by outcome.

Each case (``tests/fuzzgen.py``) gets a fresh folder: ``data/`` is ``MOJIYOMI_DATA_DIR`` and
``user/`` (the current folder) holds its input files and a user's own file. The case runs
``mojiyomi.cli.main`` in a worker process that runs many cases (imports are paid once), with
its stdout and stderr captured at the file-descriptor level (LiteRT and OpenCV write there
directly), its peak memory measured per case (``/proc/self/clear_refs``), an address-space
limit, and a watchdog in this process. Cases that may block or allocate without bound (a
FIFO, ``/dev/zero``, huge headers, gzip bombs) get a worker of their own.

Each case has one outcome of the process, worst first: ``hang`` (no answer within the
timeout), ``memory`` (MemoryError, allocation failure or a peak over the limit), ``crash``
(killed by a signal), ``traceback`` (a Python traceback), ``noisy-message`` (exit 1 with
other stderr lines beside the message), ``usage`` (exit 2, argparse refused the flags),
``message`` (exit 1 and exactly one stderr line ``mojiyomi: error: ...``) or ``ok`` (exit
0); and, when it touched files it should not have, one of ``user-file-deleted`` (a file the
user had is gone) or ``wrote-outside`` (a file created or changed outside the data folder
and the case's chosen output, ``resources/models`` changed, anything left in the output or
TMPDIR after a failure). Both are counted. The first four and the two file outcomes are
defects; ``noisy-message`` is issue 10's item 5.

Usage:
    python bench/fuzz_cli.py [--cases N] [--seed S] [--kinds picture,ink,...] [--json]
        [--timeout S] [--memory-mb M] [--examples K] [--keep DIR]

``--cases N`` runs N cases of each kind (the hand-made catalogue first, then seeded random
mutations); without it, each kind's catalogue. The fast form (``tests/test_fuzz.py``) runs a
selection of the catalogues and one random case per kind; the full form, ``--cases 1000``,
runs 13,000 cases (see the README's "Fuzzing" for the time it takes).

A random mutation sometimes repeats an earlier case of its kind byte for byte (same
arguments, same input files): such a ``repeat`` is not run again (the program is the same
on the same input) and the kind draws another, so N cases are N distinct inputs
(``--keep-repeats`` runs them anyway). Kinds take turns, one case each, so a run cut short
by ``--seconds`` still has about as many cases of every kind. The TensorFlow kinds already
share one worker that imports TensorFlow once, and a case refused before training never
imports it; what makes them slow (``seconds_by_outcome``) is the cases that are accepted
and really train, export and convert.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import stat
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AUTOGRAPH = "__autograph_generated_file"
#: The bundled models, which nothing may change.
BUNDLED = REPO / "resources" / "models"
BAD = ("hang", "memory", "crash", "user-file-deleted", "wrote-outside", "traceback")
ORDER = (*BAD, "noisy-message", "usage", "message", "ok", "not-built")
#: A case whose inputs repeat an earlier one's of its kind; not run, not counted among the cases.
REPEAT = "repeat"
ERROR_PREFIX = "mojiyomi: error:"
MEMORY_SIGNS = ("MemoryError", "Unable to allocate", "std::bad_alloc", "Cannot allocate memory", "out of memory",
                "OutOfMemory", "failed to allocate")


@dataclass
class Result:
    """What one case did."""

    kind: str
    index: int
    name: str
    argv: list[str]
    outcome: str = "ok"
    files: str = ""
    rc: int | None = None
    seconds: float = 0.0
    peak_mb: float = 0.0
    stderr: str = ""
    problems: list[str] = field(default_factory=list)
    own_process: bool = False


# --- the worker: runs cases in-process -------------------------------------------------------

def worker_main() -> int:
    """Reads one JSON job per line on stdin, runs it, answers one JSON line on the original stdout."""
    from mojiyomi import cli

    answer = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    for line in sys.stdin:
        job = json.loads(line)
        answer.write(json.dumps(run_in_process(cli, job)) + "\n")
    return 0


def run_in_process(cli: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Runs ``cli.main(job['argv'])`` in ``job['cwd']`` with fd 1 and 2 sent to files."""
    import tempfile
    import traceback

    os.environ["MOJIYOMI_DATA_DIR"] = job["data"]
    os.environ["TMPDIR"] = tempfile.tempdir = job["tmp"]
    os.chdir(job["cwd"])
    sys.argv = ["mojiyomi", *job["argv"]]
    saved = os.dup(1), os.dup(2)
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        _reset_peak()
        start = time.monotonic()
        try:
            rc = cli.main(job["argv"])
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # what the console script would print before exiting 1
            traceback.print_exc()
            rc = 1
        seconds = time.monotonic() - start
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
    for fd in saved:
        os.close(fd)
    os.chdir("/")
    return {"rc": rc, "seconds": seconds, "peak_mb": _peak_mb()}


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Worker:
    """A worker process with an address-space limit; restarted after a hang, crash or blow-up."""

    def __init__(self, address_space_mb: int) -> None:
        self.address_space_mb = address_space_mb
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        limit = self.address_space_mb << 20

        def limits() -> None:
            import resource

            os.setsid()
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"),
               "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                                preexec_fn=limits)

    def run(self, job: dict[str, Any], timeout: float) -> dict[str, Any] | str:
        """The job's answer, or ``"hang"``/``"died:<returncode>"``."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if line:
            return json.loads(line)
        if not ready:
            self.stop()
            return "hang"
        rc = self.proc.wait(timeout=30)
        self.proc = None
        return f"died:{rc}"

    def finish(self) -> None:
        """Lets the worker exit as a command does (atexit handlers run), or kills it after 30 s."""
        if self.proc is not None and self.proc.stdin:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
                self.proc = None
            except subprocess.TimeoutExpired:
                pass
        self.stop()

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None


# --- snapshots: what a case changed ------------------------------------------------------------

Snapshot = dict[str, tuple[str, int, int]]


def snapshot(root: Path, skip: Iterable[Path] = ()) -> Snapshot:
    """Every path under ``root`` (not following links) with its type, size and mtime."""
    skipped = {str(p) for p in skip}
    entries: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skipped]
        for name in dirs + files:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            kind = "link:" + os.readlink(path) if os.path.islink(path) else "dir" if name in dirs else "file"
            entries[os.path.relpath(path, root)] = (kind, st.st_size if kind == "file" else 0,
                                                    st.st_mtime_ns if kind == "file" else 0)
    return entries


def compare(before: Snapshot, after: Snapshot, allowed: tuple[str, ...], replaceable: tuple[str, ...]
            ) -> tuple[list[str], list[str]]:
    """(files deleted, paths created or changed outside ``allowed``)."""
    deleted, outside = [], []
    for path, (kind, *_rest) in before.items():
        if path not in after and kind != "dir" and not _matches(path, replaceable):
            deleted.append(path)
    for path, entry in after.items():
        old = before.get(path)
        if old == entry or (old and entry[0] == "dir" == old[0]):
            continue
        if not _matches(path, allowed) and not (old and _matches(path, replaceable)):
            outside.append(("changed " if old else "created ") + path)
    return deleted, outside


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch(path, p) for p in patterns)


#: A kind draws at most this many times its case count while skipping repeats.
MAX_DRAWS = 3


def fingerprint(argv: list[str], user: Path) -> str:
    """A hash of a case's inputs: its arguments and every file under ``user/`` (names, types, bytes).

    Special files (FIFOs, devices) and links count by their kind and target, never read.
    """
    digest = hashlib.sha256(json.dumps(argv).encode())
    for folder, dirs, files in sorted(os.walk(user)):
        dirs.sort()
        for name in sorted(files) + [d + "/" for d in dirs]:
            path = os.path.join(folder, name.rstrip("/"))
            digest.update(os.path.relpath(path, user).encode() + b"\0")
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                digest.update(b"link:" + os.readlink(path).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            else:
                digest.update(f"mode:{stat.S_IFMT(st.st_mode)}".encode())
            digest.update(b"\0")
    return digest.hexdigest()


# --- running and classifying --------------------------------------------------------------------

def classify(rc: int | None, stderr: str, peak_mb: float, memory_mb: int) -> str:
    """The outcome from the exit status and stderr alone (files are checked apart)."""
    if any(sign in stderr for sign in MEMORY_SIGNS) or peak_mb > memory_mb:
        return "memory"
    if "Traceback (most recent call last)" in stderr:
        return "traceback"
    if rc is None or rc < 0 or rc > 2 and rc != 130:
        return "crash"
    if rc == 0:
        return "ok"
    if rc == 2:
        return "usage"
    lines = [line for line in stderr.splitlines() if line.strip()]
    return "message" if len(lines) == 1 and lines[0].startswith(ERROR_PREFIX) else "noisy-message"


class Fuzz:
    """Runs cases of each kind in a scratch folder and collects their results."""

    def __init__(self, scratch: Path, seed: int, timeout: float, memory_mb: int, tf_memory_mb: int,
                 keep: bool = False, fresh: bool = False, skip_repeats: bool = False) -> None:
        from tests import fuzzgen

        self.gen = fuzzgen
        self.scratch = scratch
        self.seed = seed
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.tf_memory_mb = tf_memory_mb
        self.keep = keep
        self.fresh = fresh
        self.templates = fuzzgen.make_templates(scratch / "templates")
        self.workers: dict[bool, Worker] = {}
        self.resources = snapshot(BUNDLED)
        self.case_names: set[str] = set()
        self.skip_repeats = skip_repeats
        self.seen: dict[str, dict[str, int]] = collections.defaultdict(dict)

    def run_kind(self, kind: str, cases: int, start: int = 0) -> Iterator[Result]:
        """``cases`` results of ``kind`` from case ``start`` on (repeats, when skipped, come besides)."""
        tf = kind in self.gen.TF_KINDS
        run, index = 0, start
        while run < cases and index < start + MAX_DRAWS * cases:
            result = self.run_case(kind, index, tf)
            run += result.outcome != REPEAT
            index += 1
            yield result

    def run_case(self, kind: str, index: int, tf: bool) -> Result:
        """Runs case ``index`` of ``kind``; a hang or a memory blow-up in the shared worker is retried alone.

        The retry tells a real hang from a worker starved of CPU by a busy machine: only a
        case that hangs in its own process too (given twice the time) counts as ``hang``. A
        worker that ran hundreds of TensorFlow cases holds far more memory than a new
        ``mojiyomi`` process (1.8 GB at rest, 3 GB after leaks add up): only a case whose peak
        is too high in a process of its own too counts as ``memory``.
        """
        result = self._attempt(kind, index, tf, alone=False, patience=1.0)
        if result.outcome == "hang" or result.outcome == "memory" and not result.own_process:
            retry = self._attempt(kind, index, tf, alone=True, patience=2.0 if result.outcome == "hang" else 1.0)
            if retry.outcome != result.outcome:
                retry.problems.append(
                    f"slow: no answer in {self.timeout * (4 if tf else 1):.0f} s in the worker"
                    if result.outcome == "hang" else f"peak {result.peak_mb:.0f} MB only in the long-lived worker")
            return retry
        return result

    def _attempt(self, kind: str, index: int, tf: bool, alone: bool, patience: float) -> Result:
        case = self.scratch / "cases" / f"{kind}-{index}"
        shutil.rmtree(case, ignore_errors=True)
        user, data, tmp = case / "user", case / "data", case / "tmp"
        user.mkdir(parents=True)
        data.mkdir()
        tmp.mkdir()
        (user / "notes.txt").write_text("a user's own file, never to be touched\n")
        try:
            plan, name = self.gen.build_case(kind, index, self.seed, user, self.templates)
        except Exception as exc:  # a fault of the generator, not of mojiyomi: reported, not counted
            shutil.rmtree(case, ignore_errors=True)
            return Result(kind, index, f"could not build the case: {exc!r}"[:200], [], outcome="not-built")
        result = Result(kind, index, name, plan.argv)
        if self.skip_repeats and not alone:
            first = self.seen[kind].setdefault(fingerprint(plan.argv, user), index)
            if first != index:
                shutil.rmtree(case, ignore_errors=True)
                result.outcome, result.problems = REPEAT, [f"same inputs as case {first}"]
                return result
        before = snapshot(case, skip=[data, tmp])
        job = {"argv": plan.argv, "cwd": str(user), "data": str(data), "tmp": str(tmp),
               "stdout": str(case / "stdout.txt"), "stderr": str(case / "stderr.txt")}
        memory_mb = self.tf_memory_mb if tf else self.memory_mb
        # The address-space limit: TensorFlow maps far more than it touches.
        address_space = 3 * memory_mb if tf else 3 * 1024
        timeout = self.timeout * (4 if tf else 1) * patience
        own_process = alone or plan.isolate or self.fresh
        result.own_process = own_process
        if own_process:
            worker = Worker(address_space)
            answer = worker.run(job, timeout)
            worker.finish()
        else:
            worker = self.workers.setdefault(tf, Worker(address_space))
            answer = worker.run(job, timeout)
        result.stderr = _read(case / "stderr.txt")
        if isinstance(answer, str):
            result.outcome = "hang" if answer == "hang" else "crash"
            result.rc = None if answer == "hang" else int(answer.split(":")[1])
            if result.outcome == "crash" and any(sign in result.stderr for sign in MEMORY_SIGNS):
                result.outcome = "memory"
        else:
            result.rc, result.seconds, result.peak_mb = answer["rc"], answer["seconds"], answer["peak_mb"]
            result.outcome = classify(result.rc, result.stderr, result.peak_mb, memory_mb)
            if result.outcome == "memory" and not own_process:
                worker.stop()  # after a MemoryError the process may be in any state
        self._check_files(result, case, before, plan, own_process)
        if not self.keep:
            shutil.rmtree(case, ignore_errors=True)
        return result

    def _check_files(self, result: Result, case: Path, before: Snapshot, plan: Any, own_process: bool) -> None:
        after = snapshot(case, skip=[case / "data", case / "tmp"])
        for log in ("stdout.txt", "stderr.txt"):
            after.pop(log, None)
        succeeded = result.rc == 0
        allowed = tuple(f"user/{p}" for p in plan.outputs) if succeeded else ()
        replaceable = tuple(f"user/{p}" for p in plan.replaceable) if succeeded else ()
        deleted, outside = compare(before, after, allowed, replaceable)
        resources = snapshot(BUNDLED)
        if resources != self.resources:
            changed = sorted(set(resources.items()) ^ set(self.resources.items()))
            outside.append(f"changed resources/models: {', '.join(p for p, _ in changed[:3])}")
            self.resources = resources
        if not stat.S_ISCHR(os.stat(os.devnull).st_mode):  # `--out /dev/null` once replaced it with a file
            outside.append(f"replaced {os.devnull} (a device) with a file")
        self.case_names.add(case.name)
        strays = set(os.listdir(self.scratch / "cases")) - self.case_names
        if strays:
            outside.append(f"created {sorted(strays)} beside the case folder")
            for stray in strays:
                _remove(self.scratch / "cases" / stray)
        # TensorFlow's autograph removes its files when the process exits, which a worker does not.
        left = [p for p in sorted(os.listdir(case / "tmp")) if own_process or not p.startswith(AUTOGRAPH)]
        outside += [f"left {p} in TMPDIR" for p in left[:3]]
        result.problems = [*(f"deleted {p}" for p in deleted), *outside]
        result.files = "user-file-deleted" if deleted else "wrote-outside" if outside else ""

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()


def _read(path: Path, limit: int = 20000) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --- reporting ---------------------------------------------------------------------------------

def summarize(results: list[Result]) -> dict[str, Any]:
    """Counts by outcome, by kind and outcome, repeats skipped, the seconds each outcome took, and defects."""
    by_kind: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    total: collections.Counter[str] = collections.Counter()
    seconds: dict[str, dict[str, float]] = collections.defaultdict(lambda: collections.defaultdict(float))
    repeats: collections.Counter[str] = collections.Counter()
    ran = [r for r in results if r.outcome != REPEAT]
    for r in results:
        if r.outcome == REPEAT:
            repeats[r.kind] += 1
    for r in ran:
        for label in labels(r):
            by_kind[r.kind][label] += 1
            total[label] += 1
        seconds[r.kind][r.outcome] += r.seconds
    summary: dict[str, Any] = {
        "cases": len(ran), "outcomes": {k: total[k] for k in ORDER if total[k]},
        "by_kind": {k: {o: c[o] for o in ORDER if c[o]} for k, c in by_kind.items()},
        "bad": sum(is_bad(r) for r in ran),
        "seconds_by_outcome": {k: {o: round(s, 1) for o, s in c.items()} for k, c in seconds.items()}}
    if repeats:
        summary["repeats_skipped"] = dict(repeats)
    return summary


def interleave(streams: list[Iterator[Result]]) -> Iterator[Result]:
    """One result of each stream in turn until all are done."""
    while streams:
        for stream in list(streams):
            result = next(stream, None)
            if result is None:
                streams.remove(stream)
            else:
                yield result


def labels(r: Result) -> list[str]:
    """The case's outcome, and what it did to the files if anything."""
    return [r.outcome, r.files] if r.files else [r.outcome]


def is_bad(r: Result) -> bool:
    return r.outcome in BAD or bool(r.files)


def report(results: list[Result], examples: int, seconds: float) -> str:
    summary = summarize(results)
    lines = [f"{summary['cases']} cases in {seconds:.0f} s: " + ", ".join(
        f"{k} {v}" for k, v in summary["outcomes"].items())]
    for kind, counts in summary["by_kind"].items():
        lines.append(f"  {kind:9s} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if summary.get("repeats_skipped"):
        lines.append("repeats skipped (inputs identical to an earlier case's): " + ", ".join(
            f"{k} {v}" for k, v in summary["repeats_skipped"].items()))
    for outcome in (*BAD, "noisy-message"):
        cases = [r for r in results if outcome in labels(r)]
        if cases:
            lines.append(f"{outcome} ({len(cases)}), first {min(examples, len(cases))}:")
            for r in cases[:examples]:
                lines.append(f"  [{r.kind} {r.index}] {r.name}: mojiyomi {' '.join(r.argv)[:150]}")
                lines.append(f"      -> {describe(r)}")
    return "\n".join(lines)


def describe(r: Result) -> str:
    """One line about what went wrong: the last stderr line, and the problem files."""
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    extra = f" (peak {r.peak_mb:.0f} MB)" if r.outcome == "memory" else ""
    text = (lines[-1][:200] if lines else f"exit {r.rc}, no stderr") + extra
    noise = [line for line in lines if not line.startswith(ERROR_PREFIX)]
    if r.outcome == "noisy-message" and noise:
        text += f" (beside {len(noise)} other line(s), first: {noise[0][:120]})"
    return text + (" | " + "; ".join(r.problems)[:200] if r.problems else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=int, default=None, help="cases per kind (default: each kind's catalogue)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="first case index of each kind (the catalogue "
                        "comes first; a number past it runs random cases only)")
    parser.add_argument("--kinds", default=None, help="comma-separated kinds (default: all)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case (x4 for TensorFlow kinds)")
    parser.add_argument("--memory-mb", type=int, default=1024, help="peak memory of a case that counts as a blow-up")
    parser.add_argument("--tf-memory-mb", type=int, default=3072, help="the same for train/export/finetune")
    parser.add_argument("--examples", type=int, default=5, help="cases shown per defect outcome")
    parser.add_argument("--json", action="store_true", help="end with one JSON object of the counts and defects")
    parser.add_argument("--fresh", action="store_true", help="every case in a new process, as a user runs it "
                        "(slower; libraries that log once per process are seen every time)")
    parser.add_argument("--keep", metavar="DIR", help="scratch folder to use and keep (default: a temporary one)")
    parser.add_argument("--seconds", type=float, default=None, help="start no case after this many seconds "
                        "(kinds take turns, so each gets about as many)")
    parser.add_argument("--keep-repeats", action="store_true", help="run a random case even when its inputs "
                        "repeat an earlier case's byte for byte (by default it is skipped and another drawn)")
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main()
    from tests.fuzzgen import KINDS, catalogue_size

    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    scratch = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mojiyomi-fuzz-"))
    fuzz = Fuzz(scratch, args.seed, args.timeout, args.memory_mb, args.tf_memory_mb, keep=bool(args.keep),
                fresh=args.fresh, skip_repeats=not args.keep_repeats)
    start = time.monotonic()
    results: list[Result] = []
    try:
        streams = [fuzz.run_kind(kind, catalogue_size(kind) if args.cases is None else args.cases, args.start)
                   for kind in kinds]
        for result in interleave(streams):
            results.append(result)
            if is_bad(result):
                print(f"[{result.kind} {result.index}] {'+'.join(labels(result))}: {result.name}: "
                      f"{describe(result)}", file=sys.stderr, flush=True)
            if args.seconds is not None and time.monotonic() - start > args.seconds:
                print(f"stopped after {args.seconds:.0f} s (--seconds)", file=sys.stderr, flush=True)
                break
    finally:
        fuzz.close()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(report(results, args.examples, time.monotonic() - start))
    if args.json:
        defects = [{k: v for k, v in asdict(r).items() if k != "stderr"} | {"detail": describe(r)}
                   for r in results if is_bad(r)]
        print(json.dumps({**summarize(results), "seconds": round(time.monotonic() - start, 1),
                          "defects": defects}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
