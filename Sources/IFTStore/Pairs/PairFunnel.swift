import Foundation

/// How many pairs were in scope and what each filter removed, in order.
public struct PairFunnel: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let label: String
        public let removed: Int
        public let remaining: Int
        /// Questions the step removed, where it removes whole questions and counts them
        /// (`--dedupe-near`); nil elsewhere.
        public var questionsRemoved: Int?
    }

    public let total: Int
    public let steps: [Step]

    public var selected: Int { steps.last?.remaining ?? total }
}
