/// The options a run was started with, as `runs.options` keeps them.
struct RunOptions: Encodable {
    var samples: Int
    /// Requests in flight at once; nil for a batch run, which sends none.
    var concurrency: Int?
    var retries: Int
    /// Questions asked per chunk (question runs).
    var count: Int?
    /// Whose questions an answer run answers.
    var questions: String?
    /// Whose answers a judgment run grades (`--answers`), when it named one.
    var answers: String?
    /// The other filters that chose a judgment run's pairs, as flags.
    var filters: [String]?
    var chunking: Int64?
    var source: String?
    var limit: Int?
    var maxCalls: Int?
    var questionPattern: String?
    /// A batch run: the requests file as given, its most lines per file, and the request form.
    var batchFile: String?
    var batchSize: Int?
    var responseFormat: String?
    var maxTokensField: String?
    var rebatch: Bool?

    private enum CodingKeys: String, CodingKey {
        case samples, concurrency, retries, count, questions, answers, filters, chunking, source, limit
        case maxCalls = "max_calls", questionPattern = "question_pattern"
        case batchFile = "batch_file", batchSize = "batch_size", responseFormat = "response_format"
        case maxTokensField = "max_tokens_field", rebatch
    }

    init(request: GenerationRequest, settings: ModelSettings, concurrency: Int?, maxCalls: Int?, batch: BatchFile? = nil) {
        samples = request.samples
        self.concurrency = concurrency
        retries = settings.retries
        count = request.kind == .questions ? request.count : nil
        questions = request.questionPrompt?.description
        if request.kind == .judgments {
            var others = request.pairs
            answers = others.answerPrompt?.description
            others.answerPrompt = nil
            filters = others.flags.isEmpty ? nil : others.flags
        }
        chunking = request.chunkingID
        source = request.sourceGlob
        limit = request.limit
        self.maxCalls = maxCalls
        questionPattern = settings.questionPattern
        batchFile = batch?.path
        batchSize = batch?.batchSize
        responseFormat = batch.map { $0.form.responseFormat.name }
        maxTokensField = batch?.form.maxTokensField
        rebatch = request.rebatch ? true : nil
    }

    func encoded() throws -> String { try OrderedJSONEncoder(keys: .asEncoded).encode(self) }
}
