/// One side of a diff.
enum Side: Sendable, Hashable {
    case a, b

    var other: Side { self == .a ? .b : .a }

    /// `mine` and `theirs` put in A, B order when `self` is the side `mine` belongs to.
    func ordered<T>(_ mine: T, _ theirs: T) -> (a: T, b: T) {
        self == .a ? (mine, theirs) : (theirs, mine)
    }
}
