import Foundation
import TestSupport
import Testing
@testable import IFTStore

/// A batch's names: the store's UUID, a request's custom_id, and the numbered files.
@Suite struct BatchFileTests {
    @Test func everyStoreHasItsOwnUUIDFromTheStart() throws {
        let folder = try TemporaryFolder()
        let first = try StoreFile.open(folder.file("a.sqlite"), for: .writing(create: true))
        let second = try StoreFile.open(folder.file("b.sqlite"), for: .writing(create: true))
        defer { first.close(); second.close() }
        let uuid = try first.storeUUID()
        #expect(uuid.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil)
        #expect(try second.storeUUID() != uuid)
        // Opening again keeps it.
        first.close()
        #expect(try StoreFile.open(folder.file("a.sqlite"), for: .reading).storeUUID() == uuid)
    }

    @Test func customIDsRoundTripAndTellOursFromOthers() {
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
        let id = BatchCustomID(storeUUID: uuid, runID: 12, item: "question:345/2")
        #expect(id.text == "iftdb:0f8fad5b-d9cb-469f-a165-70867728950e:12:question:345/2")
        #expect(BatchCustomID.read(id.text, storeUUID: uuid) == .ours(runID: 12, item: "question:345/2"))
        #expect(BatchCustomID.read(id.text, storeUUID: "7c9e6679-7425-40de-944b-e07fc1f90ae7") == .foreign)
        #expect(BatchCustomID.read("request-1", storeUUID: uuid) == .foreign)
        #expect(BatchCustomID.read("iftdb:\(uuid):x:chunk:1/1", storeUUID: uuid) == .malformed)
        #expect(BatchCustomID.read("iftdb:\(uuid):3:", storeUUID: uuid) == .malformed)
        #expect(WorkItem(label: "question:345/2", kind: .answers) == WorkItem(subjectID: 345, sample: 2))
        #expect(WorkItem(label: "question:345/2", kind: .questions) == nil)
        #expect(WorkItem(label: "chunk:0/1", kind: .questions) == nil)
        #expect(WorkItem(label: "chunk:7/x", kind: .questions) == nil)
    }

    @Test(arguments: [
        ("requests.jsonl", nil, 0, "requests.jsonl"),
        ("requests.jsonl", 50_000, 0, "requests-0001.jsonl"),
        ("out/req.v2.jsonl", 10, 11, "out/req.v2-0012.jsonl"),
        ("out.d/requests", 10, 0, "out.d/requests-0001"),
        ("/tmp/.hidden", 10, 9999, "/tmp/.hidden-10000"),
    ] as [(String, Int?, Int, String)])
    func numberedFiles(_ path: String, batchSize: Int?, part: Int, expected: String) {
        #expect(BatchFile(path: path, batchSize: batchSize).path(ofPart: part) == expected)
    }
}
