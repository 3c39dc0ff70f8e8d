#!/usr/bin/env python3
"""Step 4 of Lamini's instruction-fine-tuning tutorial (its generate_data.py), run on the
triples of an iftdb `--format jsonl` export: writes the tutorial's three files into OUT the
way its code does, so a test can compare them byte for byte with what iftdb writes
(`examples/lamini/run`, `export --format csv`, `json|lamini --indent N --ascii`).

usage: tutorial-files.py PAIRS.jsonl OUT [INDENT]    (INDENT defaults to the tutorial's 4)

The files are opened as the tutorial opens them (`open(path, "w")`, so csv.writer's CRLF
stays CRLF on Linux); only the encoding is named, UTF-8, so the locale cannot change it.
"""
import csv
import json
import sys

pairs, out = sys.argv[1], sys.argv[2]
indent = int(sys.argv[3]) if len(sys.argv) > 3 else 4

final_data_array = []
with open(pairs, encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        final_data_array.append([row["chunk"], row["question"], row["answer"]])

# Save the questions, answers, and data in a csv file (logging)
with open(f"{out}/generated_data.csv", "w", encoding="utf-8") as f:
    writer = csv.writer(f)
    writer.writerow(["Data", "Questions", "Answers"])
    for data in final_data_array:
        writer.writerow(data)

# And save to a json file for logging
with open(f"{out}/generated_data.json", "w", encoding="utf-8") as f:
    json.dump(final_data_array, f, indent=indent)

training_data = [
    [
        {"data": data[0], "question": data[1]},
        {"answer": data[2]},
    ]
    for data in final_data_array
]

with open(f"{out}/generated_data_finetuning.json", "w", encoding="utf-8") as f:
    json.dump(training_data, f, indent=indent)
