internal import IFTSQLite

/// The `custom_id` of one batch request: `iftdb:<store-uuid>:<run-id>:<item>`, where
/// `<item>` is the request's `calls.item` (`chunk:12/1`: the subject and its sample). The
/// store's UUID tells a result meant for this store from one meant for another.
struct BatchCustomID: Equatable {
    static let scheme = "iftdb"
    /// OpenAI's limit on a `custom_id`.
    static let maxLength = 512

    let storeUUID: String
    let runID: Int64
    let item: String

    var text: String { "\(Self.scheme):\(storeUUID):\(runID):\(item)" }

    /// What a `custom_id` read from a results file is to the store whose UUID is `storeUUID`.
    enum Reading: Equatable {
        case ours(runID: Int64, item: String)
        /// Made by another store (another UUID), or by something other than iftdb.
        case foreign
        /// It names this store but no run and item in the form iftdb writes.
        case malformed
    }

    static func read(_ text: String, storeUUID: String) -> Reading {
        let ours = "\(scheme):\(storeUUID):"
        guard text.hasPrefix(ours) else { return .foreign }
        let rest = text.dropFirst(ours.count)
        guard let colon = rest.firstIndex(of: ":"), let runID = Int64(rest[..<colon]), runID > 0 else { return .malformed }
        let item = rest[rest.index(after: colon)...]
        return item.isEmpty ? .malformed : .ours(runID: runID, item: String(item))
    }
}

extension StoreReader {
    /// The store's UUID (`store_identity`), made when the store was created or upgraded.
    public func storeUUID() throws -> String {
        try guarded {
            guard case .text(let uuid)? = try db.scalar("SELECT uuid FROM store_identity WHERE id = 1") else {
                throw InternalError("the store has no identity row")
            }
            return uuid
        }
    }
}
