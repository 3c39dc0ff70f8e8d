import ArgumentParser
import IFTStore

/// The pair filters `export`, `stats`, `dataset save` and `diff` share. A command declares
/// `@OptionGroup var filters: PairFilterOptions` and calls `filters.pairFilter()`. The
/// filters on which prompt, model and run made a pair are here; the rest are
/// `PairConditionOptions`, which `generate judgments` takes too.
struct PairFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Questions made by this prompt: NAME@V, or NAME for its latest version.", valueName: "ref"), completion: StoreCompletion.prompts(.question))
    var questionPrompt: String?

    @Option(help: ArgumentHelp("Answers made by this prompt: NAME@V, or NAME for its latest version.", valueName: "ref"), completion: StoreCompletion.prompts(.answer))
    var answerPrompt: String?

    @Option(help: ArgumentHelp("Answers made by this model (its name, any parameters).", valueName: "name"))
    var model: String?

    @Option(help: ArgumentHelp("Pairs whose questions or answers this generation run made.", valueName: "id"))
    var run: Int?

    @Option(help: ArgumentHelp("Sources whose path matches this glob (case-sensitive; * also matches /).", valueName: "glob"))
    var source: String?

    @Option(help: ArgumentHelp("Chunks of this chunking.", valueName: "id"))
    var chunking: Int?

    @Flag(help: "Take answers from several answer prompts or models for one question instead of refusing.")
    var allAnswers = false

    @OptionGroup var conditions: PairConditionOptions

    func validate() throws {
        try PairConditionOptions.asUsageError { _ = try pairFilter() }
    }

    /// The filter these flags describe; throws a `PromptError` or `SelectionError` for a malformed value.
    func pairFilter() throws -> PairFilter {
        try conditions.pairFilter(PairFilter(
            questionPrompt: try questionPrompt.map(PromptRef.init(parsing:)),
            answerPrompt: try answerPrompt.map(PromptRef.init(parsing:)),
            model: model, run: run, sourceGlob: source, chunking: chunking, allAnswers: allAnswers))
    }
}

/// The pair filters that judge a pair by what it is (its time, text, quality, a judge's
/// score, repeats) or where it is (a dataset, superseded versions), rather than by which
/// prompt, model and run made it: `PairFilterOptions` and `generate judgments` share them.
struct PairConditionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Answers created at or after this date (YYYY-MM-DD, UTC) or ISO 8601 time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Answers created up to this date (its whole day, UTC) or ISO 8601 time.", valueName: "time"))
    var until: String?

    @Flag(help: "Leave out \"I don't know\" answers (see --idk-pattern).")
    var excludeIdk = false

    @Option(help: ArgumentHelp(
        "Another regular expression that marks a reply as \"I don't know\" (case-insensitive, anywhere in the reply; anchor with ^…$). Repeatable.",
        valueName: "regex"))
    var idkPattern: [String] = []

    @Option(help: ArgumentHelp("Leave out answers shorter than this many characters.", valueName: "n"))
    var minAnswerChars: Int?

    @Flag(help: "Include superseded source versions (default: each path's current version only).")
    var allVersions = false

    @Option(help: ArgumentHelp("Only the answers of this saved dataset (NAME or dataset:NAME), in its order.", valueName: "name"), completion: StoreCompletion.datasets)
    var dataset: String?

    @Flag(help: "Drop pairs whose question repeats an earlier one once case, spacing, punctuation and Unicode form are folded; keep the earliest question and its answers.")
    var dedupe = false

    @Flag(help: "Keep only pairs that pass every built-in quality check (question-form, question-grounded, answer-supported, answer-numbers, answer-form; English only). See the README's Quality section.")
    var excludeFlagged = false

    @Option(help: ArgumentHelp("With --exclude-flagged: ignore this check. Repeatable.", valueName: "check"))
    var allowFlag: [String] = []

    @Option(help: ArgumentHelp("With --exclude-flagged: the share (0 to 1) of an answer's content terms that must occur in its chunk (default \(QualityChecks.defaultMinSupport)).", valueName: "f"))
    var minSupport: Double?

    @Option(help: ArgumentHelp("Keep pairs whose mean score (1 to 5, over samples) from the judge is at least N; drops pairs the judge has not graded.", valueName: "n"))
    var minScore: Double?

    @Option(help: ArgumentHelp("The judge: pairs graded by this judge prompt (NAME@V, or NAME for its latest version); with --min-score, its scores.", valueName: "ref"), completion: StoreCompletion.prompts(.judge))
    var judge: String?

    @Option(help: ArgumentHelp("The judge: pairs graded by this model (its name, any parameters); with --min-score, its scores.", valueName: "name"))
    var judgeModel: String?

    @Flag(help: ArgumentHelp(
        "Drop pairs whose question is near a question kept before it (an earlier one, once --dedupe and the other filters have applied): a MinHash estimate of the share of character pairs the folded texts share, at least --near-threshold. A question near only a dropped one stays. See the README's Near-duplicate questions section."))
    var dedupeNear = false

    @Option(help: ArgumentHelp("With --dedupe-near: the estimated similarity, above 0 and at most 1, from which two questions are near (default \(NearFilter.defaultThreshold)).", valueName: "t"))
    var nearThreshold: Double?

    /// Runs `body`, turning a malformed value (a `UserFacingError`) into a usage error (exit 64).
    static func asUsageError(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as any UserFacingError {
            throw ValidationError(error.message)
        }
    }

    private func qualityFilter() throws -> QualityFilter? {
        guard excludeFlagged else {
            if !allowFlag.isEmpty { throw SelectionError.qualityFlagWithoutExcludeFlagged("--allow-flag") }
            if minSupport != nil { throw SelectionError.qualityFlagWithoutExcludeFlagged("--min-support") }
            return nil
        }
        let allowed = try allowFlag.map { name in
            guard let check = QualityCheck(rawValue: name) else { throw SelectionError.unknownCheck(name) }
            return check
        }
        return QualityFilter(allowed: allowed, minSupport: minSupport ?? QualityChecks.defaultMinSupport)
    }

    private func nearFilter() throws -> NearFilter? {
        guard dedupeNear else {
            if nearThreshold != nil { throw SelectionError.nearThresholdWithoutDedupeNear }
            return nil
        }
        return NearFilter(threshold: nearThreshold ?? NearFilter.defaultThreshold)
    }

    private func judgeFilter() throws -> JudgeFilter? {
        guard minScore != nil || judge != nil || judgeModel != nil else { return nil }
        return JudgeFilter(minScore: minScore, prompt: try judge.map(PromptRef.init(parsing:)), model: judgeModel)
    }

    /// `base` (the filters on which prompt, model and run made a pair) with these flags'
    /// conditions; throws a `PromptError` or `SelectionError` for a malformed value.
    func pairFilter(_ base: PairFilter) throws -> PairFilter {
        var filter = base
        filter.since = since
        filter.until = until
        filter.excludeIDK = excludeIdk
        filter.idkRule = try IDKRule(extraPatterns: idkPattern)
        filter.minAnswerChars = minAnswerChars
        filter.allVersions = allVersions
        filter.dataset = dataset.map(SavedDataset.name(fromReference:))
        filter.dedupe = dedupe
        filter.quality = try qualityFilter()
        filter.judge = try judgeFilter()
        filter.near = try nearFilter()
        try filter.validate()
        if dataset != nil && allVersions {
            throw SelectionError.allVersionsWithDataset
        }
        return filter
    }
}
