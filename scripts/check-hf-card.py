#!/usr/bin/env python3
"""Loads iftdb exports with Hugging Face `datasets`, as a user would, to check the dataset
cards iftdb writes (run by scripts/test in a venv from PyPI, offline).

usage: check-hf-card.py FOLDER

FOLDER holds what scripts/test exported from one store:
  split-FORMAT/   `--split train=…,holdout=…,eval=…` of each format that gets a card: every
                  split must load under its own name (holdout is not an HF default; eval is
                  not test), with the rows of its file and the format's columns
  single/card/    `--card single/card/README.md` for `-o single/data/train.jsonl`: the data
                  loads through a data_files path relative to the card
  split-json/, split-lamini/
                  the formats refused a card: the check shows why (HF reads json's arrays as
                  one list column "text" and lamini's as columns "0" and "1"), and fails if a
                  new `datasets` reads them as named columns, so the refusal can be revisited
"""
import csv
import os
import sys

import datasets

datasets.disable_progress_bars()
datasets.logging.set_verbosity_error()

COLUMNS = {
    "csv": ["Data", "Questions", "Answers"],
    "openai": ["messages"],
    "alpaca": ["instruction", "input", "output"],
    "sharegpt": ["conversations"],
}
SPLITS = ["train", "holdout", "eval"]
problems = []


def rows_in(path):
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as f:
            return sum(1 for _ in csv.reader(f)) - 1
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def check(condition, message):
    if not condition:
        problems.append(message)


root = sys.argv[1]
for fmt, columns in list(COLUMNS.items()) + [("jsonl", None)]:
    folder = os.path.join(root, f"split-{fmt}")
    loaded = datasets.load_dataset(folder)
    check(list(loaded.keys()) == SPLITS, f"{fmt}: splits {list(loaded.keys())}, expected {SPLITS}")
    ext = "csv" if fmt == "csv" else "jsonl"
    for split in loaded:
        rows = rows_in(os.path.join(folder, f"{split}.{ext}"))
        check(loaded[split].num_rows == rows, f"{fmt}/{split}: {loaded[split].num_rows} rows, the file has {rows}")
        if columns:
            check(loaded[split].column_names == columns, f"{fmt}/{split}: columns {loaded[split].column_names}")
        else:
            check({"answer_id", "chunk", "question", "answer", "is_idk"} <= set(loaded[split].column_names),
                  f"jsonl/{split}: columns {loaded[split].column_names}")

single = datasets.load_dataset(os.path.join(root, "single", "card"))
check(list(single.keys()) == ["train"], f"single: splits {list(single.keys())}")
check(single["train"].num_rows == rows_in(os.path.join(root, "single", "data", "train.jsonl")), "single: rows differ")
check(single["train"].column_names == COLUMNS["openai"], f"single: columns {single['train'].column_names}")

# Why json and lamini get no card: their arrays do not become named columns.
for fmt, unnamed in [("json", ["text"]), ("lamini", ["0", "1"])]:
    folder = os.path.join(root, f"split-{fmt}")
    check(not os.path.exists(os.path.join(folder, "README.md")), f"{fmt}: a card was written")
    try:
        names = datasets.load_dataset("json", data_files=os.path.join(folder, "train.json"))["train"].column_names
    except Exception as error:  # older datasets refuse arrays of arrays outright
        names = [f"refused: {type(error).__name__}"]
    check(names == unnamed or names[0].startswith("refused"),
          f"{fmt}: datasets {datasets.__version__} now reads it as columns {names}; revisit DatasetCard.refusal")

if problems:
    for problem in problems:
        print(f"check-hf-card: {problem}", file=sys.stderr)
    sys.exit(1)
print(f"check-hf-card: ok: datasets {datasets.__version__} loads every split by its card "
      f"({', '.join(SPLITS)}) in {len(COLUMNS) + 1} formats, and a single file through --card")
