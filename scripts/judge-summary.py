#!/usr/bin/env python3
"""Summarise (and with --check, verify) what a real judge made of the pairs in an iftdb store.

usage: judge-summary.py STORE ANSWER_PROMPT [--check] [--iftdb BIN]

Reads the newest `judgments` run and the judgments of the answers of ANSWER_PROMPT (its
latest version). Prints how many pairs the judge graded (the share of its replies that
held a usable score), the mean score, the scores 1 to 5 and the pass rate: the pairs
scored 4 or more. With --check it fails (exit 1) when the structure is wrong, never for
what the model thought: every answer has exactly one judgment, or its run failed it with
a reason in `calls`; every score is 1 to 5 and comes from a successful call about that
answer; `iftdb stats` and `iftdb export --min-score 4` (with --iftdb) agree with the rows.
"""
import json, subprocess, sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
check = "--check" in sys.argv
iftdb = None
if "--iftdb" in sys.argv:
    iftdb = sys.argv[sys.argv.index("--iftdb") + 1]
    args = [a for a in args if a != iftdb]
if len(args) != 2:
    sys.exit(__doc__)
store, aname = args
import sqlite3
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)

row = db.execute("SELECT id FROM prompts WHERE name = ? ORDER BY version DESC LIMIT 1", (aname,)).fetchone()
if not row:
    sys.exit(f"judge-summary: no prompt named {aname} in {store}")
ap = row[0]
run = db.execute("SELECT id, prompt_id, model_id, status FROM runs WHERE kind = 'judgments' ORDER BY id DESC LIMIT 1").fetchone()
if not run:
    sys.exit(f"judge-summary: no judgments run in {store}; run `iftdb generate judgments` first")
run_id, judge, model, status = run
answers = [r[0] for r in db.execute("SELECT id FROM answers WHERE prompt_id = ? ORDER BY id", (ap,))]
judged = {}
problems = []
for aid, score, call, call_run, item, http, error in db.execute("""
        SELECT j.answer_id, j.score, j.call_id, k.run_id, k.item, k.http_status, k.error
        FROM judgments j LEFT JOIN calls k ON k.id = j.call_id
        WHERE j.prompt_id = ? AND j.model_id = ? AND j.sample = 1""", (judge, model)):
    if aid in judged:
        problems.append(f"answer {aid} has two judgments from one judge and sample")
    judged[aid] = score
    if not (isinstance(score, int) and 1 <= score <= 5):
        problems.append(f"answer {aid} has the score {score!r}")
    if call_run is None or item != f"answer:{aid}/1" or http != 200 or error is not None:
        problems.append(f"answer {aid}'s judgment points at call {call} ({item}, HTTP {http}, error {error!r})")
failed = {}
for item, error in db.execute("""
        SELECT item, error FROM calls WHERE run_id = ? AND id IN (SELECT max(id) FROM calls WHERE run_id = ? GROUP BY item)""",
        (run_id, run_id)):
    aid = int(item.split(":")[1].split("/")[0])
    if aid not in judged:
        failed[aid] = error
for aid in answers:
    if aid not in judged and aid not in failed:
        problems.append(f"answer {aid} has no judgment and no failed call")
    if aid in failed and not failed[aid]:
        problems.append(f"answer {aid} failed without a reason")
if status not in ("done", "failed") or (status == "failed") != bool(failed):
    problems.append(f"run {run_id} ended {status} with {len(failed)} failed pairs")

scores = [judged[a] for a in answers if a in judged]
histogram = [scores.count(s) for s in range(1, 6)]
passed = [a for a in answers if judged.get(a, 0) >= 4]
asked = len(scores) + len(failed)
mean = sum(scores) / len(scores) if scores else None
print(f"judge: graded {len(scores)}/{len(answers)} pairs (usable replies {len(scores)}/{asked}) · "
      f"mean score {'n/a' if mean is None else format(mean, '.2f')} · scores 1/2/3/4/5: {'/'.join(map(str, histogram))} · "
      f"pass rate (score >= 4): {len(passed)}/{len(answers)} = {len(passed) / len(answers) if answers else 0:.0%}",
      file=sys.stderr)
for aid, error in sorted(failed.items())[:3]:
    print(f"  answer {aid} not graded: {error}", file=sys.stderr)

if iftdb:
    stats = subprocess.run([iftdb, "stats", "--db", store, "--json", "--answer-prompt", aname], capture_output=True, text=True)
    if stats.returncode != 0:
        problems.append(f"iftdb stats failed: {stats.stderr.strip()}")
    else:
        group = json.loads(stats.stdout)["groups"][0]
        if group["judged"] != len(scores) or group["score_histogram"] != histogram:
            problems.append(f"iftdb stats says {group['judged']} judged, scores {group['score_histogram']}; the rows say {len(scores)}, {histogram}")
    export = subprocess.run([iftdb, "export", "--db", store, "--format", "jsonl", "--min-score", "4", "--answer-prompt", aname],
                            capture_output=True, text=True)
    kept = sorted(json.loads(line)["answer_id"] for line in export.stdout.splitlines()) if export.returncode == 0 else []
    if export.returncode not in (0, 2) or (export.returncode == 2 and passed) or kept != sorted(passed):
        problems.append(f"iftdb export --min-score 4 kept answers {kept} (exit {export.returncode}: {export.stderr.strip()[-200:]}); "
                        f"the rows say {sorted(passed)}")

if check:
    for problem in problems:
        print(f"judge-summary: {problem}", file=sys.stderr)
    if problems or not answers:
        sys.exit(1)
    print(f"judge-summary: ok: {len(answers)} pairs, {len(scores)} graded, {len(failed)} failed with a reason", file=sys.stderr)
