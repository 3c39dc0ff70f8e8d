import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// Against a real local model server, only when asked: `IFTDB_LIVE_BASE_URL=http://127.0.0.1:8088/v1 swift test --filter LiveModelTests`.
/// Plain `swift test` never talks to a real model.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IFTDB_LIVE_BASE_URL"] != nil, "set IFTDB_LIVE_BASE_URL to run"))
struct LiveModelTests {
    static let chunk = """
        The Great Barrier Reef is the world's largest coral reef system. It lies in the Coral Sea, \
        off the coast of Queensland, Australia, and stretches for over 2,300 kilometres. It can be \
        seen from outer space and is made of billions of tiny organisms known as coral polyps.
        """

    @Test func defaultPromptsGiveQuestionsAndAnAnswer() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = ModelSettings.fromEnvironment(environment)
        settings.baseURL = environment["IFTDB_LIVE_BASE_URL"] ?? settings.baseURL
        settings.temperature = 0.2
        settings.maxTokens = 256
        settings.seed = 1
        let folder = try TemporaryFolder()
        let store = try StoreFile.open(folder.file("s.sqlite"), for: .writing(create: true))
        defer { store.close() }
        let questionPrompt = try store.prompt(PromptRef(name: "questions"))
        let answerPrompt = try store.prompt(PromptRef(name: "answers"))
        let current = settings
        let (questions, answer) = try await ModelClient.withHTTPClient(concurrency: 1) { http in
            let client = ModelClient(http: http, settings: current)
            try await client.checkReachable()
            let questions = await client.askQuestions(messages: try questionPrompt.questionMessages(chunk: Self.chunk, count: 3), count: 3)
            let first = questions.value?.questions.first ?? "Where is the Great Barrier Reef?"
            let answer = await client.askAnswer(messages: try answerPrompt.answerMessages(chunk: Self.chunk, question: first))
            return (questions, answer)
        }
        for attempt in questions.attempts { print("question attempt \(attempt.attempt): HTTP \(attempt.httpStatus ?? 0) \(attempt.error ?? "") \(attempt.response ?? "")") }
        print("questions: \(questions.value?.questions ?? []) \(questions.failure?.message ?? "")")
        print("answer: \(answer.value ?? answer.failure?.message ?? "")")
        #expect(questions.value?.questions.isEmpty == false)
        #expect(answer.value?.isEmpty == false)
    }
}
