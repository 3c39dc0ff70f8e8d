import Foundation

/// What one model request gave: every attempt, and the outcome.
public struct ModelResult<Value: Sendable>: Sendable {
    public var attempts: [CallAttempt]
    public var outcome: Result<Value, ModelFailure>

    public init(attempts: [CallAttempt], outcome: Result<Value, ModelFailure>) {
        self.attempts = attempts
        self.outcome = outcome
    }

    public var value: Value? {
        if case .success(let value) = outcome { return value }
        return nil
    }

    public var failure: ModelFailure? {
        if case .failure(let failure) = outcome { return failure }
        return nil
    }

    /// The same attempts and outcome, without the value.
    var withoutValue: ModelResult<Void> { ModelResult<Void>(attempts: attempts, outcome: outcome.map { _ in }) }

    public var promptTokens: Int { attempts.reduce(0) { $0 + ($1.promptTokens ?? 0) } }
    public var completionTokens: Int { attempts.reduce(0) { $0 + ($1.completionTokens ?? 0) } }
}
