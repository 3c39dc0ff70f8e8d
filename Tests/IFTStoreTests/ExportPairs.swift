import Foundation
@testable import IFTStore

/// `iftdb export` on the store at `storePath`: opened for reading, exported, closed.
func exportPairs(
    storePath: String, filter: PairFilter, options: ExportOptions, output: String?, split: ExportSplit? = nil, card: DatasetCard.Request? = nil
) throws -> ExportSummary {
    let reader = try StoreFile.open(storePath, for: .reading)
    defer { reader.close() }
    return try reader.export(filter: filter, options: options, output: output, split: split, card: card)
}
