#!/usr/bin/env python3
"""Times Roster against its peers on one generated contacts file; run through scripts/bench.

Each task (CSV to JSONL, CSV to JSON, CSV to CSV, CSV to XLSX, validate only) runs Roster and every
selected peer that does that task, alternating tools within each round, for --runs rounds. A run's wall
time is measured around the process (start to exit) and its peak memory is the process's maximum
resident set size from wait4(2) (the figure `/usr/bin/time -v` prints; no peer forks, so it is the
whole tool). Tables show medians; ratios are peer time / Roster time, so above 1 means Roster is faster.
Roster always runs with full validation and group resolution; peers run without, their best case.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

TASKS = ["jsonl", "json", "csv", "xlsx", "validate"]
TASK_TITLES = {"jsonl": "CSV to JSONL", "json": "CSV to JSON", "csv": "CSV to CSV (Roster: YAML metadata cell)",
               "xlsx": "CSV to XLSX", "validate": "validate only (no output)"}
PEERS = ["roster-1-thread", "polars-stream", "polars-eager", "duckdb", "miller", "python-csv", "python-validating",
         "xlsxwriter"]
# Which peers do which task (Roster does all of them). "roster-1-thread" is Roster's single-core mode.
PEER_TASKS = {
    "roster-1-thread": ["jsonl", "validate"],
    "polars-stream": ["jsonl", "csv"],
    "polars-eager": ["jsonl", "json"],
    "duckdb": ["jsonl", "json", "csv"],
    "miller": ["jsonl", "json", "csv"],
    "python-csv": ["jsonl", "json", "csv"],
    "python-validating": ["jsonl", "validate"],
    "xlsxwriter": ["xlsx"],
}
EXTENSIONS = {"jsonl": "jsonl", "json": "json", "csv": "csv", "xlsx": "xlsx", "validate": "none"}
# Instruction-count stages, matched in this order against demangled Swift names. A function's own cost
# goes to its stage; a function no pattern names (the Swift runtime, malloc, shared helpers such as
# ByteOutput) is charged to the stages of its callers in proportion to the calls (see stage_costs).
STAGES = [
    ("CSV reading", [r"\bCSVRecord(Reader)?\b", r"\bInputFile\b", r"\bInputChain\b", r"TranscodingSource",
                     r"\bUTF8Validation\b"]),
    ("mapping", [r"\bContactMapper\b", r"\bCSVRowReader\b", r"\bHeaderMap\b", r"\bNestedFields\b",
                 r"trimmingASCIIWhitespace"]),
    ("email validation", [r"\bEmail[A-Za-z]*\b"]),
    ("phone validation", [r"\bPhone[A-Za-z]*\b"]),
    ("id / SHA-1", [r"\bContactIdentifier\b", r"\bSHA1\b", r"\bNameBasedUUID\b"]),
    ("group scan / index", [r"\bscanGroups\b", r"\bGroupDirectory\b", r"\bMembership[A-Za-z]*\b",
                            r"\bGroupLinker\b", r"\bGroupMemberIndex\b"]),
    ("JSON writing", [r"\bJSONContactWriter\b"]),
    ("report", [r"\bIssueReport[A-Za-z]*\b", r"\bIssueSpool\b", r"\bReport[A-Za-z]*Sink\b"]),
    ("first-pass spool", [r"\bPreparedRowSpool\b", r"\bContactSpoolCodec\b"]),
    ("batches / threads", [r"\bPreparedRowStream\b", r"\bRowBatch\b", r"\bBatchCoordinator\b"]),
]


def parse_arguments():
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows in the generated file")
    parser.add_argument("--runs", type=int, default=3, help="rounds; each tool runs once per round")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated: " + ",".join(TASKS))
    parser.add_argument("--peers", default="all", help="all, none, or comma-separated: " + ",".join(PEERS))
    parser.add_argument("--validating-runs", type=int, default=1,
                        help="rounds for the validating Python script, which takes minutes a run (default 1)")
    parser.add_argument("--quick", action="store_true", help="100,000 rows and one round")
    parser.add_argument("--callgrind", action="store_true",
                        help="only the instruction-count profile of CSV to JSONL on 100,000 rows")
    parser.add_argument("--memory-scale", action="store_true",
                        help="only Roster CSV to JSONL on 1,000,000 and 10,000,000 rows: peaks and ratio")
    parser.add_argument("--roster", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--peer-python", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--data", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--root", required=True, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.quick:
        options.rows, options.runs = 100_000, 1
    options.tasks = [task for task in options.tasks.split(",") if task]
    for task in options.tasks:
        if task not in TASKS:
            parser.error(f"unknown task {task} (tasks: {', '.join(TASKS)})")
    if options.peers == "all":
        options.peers = list(PEERS)
    elif options.peers == "none":
        options.peers = []
    else:
        options.peers = [peer for peer in options.peers.split(",") if peer]
        for peer in options.peers:
            if peer not in PEERS:
                parser.error(f"unknown peer {peer} (peers: {', '.join(PEERS)})")
    return options


def contacts_file(options, rows):
    """The generated file of `rows` rows, made once by scripts/generate-contacts and reused."""
    path = os.path.join(options.data, f"contacts-{rows}.csv")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        print(f"generating {rows:,} rows into {path} ...", file=sys.stderr, flush=True)
        partial = path + ".partial"
        with open(partial, "wb") as output:
            subprocess.run([sys.executable, os.path.join(options.root, "scripts/generate-contacts"), str(rows)],
                           stdout=output, check=True)
        os.replace(partial, path)
    return path


def command_line(tool, task, options, source, destination, report):
    """The argument list that makes `tool` do `task`, and the exit codes that mean it worked."""
    python = options.peer_python
    peers = os.path.join(options.root, "scripts/bench-peers")
    if tool in ("roster", "roster-1-thread"):
        threads = ["--threads", "1"] if tool == "roster-1-thread" else []
        if task == "validate":
            return [options.roster, "validate", source, "--quiet", "--report", report,
                    "--report-format", "json"] + threads, {1}
        return [options.roster, "convert", source, "--to", task, "-o", destination, "--quiet",
                "--report", report, "--report-format", "json"] + threads, {0}
    if tool == "polars-stream":
        return [python, f"{peers}/polars_peer.py", f"stream-{task}", source, destination], {0}
    if tool == "polars-eager":
        return [python, f"{peers}/polars_peer.py", f"eager-{task}", source, destination], {0}
    if tool == "duckdb":
        return [python, f"{peers}/duckdb_peer.py", task, source, destination], {0}
    if tool == "miller":
        flag = {"jsonl": "--ojsonl", "json": "--ojson", "csv": "--ocsv"}[task]
        return ["sh", "-c", 'exec mlr --icsv "$1" cat "$2" > "$3"', "mlr", flag, source, destination], {0}
    if tool == "python-csv":
        return [python, f"{peers}/csv_peer.py", task, source, destination], {0}
    if tool == "python-validating":
        mode = "none" if task == "validate" else task
        return [python, f"{peers}/validating.py", mode, source, destination, report], {0}
    if tool == "xlsxwriter":
        return [python, f"{peers}/xlsxwriter_peer.py", source, destination], {0}
    raise ValueError(tool)


def timed_run(arguments, expected_codes):
    """Runs one command; returns (wall seconds, peak resident MB). Stops the benchmark if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr_output = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in expected_codes:
        sys.exit(f"bench: {' '.join(arguments)} exited {process.returncode}:\n"
                 f"{stderr_output.decode(errors='replace')[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def describe_machine(options):
    lines = []
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    lines.append(f"machine: {os.cpu_count()} cores ({model}), {total_kb / 1024 / 1024:.1f} GiB RAM, "
                 f"Linux {platform.release()}")
    lines.append(f"swift: {swift[0] if swift else 'unknown'}")
    lines.append(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    lines.append(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    return lines


def peer_versions(options):
    script = ("import importlib.metadata as m\n"
              "for name in ['polars','duckdb','xlsxwriter','phonenumbers','email-validator']:\n"
              "    print(f'{name} {m.version(name)}', end='; ')\n")
    versions = subprocess.run([options.peer_python, "-c", script], capture_output=True, text=True).stdout
    miller = subprocess.run(["mlr", "--version"], capture_output=True, text=True).stdout.strip()
    python = subprocess.run([options.peer_python, "--version"], capture_output=True, text=True).stdout.strip()
    return f"peers: {versions}{miller}; {python}"


def tool_label(tool, task):
    if tool == "roster":
        return "roster (validating)"
    return {"roster-1-thread": "roster, --threads 1", "polars-stream": "polars streaming",
            "polars-eager": "polars eager", "duckdb": "duckdb",
            "miller": "miller", "python-csv": "python csv module", "python-validating": "python validating",
            "xlsxwriter": "python xlsxwriter"}[tool]


def benchmark(options):
    source = contacts_file(options, options.rows)
    size = os.path.getsize(source)
    for line in describe_machine(options):
        print(line)
    if options.peers:
        print(peer_versions(options))
    print(f"input: {source} ({options.rows:,} rows, {size / 1e6:.1f} MB); {options.runs} round(s) "
          f"({min(options.runs, options.validating_runs)} for python validating), tools alternating within "
          "each round; median shown")
    print(flush=True)
    with open(source, "rb") as warm:  # the first timed run should not be the only one to read from disk
        while warm.read(1 << 20):
            pass
    work = os.path.join(options.data, "out")
    os.makedirs(work, exist_ok=True)
    medians = {}
    roster_peaks = []
    for task in options.tasks:
        tools = ["roster"] + [peer for peer in options.peers if task in PEER_TASKS[peer]]
        runs = {tool: [] for tool in tools}
        for round_number in range(options.runs):
            for tool in tools:
                if tool == "python-validating" and round_number >= options.validating_runs:
                    continue
                destination = os.path.join(work, f"{tool}.{EXTENSIONS[task]}")
                report = os.path.join(work, f"{tool}-report.json")
                arguments, codes = command_line(tool, task, options, source, destination, report)
                runs[tool].append(timed_run(arguments, codes))
                for path in (destination, report):
                    if os.path.exists(path):
                        os.remove(path)
        print(f"{TASK_TITLES[task]}")
        print(f"  {'tool':<22}{'median s':>9}{'rows/s':>12}{'MB/s':>8}{'peak MB':>9}{'peer/Roster':>12}   runs (s)")
        roster_seconds = statistics.median(seconds for seconds, _ in runs["roster"])
        for tool in tools:
            seconds = statistics.median(value for value, _ in runs[tool])
            peak = max(value for _, value in runs[tool])
            medians[(task, tool)] = seconds
            if tool in ("roster", "roster-1-thread"):
                roster_peaks.append(peak)
            ratio = "" if tool == "roster" else f"{seconds / roster_seconds:.2f}x"
            each = " ".join(f"{value:.2f}" for value, _ in runs[tool])
            print(f"  {tool_label(tool, task):<22}{seconds:>9.2f}{options.rows / seconds:>12,.0f}"
                  f"{size / 1e6 / seconds:>8.1f}{peak:>9.1f}{ratio:>12}   {each}")
        print(flush=True)
    print(f"targets (measured now; ratios hold at any size, the 0.6 s target is for 1,000,000 rows):")
    print_targets(options, medians, roster_peaks)
    print(f"load average at end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    shutil.rmtree(work, ignore_errors=True)


def print_targets(options, medians, roster_peaks):
    def line(target, measured, met):
        verdict = "n/a" if met is None else ("met" if met else "NOT met")
        print(f"  {target:<52}{measured:<36}{verdict}")

    jsonl = medians.get(("jsonl", "roster"))

    def ratio_target(target, peer, task, at_least):
        if (task, "roster") not in medians or (task, peer) not in medians:
            line(target, "not measured", None)
            return
        roster = medians[(task, "roster")]
        ratio = medians[(task, peer)] / roster
        line(target, f"{ratio:.2f}x ({medians[(task, peer)]:.2f} s / {roster:.2f} s)", ratio >= at_least)

    if jsonl is None:
        line("CSV to JSONL in at most 0.6 s", "not measured", None)
    else:
        line("CSV to JSONL in at most 0.6 s", f"{jsonl:.2f} s at {options.rows:,} rows",
             jsonl <= 0.6 if options.rows == 1_000_000 else None)
    ratio_target("CSV to JSONL ahead of Polars streaming", "polars-stream", "jsonl", 1.0)
    ratio_target("CSV to JSONL over 2x DuckDB", "duckdb", "jsonl", 2.0)
    ratio_target("CSV to JSONL about 100x Python validating (>=100x)", "python-validating", "jsonl", 100.0)
    if ("xlsx", "roster") in medians:
        ratio_target("CSV to XLSX at least 3x Python xlsxwriter", "xlsxwriter", "xlsx", 3.0)
    else:
        line("CSV to XLSX at least 3x Python xlsxwriter", "not measured", None)
    line("Roster peak memory under 64 MB (every task)", f"max {max(roster_peaks):.1f} MB", max(roster_peaks) < 64)
    validate = medians.get(("validate", "roster"))
    if validate is None or jsonl is None:
        line("validate at least as fast as CSV to JSONL", "not measured", None)
    else:
        line("validate at least as fast as CSV to JSONL", f"{validate:.2f} s vs {jsonl:.2f} s", validate <= jsonl)
    line("peaks at 1M and 10M rows within 10%", "see scripts/bench --memory-scale", None)


def memory_scale(options):
    for line in describe_machine(options):
        print(line)
    work = os.path.join(options.data, "out")
    os.makedirs(work, exist_ok=True)
    peaks = {}
    print(f"  {'rows':>12}{'MB':>10}{'seconds':>10}{'peak MB':>10}")
    for rows in (1_000_000, 10_000_000):
        source = contacts_file(options, rows)
        arguments, codes = command_line("roster", "jsonl", options, source, os.path.join(work, "out.jsonl"),
                                        os.path.join(work, "report.json"))
        seconds, peak = timed_run(arguments, codes)
        peaks[rows] = peak
        print(f"  {rows:>12,}{os.path.getsize(source) / 1e6:>10.1f}{seconds:>10.2f}{peak:>10.1f}", flush=True)
    ratio = peaks[10_000_000] / peaks[1_000_000]
    print(f"peak at 10M / peak at 1M: {ratio:.3f} (target: within 10%: "
          f"{'met' if abs(ratio - 1) <= 0.10 else 'NOT met'}; under 64 MB: "
          f"{'met' if max(peaks.values()) < 64 else 'NOT met'})")
    shutil.rmtree(work, ignore_errors=True)


def demangled(names):
    """Swift symbol names demangled (simplified), in order; other names unchanged."""
    result = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True,
                            text=True)
    lines = result.stdout.split("\n")
    return lines[:len(names)] if result.returncode == 0 and len(lines) >= len(names) else names


def read_callgrind(path):
    """Each function's own cost and each call edge's inclusive cost (Ir), from a callgrind output file.

    Functions are keyed by name: callgrind splits a function whose code was inlined from several files,
    and those parts are one function here.
    """
    names = {}
    own = {}
    edges = {}
    total = None
    current = callee = None
    call_pending = False

    def resolve(text):
        text = text.strip()
        match = re.match(r"\((\d+)\)(?:\s+(.*))?$", text)
        if not match:
            return text
        if match.group(2) is not None:
            names[match.group(1)] = match.group(2)
        return names.get(match.group(1), text)

    with open(path, encoding="utf-8", errors="replace") as profile:
        for line in profile:
            first = line[:1]
            if first.isdigit() or first in "+-*":
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                if call_pending:
                    if callee != current:
                        edges[(current, callee)] = edges.get((current, callee), 0) + cost
                    call_pending = False
                else:
                    own[current] = own.get(current, 0) + cost
            elif line.startswith("fn="):
                current = resolve(line[3:])
                own.setdefault(current, 0)
            elif line.startswith("cfn="):
                callee = resolve(line[4:])
            elif line.startswith("calls="):
                call_pending = True
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    return own, edges, total if total is not None else sum(own.values())


def stage_of(name):
    # Outlined copies and destroys are shared code: the linker folds identical ones into one symbol
    # named after whichever type it kept (a row's destroy can be called "outlined destroy of
    # ContactPipeline<..., IssueReportWriter>"), so they go to their callers' stages.
    if name.startswith("outlined "):
        return None
    for stage, patterns in STAGES:
        if any(re.search(pattern, name) for pattern in patterns):
            return stage
    return None


def stage_costs(own, edges, readable):
    """Instructions per stage, adding up to the total.

    A function a stage pattern names is all that stage's; any other function's own cost is split over
    the stages of its callers in proportion to the inclusive cost of their calls to it (so swift_release
    called from the mapper is mapping). The split is settled by repeating it until it no longer changes
    (recursion makes the call graph cyclic); what no staged caller reaches is "other".
    """
    inclusive = dict(own)
    callers = {}
    for (caller, callee), cost in edges.items():
        inclusive[caller] = inclusive.get(caller, 0) + cost
        callers.setdefault(callee, []).append((caller, cost))
    # Fixed shares: a function a stage names, and a root (no caller), which is "other".
    context = {}
    derived = []
    for function in inclusive:
        stage = stage_of(readable.get(function, function))
        if stage is not None:
            context[function] = {stage: 1.0}
        elif function not in callers:
            context[function] = {"other": 1.0}
        else:
            context[function] = {}
            derived.append(function)
    for _ in range(50):
        changed = False
        for function in derived:
            flows = {}
            for caller, cost in callers[function]:
                for caller_stage, fraction in context.get(caller, {}).items():
                    flows[caller_stage] = flows.get(caller_stage, 0) + cost * fraction
            flow = sum(flows.values())
            share = {key: value / flow for key, value in flows.items()} if flow else {}
            before = context[function]
            if any(abs(share.get(key, 0) - before.get(key, 0)) > 1e-6 for key in set(share) | set(before)):
                changed = True
            context[function] = share
        if not changed:
            break
    costs = {stage: 0.0 for stage, _ in STAGES}
    costs["other"] = 0.0
    for function, share in context.items():
        if not share:
            share = context[function] = {"other": 1.0}
        for key, fraction in share.items():
            costs[key] += own.get(function, 0) * fraction
    return costs, inclusive, context


def callgrind(options):
    rows = 100_000
    source = contacts_file(options, rows)
    for line in describe_machine(options):
        print(line)
    work = os.path.join(options.data, "out")
    os.makedirs(work, exist_ok=True)
    profile = os.path.join(options.data, "callgrind.out")
    # One thread: with more, how much the main thread helps the others depends on timing.
    arguments, codes = command_line("roster-1-thread", "jsonl", options, source, os.path.join(work, "out.jsonl"),
                                    os.path.join(work, "report.json"))
    print(f"valgrind --tool=callgrind: roster convert, {rows:,} rows, CSV to JSONL with validation and groups "
          f"(profile: {profile})", flush=True)
    timed_run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + profile] + arguments, codes)
    own, edges, total = read_callgrind(profile)
    functions = sorted(set(own) | {callee for _, callee in edges})
    readable = dict(zip(functions, demangled(functions)))
    costs, inclusive, context = stage_costs(own, edges, readable)
    print(f"total instructions (Ir): {total:,} ({total / rows:,.0f} per row)")
    # valgrind does not pass on the CPU's SHA extensions (CPUID hides them), so Roster takes its portable path.
    print("note: under valgrind SHA-1 runs Roster's Swift compression; natively, on a CPU with the SHA "
          "extensions, each block goes to CSHA1Hardware instead")
    print()
    print("stages (own cost of the stage's functions, plus the runtime and helpers they call):")
    for stage in [stage for stage, _ in STAGES] + ["other"]:
        print(f"  {stage:<22}{costs[stage]:>16,.0f}{100 * costs[stage] / total:>7.1f}%"
              f"{costs[stage] / rows:>10,.0f} per row")
    print()
    print("top 15 functions by inclusive Ir (leaving out the process entry, the command wrappers, which include "
          "everything, and protocol witness thunks); a function no stage names shows the stages it is called from:")
    shown = 0
    for function in sorted(inclusive, key=inclusive.get, reverse=True):
        name = readable.get(function, function)
        if inclusive[function] >= 0.95 * total or name.startswith("protocol witness for"):
            continue
        own_stage = stage_of(name)
        if own_stage is not None:
            label = own_stage
        else:
            share = sorted(context.get(function, {"other": 1.0}).items(), key=lambda item: -item[1])
            label = "other" if share[0][0] == "other" and share[0][1] > 0.95 else "from " + ", ".join(f"{stage} {100 * fraction:.0f}%" for stage, fraction in share[:3]
                                         if fraction >= 0.05)
        print(f"  {inclusive[function]:>16,}{100 * inclusive[function] / total:>7.1f}%  [{label}] {name[:120]}")
        shown += 1
        if shown == 15:
            break
    shutil.rmtree(work, ignore_errors=True)


def main():
    options = parse_arguments()
    if options.callgrind:
        callgrind(options)
    elif options.memory_scale:
        memory_scale(options)
    else:
        benchmark(options)


if __name__ == "__main__":
    main()
