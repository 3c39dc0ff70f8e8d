/// Why a pair selection (the filters of `export`, `stats`, `dataset save`, `diff`) cannot be
/// made or used: a filter names nothing in the store, is malformed, selects nothing, or
/// selects something ambiguous; and what is wrong with a saved dataset or a split.
public enum SelectionError: UserFacingError, Equatable {
    case noDataset(String)
    /// `--question-prompt` names a prompt of another role.
    case notAQuestionPrompt(String)
    /// `--answer-prompt` names a prompt of another role.
    case notAnAnswerPrompt(String)
    case noModel(String)
    case noRun(Int)
    case noChunking(Int)
    /// `--since`/`--until` (`flag`) is not a date or time.
    case badTime(flag: String, value: String)
    case negativeMinAnswerChars(Int)
    case badIDKPattern(pattern: String, reason: String)
    case allVersionsWithDataset
    /// One or more questions have answers from several answer prompts or models: `questions`
    /// of them (e.g. `example`), mixing these answer prompts and models (a list of one is not
    /// mixed); `narrowing` names the flags that narrow it.
    case ambiguous(questions: Int, example: Int, answerPrompts: [String], models: [String], narrowing: [String])
    /// The selection is empty, and why: see `EmptySelection`. `action` is what did not happen.
    case empty(EmptySelection, action: SelectionAction)
    case badDatasetName(String)
    case datasetExists(String)
    /// A saved dataset's filter does not decode (a newer iftdb saved it).
    case unreadableDatasetFilter(dataset: String, reason: String)
    case badSplit(spec: String, SplitProblem)
    /// A split would get no pair; `pairs` in all, kept together by `unit`.
    case emptySplit(name: String, pairs: Int, unit: SplitUnit)
    /// `--max-example-chars` dropped every selected pair.
    case allTooLong(pairs: Int, limit: Int)
    /// `--min-support` outside 0…1.
    case badMinSupport(Double)
    /// `--allow-flag` with a name that is no check.
    case unknownCheck(String)
    /// `--allow-flag` or `--min-support` without `--exclude-flagged`.
    case qualityFlagWithoutExcludeFlagged(String)
    /// `--min-score` outside 1…5.
    case badMinScore(Double)
    /// `--judge` names a prompt of another role.
    case notAJudgePrompt(String, role: String)
    /// A judge filter (`flags`) on a store that holds no judgment.
    case noJudgments(flags: [String])
    /// `--judge`/`--judge-model` (`flags`) name no judge that graded anything; `available`
    /// are the judges there are.
    case noSuchJudge(flags: [String], available: [String])
    /// Several judges graded the selected pairs; `narrowing` names the flags that choose one.
    case severalJudges(judges: [String], narrowing: [String])
    /// Several judges exist and none graded the selected pairs.
    case notJudged(judges: [String])
    /// `--near-threshold` outside (0, 1].
    case badNearThreshold(Double)
    /// `--near-threshold` without `--dedupe-near`.
    case nearThresholdWithoutDedupeNear

