#!/usr/bin/env python3
"""Judges `scripts/bench --compare`: reads the RESULT lines of interleaved rounds, takes each
figure's median per binary, and prints per figure old, new, new/old and a verdict, then one
verdict per section. Exit status 1 when a section is more than 10 % slower.

Input lines (one per figure and run): `side=old|new round=N RESULT section=… case=… subject=…
metric=… value=… unit=… better=higher|lower kind=speed|memory|ratio`. Only iftdb's own
figures are compared (baselines do not depend on the binary).

A speed figure is SLOWER when the new binary takes more than 10 % longer: for a rate,
old/new > 1.10; for a time, new/old > 1.10. A memory figure more than 10 % larger is
flagged LARGER but does not make its section slower. The spread is half the range of a
figure's values over the rounds, relative to its median, the larger of old and new: when a
SLOWER figure's spread is above 10 %, or its best rounds are within 10 % of each other,
the machine was too noisy to tell: the verdict stands (it is the medians'), but run more
--rounds on a quieter machine.

Usage: compare-bench.py RESULTS_FILE [--label TEXT]   |   compare-bench.py --self-test
"""
import statistics
import sys

LIMIT = 1.10


def parse(lines):
    """{(section, case, metric): {"old": [values], "new": [values], "unit", "better", "kind"}}, in input order."""
    figures = {}
    for line in lines:
        fields = dict(token.split("=", 1) for token in line.split() if "=" in token)
        if "RESULT" not in line.split() or fields.get("subject") != "iftdb":
            continue
        key = (fields["section"], fields["case"], fields["metric"])
        figure = figures.setdefault(key, {"old": [], "new": [], "unit": fields["unit"],
                                          "better": fields["better"], "kind": fields["kind"]})
        figure[fields["side"]].append(float(fields["value"]))
    return figures


def spread(values):
    """Half the range of values, relative to their median."""
    middle = statistics.median(values)
    return (max(values) - min(values)) / 2 / middle if middle else 0.0


def slowdown_of(figure):
    """How much longer the new binary took than the old one, by the medians (1.0 = the same)."""
    old, new = statistics.median(figure["old"]), statistics.median(figure["new"])
    if figure["better"] == "higher":
        return old / new if new else float("inf")
    return new / old if old else float("inf")


def judge(figure):
    """(old median, new median, new/old, verdict) for one figure."""
    if not figure["old"] and figure["new"]:
        # A figure the old binary cannot give (a case for a new flag): nothing to compare.
        return None, statistics.median(figure["new"]), None, "NEW"
    if not figure["old"] or not figure["new"]:
        return None, None, None, "MISSING"
    old, new = statistics.median(figure["old"]), statistics.median(figure["new"])
    ratio = new / old if old else float("inf")
    if figure["kind"] == "speed":
        return old, new, ratio, "SLOWER >10 %" if slowdown_of(figure) > LIMIT else "ok"
    if figure["kind"] == "memory":
        return old, new, ratio, "LARGER >10 %" if ratio > LIMIT else "ok"
    return old, new, ratio, "ok"


def best_slowdown(figure):
    """How much longer the new binary's best round took than the old one's (1.0 = the same)."""
    if figure["better"] == "higher":
        best_old, best_new = max(figure["old"]), max(figure["new"])
        return best_old / best_new if best_new else float("inf")
    best_old, best_new = min(figure["old"]), min(figure["new"])
    return best_new / best_old if best_old else float("inf")


def report(figures, out):
    """Prints the table and the section verdicts; returns the sections that are slower."""
    rows, sections = [], {}
    for (section, case, metric), figure in figures.items():
        old, new, ratio, verdict = judge(figure)
        noise = max((spread(figure[side]) for side in ("old", "new") if figure[side]), default=0.0)
        rows.append((section, case, metric, figure["unit"], old, new, ratio, noise, verdict))
        worst = sections.setdefault(section, [])
        if verdict == "MISSING":
            worst.append(f"{case} {metric}: MISSING")
        elif verdict.startswith("SLOWER"):
            best = best_slowdown(figure)
            note = f"{case} {metric}: median {100 * (slowdown_of(figure) - 1):.0f} % slower, best rounds {100 * (best - 1):+.0f} %, spread ±{100 * noise:.0f} %"
            if best <= LIMIT or noise > LIMIT - 1:
                note += ": noisy, run more --rounds on a quieter machine"
            worst.append(note)
    number = lambda v: "-" if v is None else f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    out.write(f"{'section':<9} {'case':<16} {'metric':<28} {'old':>10} {'new':>10} {'new/old':>8} {'spread':>7}  verdict\n")
    for section, case, metric, unit, old, new, ratio, noise, verdict in rows:
        out.write(f"{section:<9} {case:<16} {metric + ' (' + unit + ')':<28} {number(old):>10} {number(new):>10} "
                  f"{number(ratio):>8} {'±' + format(100 * noise, '.0f') + ' %':>7}  {verdict}\n")
    for section, case, metric, unit, old, new, ratio, noise, verdict in rows:
        out.write(f"COMPARE section={section} case={case} metric={metric} unit={unit} old={number(old)} "
                  f"new={number(new)} ratio={number(ratio)} spread={noise:.3f} verdict={verdict.split()[0]}\n")
    slower = []
    for section, problems in sections.items():
        if problems:
            slower.append(section)
            out.write(f"section {section}: SLOWER >10 % ({'; '.join(problems)})\n")
        else:
            out.write(f"section {section}: ok (no speed figure more than 10 % slower)\n")
    return slower


