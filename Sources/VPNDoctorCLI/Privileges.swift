import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dropping root after the capture handle is open, as `tcpdump -Z` does.
enum Privileges {
    /// Switches to `user`'s uid, gid and groups, for good. Throws a one-line message when the user
    /// does not exist, a call fails, or root could be regained afterwards.
    static func drop(to user: String) throws -> (uid: uid_t, gid: gid_t) {
        guard let entry = getpwnam(user) else { throw PrivilegeError("no such user '\(user)'") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard initgroups(user, Self.groupArgument(gid)) == 0 else { throw PrivilegeError("initgroups(\(user)) failed: \(Self.errnoText())") }
        guard setgid(gid) == 0 else { throw PrivilegeError("setgid(\(gid)) failed: \(Self.errnoText())") }
        guard setuid(uid) == 0 else { throw PrivilegeError("setuid(\(uid)) failed: \(Self.errnoText())") }
        // Verify the drop is permanent: getting root back must fail.
        if uid != 0, setuid(0) == 0 || seteuid(0) == 0 {
            throw PrivilegeError("privileges could be regained after dropping to '\(user)'")
        }
        return (uid, gid)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    #if canImport(Darwin)
    private static func groupArgument(_ gid: gid_t) -> Int32 { Int32(bitPattern: gid) }
    #else
    private static func groupArgument(_ gid: gid_t) -> gid_t { gid }
    #endif
}

struct PrivilegeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
