#!/usr/bin/env python3
"""Checks iftdb's csv, json, lamini and openai exports of one selection against each other.

Usage: scripts/check-exports.py FOLDER

FOLDER holds pairs.csv, pairs.json, pairs.lamini.json and pairs.openai.jsonl, written by
`iftdb export --format csv|json|lamini|openai` with the same filters. Checks that the CSV
(header Data,Questions,Answers) parses to the same (chunk, question, answer) triples as the
JSON, that the lamini file holds the same triples, and that every OpenAI line follows the
chat fine-tuning rules: an object with a `messages` list whose roles are system (optional),
user, assistant in that order, each with non-empty string content, the assistant turn being
the answer. Exits 0 when all hold; otherwise prints the first problem and exits 1.
Standard library only.
"""
import csv
import json
import os
import sys

FILES = {
    "csv": "pairs.csv",
    "json": "pairs.json",
    "lamini": "pairs.lamini.json",
    "openai": "pairs.openai.jsonl",
}


class Problem(Exception):
    pass


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, strict=True))
    if not rows or rows[0] != ["Data", "Questions", "Answers"]:
        raise Problem(f"{path}: the header is {rows[0] if rows else 'missing'}, not Data,Questions,Answers")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3:
            raise Problem(f"{path}: record {number} has {len(row)} fields, not 3")
    return [tuple(row) for row in rows[1:]]


def read_json(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise Problem(f"{path}: not a JSON array")
    triples = []
    for index, item in enumerate(data):
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item)):
            raise Problem(f"{path}: item {index} is not [chunk, question, answer] strings")
        triples.append(tuple(item))
    return triples


def read_lamini(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise Problem(f"{path}: not a JSON array")
    triples = []
    for index, item in enumerate(data):
        ok = (isinstance(item, list) and len(item) == 2 and isinstance(item[0], dict) and isinstance(item[1], dict)
              and set(item[0]) == {"data", "question"} and set(item[1]) == {"answer"}
              and all(isinstance(v, str) for v in (item[0]["data"], item[0]["question"], item[1]["answer"])))
        if not ok:
            raise Problem(f'{path}: item {index} is not [{{"data", "question"}}, {{"answer"}}] strings')
        triples.append((item[0]["data"], item[0]["question"], item[1]["answer"]))
    return triples


def read_openai(path):
    lines = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith("\n"):
                raise Problem(f"{path}: line {number} does not end with a newline")
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as error:
                raise Problem(f"{path}: line {number} is not JSON ({error})")
            messages = obj.get("messages") if isinstance(obj, dict) else None
            if not isinstance(messages, list):
                raise Problem(f"{path}: line {number} has no `messages` list")
            roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
            if roles not in (["user", "assistant"], ["system", "user", "assistant"]):
                raise Problem(f"{path}: line {number} has roles {roles}; expected [system?, user, assistant]")
            for m in messages:
                content = m.get("content")
                if not isinstance(content, str) or not content.strip():
                    raise Problem(f"{path}: line {number}: the {m.get('role')} message has empty or non-string content")
            lines.append(messages)
    return lines


def check(folder):
    paths = {name: os.path.join(folder, file) for name, file in FILES.items()}
    for name, path in paths.items():
        if not os.path.isfile(path):
            raise Problem(f"{path} is missing; export it with `iftdb export --format {name} -o {path}`")
    from_json = read_json(paths["json"])
    from_csv = read_csv(paths["csv"])
    if from_csv != from_json:
        first = next((i for i, (a, b) in enumerate(zip(from_csv, from_json)) if a != b), min(len(from_csv), len(from_json)))
        raise Problem(f"the CSV and the JSON differ ({len(from_csv)} vs {len(from_json)} pairs; first difference at pair {first + 1})")
    if read_lamini(paths["lamini"]) != from_json:
        raise Problem("the lamini file does not hold the JSON's triples")
    openai = read_openai(paths["openai"])
    if len(openai) != len(from_json):
        raise Problem(f"the OpenAI file has {len(openai)} lines, the JSON {len(from_json)} pairs")
    for number, (messages, (_chunk, question, answer)) in enumerate(zip(openai, from_json), start=1):
        if messages[-1]["content"] != answer or not messages[-2]["content"].endswith(question):
            raise Problem(f"OpenAI line {number} does not carry the JSON's question and answer")
    return len(from_json)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        count = check(argv[1])
    except (Problem, OSError, ValueError, csv.Error) as error:
        print(f"check-exports: FAIL: {error}", file=sys.stderr)
        return 1
    print(f"check-exports: ok: {count} pairs agree across csv, json, lamini and openai", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
