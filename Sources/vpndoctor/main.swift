import VPNDoctorCLI

VPNDoctorCommand.runAndExit()
