import Foundation

/// Why an item failed, or why no model answers at all: one line a user can act on.
public struct ModelFailure: UserFacingError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error that retrying will not fix (a 4xx).
        case rejected
        /// The server refused in a way every other request of the run would meet too: a bad
        /// key (401), no access (403), no such endpoint or model (404, or a 400 naming an
        /// unknown model). The run ends.
        case fatal
        /// The prompt and chunk do not fit the model's context.
        case contextTooLong
        /// Every attempt failed with an error worth retrying; the message is the last one.
        case retriesExhausted
        /// The reply arrived but held nothing usable (no questions, an empty answer).
        case unusableReply
        /// Nothing answers at the base URL.
        case unreachable
        /// The task was cancelled (an interrupted run): the item is neither done nor failed.
        case cancelled
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