def self_test():
    lines = []
    def add(side, value, metric="mb_per_s", better="higher", kind="speed", section="load", subject="iftdb"):
        lines.append(f"side={side} round=1 RESULT section={section} case=c subject={subject} metric={metric} "
                     f"value={value} unit=u better={better} kind={kind}")
    for old, new in ((10.0, 9.5), (10.0, 10.2), (99.0, 1.0)):  # medians 10.0 and 9.5: 5 % slower
        add("old", old); add("new", new)
    for old, new in ((1.0, 1.12), (1.0, 1.15), (1.0, 1.0)):    # a time, median 12 % longer
        add("old", old, "seconds", "lower", section="export"); add("new", new, "seconds", "lower", section="export")
    add("old", 100, "calls_per_s", section="generate"); add("new", 89, "calls_per_s", section="generate")  # 12.4 % longer
    add("old", 30, "peak_mb", "lower", "memory", section="diff"); add("new", 40, "peak_mb", "lower", "memory", section="diff")
    add("old", 5, "mb_per_s", section="diff", subject="python"); add("new", 1, "mb_per_s", section="diff", subject="python")
    # A case only the new binary runs is new, not slower; one the new binary lost is missing.
    lines.append("side=new round=1 RESULT section=export case=added subject=iftdb metric=seconds value=3 unit=s better=lower kind=speed")
    lines.append("side=old round=1 RESULT section=export case=dropped subject=iftdb metric=seconds value=3 unit=s better=lower kind=speed")
    figures = parse(lines)
    checks = {
        ("load", "c", "mb_per_s"): "ok",
        ("export", "c", "seconds"): "SLOWER >10 %",
        ("generate", "c", "calls_per_s"): "SLOWER >10 %",
        ("diff", "c", "peak_mb"): "LARGER >10 %",
        ("export", "added", "seconds"): "NEW",
        ("export", "dropped", "seconds"): "MISSING",
    }
    failures = [f"{key}: {judge(figures[key])[3]}, expected {want}" for key, want in checks.items()
                if judge(figures[key])[3] != want]
    if ("diff", "c", "mb_per_s") in figures:
        failures.append("a baseline's figure was compared")
    if judge(figures[("load", "c", "mb_per_s")])[:2] != (10.0, 9.5):
        failures.append(f"medians: {judge(figures[('load', 'c', 'mb_per_s')])[:2]}, expected (10.0, 9.5)")
    if abs(spread([10.0, 10.0, 99.0]) - 4.45) > 1e-9:
        failures.append(f"spread of 10, 10, 99: {spread([10.0, 10.0, 99.0])}, expected 4.45")
    class Sink:
        text = ""
        def write(self, s): self.text += s
    sink = Sink()
    slower = report(figures, sink)
    if sorted(slower) != ["export", "generate"]:
        failures.append(f"slower sections: {slower}, expected ['export', 'generate']")
    verdicts = {line.split()[1].rstrip(":"): line for line in sink.text.splitlines() if line.startswith("section ")}
    if "noisy" not in verdicts.get("export", ""):   # best rounds 1.0 and 1.0: not confirmed
        failures.append(f"export's verdict is not marked noisy: {verdicts.get('export')}")
    if "noisy" in verdicts.get("generate", "noisy"):  # one round each, 12 % apart: confirmed
        failures.append(f"generate's verdict is marked noisy: {verdicts.get('generate')}")
    for failure in failures:
        print(f"compare-bench.py self-test: {failure}", file=sys.stderr)
    print("compare-bench.py self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if argv[1:2] in (["--help"], ["-h"]):
        print(__doc__.strip())
        return 0
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--label"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    with open(argv[1], encoding="utf-8") as f:
        figures = parse(f)
    if len(argv) == 4:
        print(argv[3])
    return 1 if report(figures, sys.stdout) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
