#!/usr/bin/env python3
"""compare-shingles.py: how well each kind of shingle separates the labelled pairs of
pairs.json (next to this script), by the exact Jaccard index of the two folded questions'
shingle sets, at the best threshold for each. This is how --dedupe-near's character 2-grams
were chosen; the Swift tests measure the MinHash estimate iftdb really uses
(Tests/IFTStoreTests/NearDuplicateTests.swift). The folding approximates QuestionKey.normalize
(NFKC, case folded, punctuation and symbols dropped, apostrophes and hyphens inside words
removed). Python standard library only."""
import json
import os
import unicodedata


def fold(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    out, pending = [], False
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            pending = bool(out)
            continue
        if category[0] in "PSC" or category == "Mn":
            if ch in "'\u2019-" or category in ("Mn", "Cf"):
                continue
            pending = bool(out)
            continue
        if pending:
            out.append(" ")
        pending = False
        out.append(ch)
    return "".join(out)


def characters(n):
    def shingles(text):
        padded = " " + text + " "
        return {padded[i:i + n] for i in range(max(1, len(padded) - n + 1))} if text else set()
    return shingles


def words(n):
    def shingles(text):
        w = text.split()
        return set(w) | {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)} if n > 1 else set(w)
    return shingles


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


pairs = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pairs.json"), encoding="utf-8"))
print(f"{len(pairs)} pairs, {sum(p['near'] for p in pairs)} near")
for name, shingles in [("character 2-grams", characters(2)), ("character 3-grams", characters(3)),
                       ("character 4-grams", characters(4)), ("words", words(1)), ("words and word 2-grams", words(2))]:
    scores = [(jaccard(shingles(fold(p["a"])), shingles(fold(p["b"]))), p["near"]) for p in pairs]
    right = {t: sum((s >= t) == near for s, near in scores) for t in [x / 100 for x in range(30, 96)]}
    best = max(right.values())
    at = [t for t, n in right.items() if n == best]
    where = f"{at[0]:.2f}" if len(at) == 1 else f"{at[0]:.2f} to {at[-1]:.2f}"
    required = ", ".join(f"{s:.2f}" for s, _ in scores[:3])
    print(f"{name:24} {best}/{len(pairs)} ({best / len(pairs):.2f}) at {where}; the three required pairs: {required}")
