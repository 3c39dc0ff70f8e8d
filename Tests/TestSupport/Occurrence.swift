import Foundation

/// Something that happens once, which tasks await (a server's held reply, say).
public final class Occurrence: Sendable {
    private let happened = WatchedValue(false)

    public init() {}

    public func signal() { happened.update { $0 = true } }

    public var hasHappened: Bool { happened.read { $0 } }

    /// True once it happened; false if `limit` passes first (a guard against hanging).
    @discardableResult
    public func waitForSignal(limit: Duration = .seconds(120)) async -> Bool {
        await happened.wait(limit: limit) { $0 }
    }
}
