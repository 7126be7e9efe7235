import ArgumentParser
public struct VPNDoctorCommand: ParsableCommand { public init() {} }
