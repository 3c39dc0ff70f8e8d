import Dispatch
import Foundation
import IFTStore

/// Ctrl-C and kill, heard through `DispatchSourceSignal`: the handler runs on a queue, not
/// inside the signal, so it may lock, print and exit. The one way iftdb handles signals.
final class SignalWatch {
    private let sources: [DispatchSourceSignal]

    /// Calls `handler` with the signal's number each time one of `signals` arrives (two that
    /// arrive before the handler runs are two calls).
    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { number in
            // The source is heard instead of the default action, which would end the process.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                for _ in 0..<max(source.data, 1) { handler(number) }
            }
            source.resume()
            return source
        }
    }

    /// Stops listening; the signals stay ignored.
    func cancel() { sources.forEach { $0.cancel() } }

    /// Ctrl-C (or SIGTERM) once: `stop` is requested (no new requests; the calls in flight
    /// finish); twice: it is forced, which wakes the engine to abandon the calls in flight.
    static func stopping(_ stop: StopSignal) -> SignalWatch {
        SignalWatch([SIGINT, SIGTERM]) { _ in
            stop.request()
            Console.write(stop.isForced
                ? "\niftdb: abandoning the calls in flight\n"
                : "\niftdb: stopping: no new requests; waiting for the ones in flight (Ctrl-C again to abandon them)\n")
        }
    }

    /// Ctrl-C, SIGTERM or SIGHUP while -o is being written: remove the temporary file, then
    /// exit as the signal would (128 + n), so no half-written file is left behind.
    static func removingTemporaryFiles() -> SignalWatch {
        SignalWatch([SIGINT, SIGTERM, SIGHUP]) { number in
            AtomicOutputFile.discardAllPending()
            Console.error("interrupted; nothing written")
            Foundation.exit(128 + number)
        }
    }
}