    public var message: String {
        switch self {
        case .noDataset(let name):
            return "no dataset named '\(name)'; see `iftdb dataset list`"
        case .notAQuestionPrompt(let prompt):
            return "prompt \(prompt) is not a question prompt; --question-prompt takes a question prompt (see `iftdb prompts list`)"
        case .notAnAnswerPrompt(let prompt):
            return "prompt \(prompt) is not an answer prompt; --answer-prompt takes an answer prompt (see `iftdb prompts list`)"
        case .noModel(let model):
            return "no model named '\(model)' in this store; see `iftdb sql \"SELECT DISTINCT name FROM models\"`"
        case .noRun(let run):
            return "no run \(run) in this store; see `iftdb runs`"
        case .noChunking(let chunking):
            return "no chunking \(chunking) in this store; see `iftdb sql \"SELECT * FROM chunkings\"`"
        case .badTime(let flag, let value):
            return "\(flag) '\(value)' is not a date or time; write YYYY-MM-DD or an ISO 8601 time such as 2026-05-01T12:00:00Z"
        case .negativeMinAnswerChars(let value):
            return "--min-answer-chars must be 0 or more, not \(value)"
        case .badIDKPattern(let pattern, let reason):
            return "--idk-pattern '\(pattern)' is not a regular expression (\(reason)); fix or quote it"
        case .allVersionsWithDataset:
            return "--all-versions does nothing with --dataset (a dataset is a frozen selection); drop one"
        case .ambiguous(let questions, let example, let answerPrompts, let models, let narrowing):
            var mixed: [String] = []
            if answerPrompts.count > 1 { mixed.append("answer prompts \(answerPrompts.joined(separator: ", "))") }
            if models.count > 1 { mixed.append("models \(models.joined(separator: ", "))") }
            let which = questions == 1 ? "question \(example) has" : "\(questions) questions (e.g. question \(example)) have"
            return "the selection is ambiguous: \(which) answers from \(mixed.joined(separator: " and ")); "
                + "narrow it with \(narrowing.joined(separator: " or ")), or pass --all-answers to take them all"
        case .empty(let why, let action):
            switch why {
            case .emptyDataset(let dataset):
                return "dataset '\(dataset)' holds no answers; \(action.nothing)"
            case .noAnswers:
                return "no pairs to \(action.verb): the store has no answers yet; make some with `iftdb generate answers`; \(action.nothing)"
            case .nothingMatches(let total, let removed, let flags):
                let removers = removed.map { "\($0.label) removed \($0.removed)" }
                return "no pairs match the filters (of \(total) pairs: \(removers.joined(separator: ", "))); loosen \(flags.isEmpty ? "them" : flags.joined(separator: " ")); \(action.nothing)"
            }
        case .badDatasetName(let name):
            return "'\(name)' is not a dataset name; use letters, digits, '.', '_' and '-' (up to 100), starting with a letter or digit"
        case .datasetExists(let name):
            return "a dataset named '\(name)' exists; pass --replace to overwrite it, or choose another name (see `iftdb dataset list`)"
        case .unreadableDatasetFilter(let dataset, let reason):
            return "dataset '\(dataset)' has a filter this iftdb cannot read (\(reason)); it may come from a newer iftdb"
        case .badSplit(let spec, let problem):
            let example = "write NAME=RATIO,… with ratios summing to 1, e.g. train=0.9,valid=0.1"
            switch problem {
            case .notNameRatio(let item): return "--split '\(spec)': '\(item)' is not NAME=RATIO; \(example)"
            case .badName(let name): return "--split '\(spec)': '\(name)' is not a split name; use letters, digits, '_' and '-' (it names the file)"
            case .repeatedName(let name): return "--split '\(spec)': the name '\(name)' appears twice; give each split its own name"
            case .badRatio(let name, let ratio): return "--split '\(spec)': the ratio of '\(name)' must be a number above 0 and at most 1, not '\(ratio)'"
            case .onePart: return "--split '\(spec)' names one split; \(example)"
            case .ratiosSum(let sum): return "--split '\(spec)': the ratios sum to \(sum), not 1; \(example)"
            }
        case .badMinSupport(let value):
            return "--min-support must be from 0 to 1 (the share of an answer's content terms found in its chunk), not \(value)"
        case .unknownCheck(let name):
            return "--allow-flag: no check is named '\(name)'; the checks are \(QualityCheck.names)"
        case .qualityFlagWithoutExcludeFlagged(let flag):
            return "\(flag) only changes --exclude-flagged; add --exclude-flagged or drop \(flag)"
        case .badMinScore(let value):
            return "--min-score must be from 1 to 5 (a judge's mean score of a pair), not \(value)"
        case .notAJudgePrompt(let prompt, let role):
            return "prompt \(prompt) is \(PromptRole(rawValue: role)?.withArticle ?? role) prompt; --judge takes a judge prompt, e.g. judge@1 (see `iftdb prompts list`)"
        case .noJudgments(let flags):
            return "\(flags.joined(separator: " ")) needs judgments, and this store has none; make them with `iftdb generate judgments`"
        case .noSuchJudge(let flags, let available):
            return "no judgments by \(flags.joined(separator: " ")) in this store (there are judgments by \(available.joined(separator: ", "))); choose one of those"
        case .severalJudges(let judges, let narrowing):
            return "the selected pairs were graded by several judges (\(judges.joined(separator: ", "))); choose one with \(narrowing.joined(separator: " and "))"
        case .notJudged(let judges):
            return "no judge graded the selected pairs (this store has judgments by \(judges.joined(separator: ", ")) of other pairs); "
                + "make judgments with `iftdb generate judgments`, or change the filters"
        case .badNearThreshold(let value):
            return "--near-threshold must be above 0 and at most 1 (the estimated share of shared character pairs from which two questions are near), not \(value)"
        case .nearThresholdWithoutDedupeNear:
            return "--near-threshold only changes --dedupe-near; add --dedupe-near or drop --near-threshold"
        case .allTooLong(let pairs, let limit):
            return "all \(pairs) selected pairs are longer than --max-example-chars \(limit); raise it; nothing written"
        case .emptySplit(let name, let pairs, let unit):
            let units = unit == .pair ? "pairs" : "\(unit.rawValue)s"
            return "split '\(name)' would be empty (\(pairs) pairs, kept together by \(units)); "
                + "use a larger ratio, another --seed, or a finer --split-by; nothing written"
        }
    }
}

/// Why a selection holds no pair.
public enum EmptySelection: Sendable, Equatable {
    /// The dataset named by `--dataset` holds no answers.
    case emptyDataset(String)
    /// The store has no answers at all.
    case noAnswers
    /// The filters removed all `total` pairs; `removed` lists the filters that removed any,
    /// `flags` the filter as flags.
    case nothingMatches(total: Int, removed: [PairFunnel.Step], flags: [String])
}

/// What an empty selection stopped.
public enum SelectionAction: Sendable, Equatable {
    case export, datasetSave
    /// `generate judgments`: the pairs to grade.
    case judge

    var nothing: String {
        switch self {
        case .export: "nothing written"
        case .datasetSave: "nothing saved"
        case .judge: "nothing asked"
        }
    }

    /// What the selection was for: "no pairs to export".
    var verb: String {
        switch self {
        case .export, .datasetSave: "export"
        case .judge: "grade"
        }
    }
}

/// What is wrong with a `--split` spec.
public enum SplitProblem: Sendable, Equatable {
    /// A part without `=`, or with more than one.
    case notNameRatio(String)
    case badName(String)
    case repeatedName(String)
    /// A ratio that is not a number in (0, 1].
    case badRatio(name: String, ratio: String)
    case onePart
    /// The ratios do not sum to 1 (within 1e-9).
    case ratiosSum(Double)
}
