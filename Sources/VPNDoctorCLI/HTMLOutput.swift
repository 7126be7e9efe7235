import Capture
import Diagnosis
import Reporting

/// `--html FILE` of `analyze` and `watch`: the HTML report written the careful way (`TextOutput`).
enum HTMLOutput {
    /// false (after an error line) when the file could not be written.
    static func write(_ reports: [Report], joint: [JointAttempt] = [], to path: String, inputs: [String]) -> Bool {
        do {
            try TextOutput.write(HTMLRenderer.render(reports, joint: joint), to: path, inputs: inputs)
            return true
        } catch {
            printError(error.description)
            return false
        }
    }
}
