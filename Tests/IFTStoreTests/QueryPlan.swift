import Foundation
import IFTSQLite

/// The detail lines of SQLite's plan for `query` (`SEARCH a USING INDEX …`, `USE TEMP B-TREE …`).
func queryPlan(_ query: (sql: String, arguments: [SQLiteValue]), in db: Connection) throws -> [String] {
    let statement = try db.prepare("EXPLAIN QUERY PLAN " + query.sql)
    try statement.bind(query.arguments)
    var details: [String] = []
    while try statement.step() { details.append(statement.string(at: 3)) }
    return details
}
