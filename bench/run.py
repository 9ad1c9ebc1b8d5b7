"""Measure prep as a user runs it: whole processes, several runs, median and spread.

    python bench/run.py [--runs 7] [--posting PATH]

Prints one line per measurement: median and min–max wall time, and peak memory (max
RSS of the process). Measures, side by side in one run:

1. the floor: a bare `python -c "import genanki, yaml, click, markdown_it"`;
2. `prep build` on a posting (default: the bundled example) into a scratch folder;
3. `prep build` with 10x today's banks (copies with aliases that never fire);
4. `prep topics` over 500 postings in one process (a folder), as postings per second;
5. `prep topics` on a generated 10 MB posting.
1-3 alternate run by run, so their ratios hold on a machine whose speed drifts.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREP = [sys.executable, "-m", "prep"]
# As after `pip install`: byte-compiled modules are written and reused. (Some sandboxes
# set PYTHONDONTWRITEBYTECODE, which makes every run recompile prep from source.)
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], runs: int, cwd: Path) -> tuple[list[float], int, list[float]]:
    """Wall times of `runs` runs, the largest peak RSS (KiB) among them, and CPU times
    (user + system), which a busy shared machine disturbs less than wall time."""
    times, peak, cpu = [], 0, []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(command)}: {process.stderr.read().decode()[-500:]}")
        peak = max(peak, usage.ru_maxrss)
        cpu.append(usage.ru_utime + usage.ru_stime)
    return times, peak, cpu


def alternate(commands: list[list[str]], runs: int, cwd: Path) -> list[tuple[list[float], int, list[float]]]:
    """Run the commands in turn, round after round, so all see the same state of a shared
    machine; each first gets one unmeasured run (fills prep's cache, writes byte code)."""
    for command in commands:
        subprocess.run(command, cwd=cwd, env=ENV, capture_output=True)
    results = [([], 0, []) for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            times, peak, cpu = timed(command, 1, cwd)
            total = results[index]
            results[index] = (total[0] + times, max(total[1], peak), total[2] + cpu)
    return results


def report(label: str, times: list[float], peak_kib: int, cpu: list[float], extra: str = "") -> float:
    median = statistics.median(times)
    print(
        f"{label:<44} median {median * 1000:6.0f} ms  (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"
        f"  cpu {statistics.median(cpu) * 1000:6.0f} ms  peak {peak_kib / 1024:4.0f} MiB{extra}"
    )
    return median


def make_postings(folder: Path, count: int, template: str) -> None:
    """Variants of one posting: lines shuffled and reworded so none is a copy."""
    rng = random.Random(0)
    lines = template.splitlines()
    for number in range(count):
        body = lines[:3] + rng.sample(lines[3:], len(lines) - 3)
        (folder / f"posting-{number:04d}.txt").write_text(f"Role {number}\n" + "\n".join(body))


def make_big_posting(path: Path, megabytes: int) -> None:
    """Ordinary prose with a technical term now and then, one short paragraph per line."""
    rng = random.Random(1)
    prose = (
        "we are looking for people who enjoy building reliable things with a small team and "
        "care about customers quality and learning every day in our office or remotely"
    ).split()
    terms = ["Kafka", "PostgreSQL", "OAuth2", "Kubernetes", "Terraform", "system design", "mentor", "GraphQL"]
    target = megabytes * 1024 * 1024
    with path.open("w") as handle:
        handle.write("Senior Backend Engineer\nRequirements\n")
        written = 0
        while written < target:
            words = [rng.choice(prose) for _ in range(rng.randint(8, 30))]
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), rng.choice(terms))
            line = "- " + " ".join(words) + f" {written}\n"
            handle.write(line)
            written += len(line)


def scaled_banks(folder: Path, factor: int) -> None:
    """`factor - 1` renamed copies of every bundled bank, whose aliases never fire."""
    for source in sorted((ROOT / "question_banks").glob("*.yaml")):
        text = source.read_text()
        for copy in range(1, factor):
            bank_id = f"{source.stem}-copy{copy}"
            renamed = re.sub(rf"\b{re.escape(source.stem)}-", f"{bank_id}-", text)
            renamed = renamed.replace(f"id: {source.stem}\n", f"id: {bank_id}\n", 1)
            renamed = re.sub(r"(?m)^(aliases:\n)((?:  - .*\n)+)", rf"\1  - zzq{copy}x{source.stem}\n", renamed)
            renamed = re.sub(r"(?m)^case_sensitive_aliases:\n(?:  - .*\n)+", "", renamed)
            (folder / f"{bank_id}.yaml").write_text(renamed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--posting", type=Path, default=ROOT / "examples" / "northwind-payments-backend.txt")
    args = parser.parse_args()
    posting = args.posting.resolve()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each, posting {posting.name}")
        banks = scratch / "banks"
        banks.mkdir()
        scaled_banks(banks, 10)
        bank_count = len(list(banks.glob("*.yaml"))) + len(list((ROOT / "question_banks").glob("*.yaml")))
        floor_runs, build_runs, scaled_runs = alternate(
            [
                [sys.executable, "-c", "import genanki, yaml, click, markdown_it"],
                [*PREP, "build", str(posting), "--out", str(scratch / "out")],
                [*PREP, "build", str(posting), "--out", str(scratch / "out10"), "--banks", str(banks)],
            ],
            args.runs,
            scratch,
        )
        floor = report("floor: import genanki, yaml, click, markdown_it", *floor_runs)
        build = report("prep build", *build_runs)
        print(f"{'':<44} build / floor = {build / floor:.2f}x")
        scaled = report(f"prep build with 10x banks ({bank_count} banks)", *scaled_runs)
        print(f"{'':<44} 10x banks / 1x banks = {scaled / build:.2f}x")

        folder = scratch / "postings"
        folder.mkdir()
        make_postings(folder, 500, posting.read_text())
        ((times, peak, cpu),) = alternate([[*PREP, "topics", str(folder), "--json"]], max(3, args.runs // 2), scratch)
        report(
            "prep topics, 500 postings in one process",
            times,
            peak,
            cpu,
            f"  = {500 / statistics.median(times):.0f} postings/s",
        )

        big = scratch / "big.txt"
        make_big_posting(big, 10)
        report(
            f"prep topics on a {big.stat().st_size / 1e6:.1f} MB posting",
            *alternate([[*PREP, "topics", str(big), "--json"]], max(3, args.runs // 2), scratch)[0],
        )
        shutil.rmtree(scratch / "out", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
