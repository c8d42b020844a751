"""Mutation testing of the pure rules (scoring/, geo/) with mutmut: run, score, explain.

Called by scripts/mutate. Runs `mutmut run` in a fresh mutants/ directory (every file, or with
--changed only the files changed since a git revision), then reads mutmut's results and scores

    score = killed / (mutants - equivalent)

where timeouts count as killed and `equivalent` are the survivors that mutation/equivalent.toml
explains. Entries there name a mutant by its function and the line it changes (before -> after),
never by mutmut's numbering or a line number, so they survive unrelated edits. Survivors that
are not listed are printed (and written to mutants/survivors.txt): kill them with a test, or
list them with the reason they cannot change behaviour. Exits 1 below the goal.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
SOURCES = ("scoring/", "geo/")
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
SHOWN = 40  # unexplained survivors printed in full; all of them go to mutants/survivors.txt


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's key, e.g. scoring.coverage.xǁCommunityIndexǁwithin__mutmut_3
    status: str
    function: str  # scoring.coverage.CommunityIndex.within
    before: str  # the changed source line(s), whitespace-normalised
    after: str
    diff: str


def function_of(key: str) -> str:
    """scoring.coverage.xǁCommunityIndexǁwithin__mutmut_3 -> scoring.coverage.CommunityIndex.within
    (mutmut mangles method names with ǁ, functions with x_)."""
    module, _, mangled = key.rpartition("__mutmut_")[0].rpartition(".")
    if mangled.startswith("xǁ"):
        _, cls, func = mangled.split("ǁ", 2)
        return f"{module}.{cls}.{func}"
    return f"{module}.{mangled.removeprefix('x_')}"


def _norm(lines: list[str]) -> str:
    return " / ".join(re.sub(r"\s+", " ", line[1:]).strip() for line in lines)


def describe(key: str, status: str, diff: str) -> Mutant:
    lines = diff.splitlines()
    body = [line for line in lines if not line.startswith(("---", "+++", "@@"))]
    before = _norm([line for line in body if line.startswith("-")])
    after = _norm([line for line in body if line.startswith("+")])
    return Mutant(key, status, function_of(key), before, after, diff)


def changed_files(base: str) -> list[str]:
    def git(*args: str) -> list[str]:
        out = subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True)
        return out.stdout.split()

    names = set(git("diff", "--name-only", base, "--", *SOURCES))
    names |= set(git("ls-files", "--others", "--exclude-standard", "--", *SOURCES))
    return sorted(n for n in names if n.endswith(".py") and (ROOT / n).exists())


def run_mutmut(globs: list[str], children: int, log: Path) -> None:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # stale results must not count
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *globs]
    # mutants/ is rebuilt by the run, so the log starts outside it and moves in afterwards
    with log.open("w") as out:
        code = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode
    text = log.read_text(errors="replace")
    (ROOT / "mutants").mkdir(exist_ok=True)
    shutil.move(log, ROOT / "mutants" / "mutmut.log")
    if code != 0:
        print(text[-3000:])
        sys.exit(f"mutate: mutmut failed (exit {code}); full log in mutants/mutmut.log")


def results(prefixes: list[str] | None) -> list[Mutant]:
    os.chdir(ROOT)  # mutmut reads pyproject.toml and mutants/ from the working directory
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    found = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for key, code in sorted(data.exit_code_by_key.items()):
            if prefixes is not None and not key.startswith(tuple(prefixes)):
                continue
            status = status_by_exit_code[code]
            diff = "" if status in KILLED else get_diff_for_mutant(key, path=path)
            found.append(describe(key, status, diff))
    return found


def load_equivalent() -> tuple[float, dict[tuple[str, str, str], str]]:
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    listed = {}
    for entry in data.get("mutant", []):
        listed[(entry["function"], entry["before"], entry["after"])] = entry["why"]
    return float(data["goal"]), listed


def toml_entry(m: Mutant) -> str:
    import json  # a JSON string with ensure_ascii=False is a valid TOML basic string

    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)

    return (f"[[mutant]]\nfunction = {q(m.function)}\nbefore = {q(m.before)}\n"
            f"after = {q(m.after)}\nwhy = \"\"  # {m.status}; mutmut show {m.name}\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changed", nargs="?", const="main", metavar="BASE",
                        help="mutate only the files of scoring/ and geo/ changed since BASE "
                             "(default main), committed or not")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")),
                        help="mutants tested at once (default 2, or $MUTATE_JOBS)")
    parser.add_argument("--no-run", action="store_true",
                        help="only score the results already in mutants/ (after editing "
                             "mutation/equivalent.toml, or `mutmut run NAMES` of single mutants)")
    args = parser.parse_args()

    started = time.monotonic()
    prefixes = None
    globs: list[str] = []
    if args.changed:
        verify = ["git", "rev-parse", "--verify", "--quiet", args.changed + "^{commit}"]
        known = subprocess.run(verify, cwd=ROOT, capture_output=True).returncode == 0
        if not known:  # e.g. a shallow clone without the parent: say so, do not fail the build
            print(f"mutate: {args.changed} is not a revision here; nothing compared, nothing run")
            return 0
        files = changed_files(args.changed)
        if not files:
            print(f"mutate: no Python file of scoring/ or geo/ changed since {args.changed}")
            return 0
        prefixes = [f.removesuffix(".py").replace("/", ".") + "." for f in files]
        globs = [p + "*" for p in prefixes]
        print("mutate: mutating", ", ".join(files))
    if not args.no_run:
        log = Path(tempfile.mkstemp(prefix="mutmut-", suffix=".log")[1])
        run_mutmut(globs, args.jobs, log)

    goal, listed = load_equivalent()
    mutants = results(prefixes)
    killed = [m for m in mutants if m.status in KILLED]
    rest = [m for m in mutants if m.status not in KILLED]
    equivalent = [m for m in rest if (m.function, m.before, m.after) in listed]
    unexplained = [m for m in rest if (m.function, m.before, m.after) not in listed]
    counted = len(mutants) - len(equivalent)
    score = 100.0 * len(killed) / counted if counted else 100.0

    if unexplained:
        report = ROOT / "mutants" / "survivors.txt"
        report.write_text("".join(
            f"# {m.name} ({m.status})\n{m.diff}\n{toml_entry(m)}\n" for m in unexplained),
            encoding="utf-8")
        print(f"\n{len(unexplained)} surviving mutants are neither killed nor explained "
              f"(all in {report.relative_to(ROOT)}):")
        for m in unexplained[:SHOWN]:
            print(f"  {m.function} ({m.status}): {m.before}  ->  {m.after}")
        if len(unexplained) > SHOWN:
            print(f"  ... and {len(unexplained) - SHOWN} more")
    if prefixes is None:
        seen = {(m.function, m.before, m.after) for m in equivalent}
        if stale := [k for k in listed if k not in seen]:
            print(f"\nnote: {len(stale)} entries of mutation/equivalent.toml match no surviving "
                  "mutant any more (killed now, or the code changed); remove them:")
            for function, before, after in stale:
                print(f"  {function}: {before}  ->  {after}")

    minutes = (time.monotonic() - started) / 60
    print(f"\nmutation score: {score:.1f} % (goal {goal:g} %): {len(killed)} of {counted} "
          f"mutants killed; {len(mutants)} mutants, {len(equivalent)} equivalent, "
          f"{len(unexplained)} unexplained survivors; {minutes:.1f} min")
    if score < goal:
        print(f"mutate: FAILED, the score is below the goal of {goal:g} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
