#!/usr/bin/env python3
"""Summarise (and with --check, verify) what a real model produced in an iftdb store.

usage: usable-questions.py STORE QUESTION_PROMPT ANSWER_PROMPT COUNT [--check] [--iftdb BIN]

A usable question is non-empty, ends in '?', is not a JSON fragment, and is not a repeat
(same normalised text) of another question about the same chunk. The usable-question rate
is usable questions over questions requested: every chunk the question runs asked about,
failed calls included, times COUNT.
"""
import json, os, re, sqlite3, subprocess, sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
check = "--check" in sys.argv
iftdb = os.environ.get("IFTDB_BIN")
if "--iftdb" in sys.argv:
    iftdb = sys.argv[sys.argv.index("--iftdb") + 1]
    args = [a for a in args if a != iftdb]
if len(args) != 4:
    sys.exit(__doc__)
store, qname, aname, count = args[0], args[1], args[2], int(args[3])
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)

def latest(name):
    row = db.execute("SELECT id, version FROM prompts WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)).fetchone()
    if not row:
        sys.exit(f"usable-questions: no prompt named {name} in {store}")
    return row[0]

qp, ap = latest(qname), latest(aname)
requested_items = db.execute(
    "SELECT count(DISTINCT k.item) FROM calls k JOIN runs r ON r.id = k.run_id WHERE r.kind = 'questions' AND r.prompt_id = ?",
    (qp,)).fetchone()[0]
requested = requested_items * count
questions = db.execute("SELECT id, chunk_id, text, normalized FROM questions WHERE prompt_id = ? ORDER BY id", (qp,)).fetchall()
chunks = {q[1] for q in questions}

def fragment(text):
    t = text.strip()
    return t[:1] in "{[" or re.search(r'"\s*:', t) is not None or t.endswith(("[", "{", '":'))

problems, usable, seen = [], 0, set()
for qid, chunk, text, key in questions:
    why = None
    if not text.strip():
        why = "empty"
    elif not text.rstrip().endswith("?"):
        why = "does not end in '?'"
    elif fragment(text):
        why = "a JSON fragment"
    elif (chunk, key) in seen:
        why = "repeats another question about its chunk"
    seen.add((chunk, key))
    if why:
        problems.append(f"question {qid} {why}: {text!r}")
    else:
        usable += 1

answers = db.execute(
    "SELECT a.id, a.question_id FROM answers a JOIN questions q ON q.id = a.question_id WHERE a.prompt_id = ? AND q.prompt_id = ?",
    (ap, qp)).fetchall()
per_question = {}
for aid, qid in answers:
    per_question.setdefault(qid, []).append(aid)
idk = None
if iftdb and answers:
    out = subprocess.run([iftdb, "sql", "--db", store, "--json",
                          f"SELECT avg(is_idk(text)) AS rate FROM answers WHERE prompt_id = {ap}"],
                         capture_output=True, text=True)
    if out.returncode == 0:
        idk = json.loads(out.stdout)[0]["rate"]

rate = usable / requested if requested else 0.0
print(f"pairs: {len(answers)} · questions: {len(questions)} on {len(chunks)} chunks · "
      f"usable-question rate: {usable}/{requested} = {rate:.0%} · "
      f"\"I don't know\" rate: {'n/a' if idk is None else format(idk, '.0%')}", file=sys.stderr)

if check:
    failures = list(problems)
    if len(chunks) < 3:
        failures.append(f"questions cover only {len(chunks)} chunks; at least 3 expected")
    for qid, _, _, _ in questions:
        n = len(per_question.get(qid, []))
        if n != 1:
            failures.append(f"question {qid} has {n} answers; exactly 1 expected")
    if iftdb:
        for aid, _ in answers:
            out = subprocess.run([iftdb, "show", f"answer:{aid}", "--json", "--db", store], capture_output=True, text=True)
            if out.returncode != 0:
                failures.append(f"show answer:{aid} failed: {out.stderr.strip()}")
                continue
            lineage = json.loads(out.stdout)
            for part, fields in {"source": ["id", "path", "version"], "chunk": ["id", "start", "end", "text"],
                                 "question": ["id", "text", "prompt", "model", "run_id", "call_id"],
                                 "answer": ["id", "text", "prompt", "model", "run_id", "call_id"]}.items():
                for field in fields:
                    if lineage.get(part, {}).get(field) in (None, ""):
                        failures.append(f"answer {aid}: lineage lacks {part}.{field}")
    if failures:
        print("usable-questions: check failed:\n  " + "\n  ".join(failures[:30]), file=sys.stderr)
        sys.exit(1)
    print(f"usable-questions: ok: {len(questions)} questions, {len(answers)} answers, lineage complete", file=sys.stderr)
