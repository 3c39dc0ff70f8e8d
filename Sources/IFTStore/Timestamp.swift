import Foundation

/// Timestamps are stored as ISO 8601 text in UTC with milliseconds, so they sort as text and
/// read well in `sqlite3`.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func now() -> String { format(Date()) }
    public static func format(_ date: Date) -> String { date.formatted(style) }
    public static func parse(_ text: String) -> Date? { try? style.parse(text) }
}
