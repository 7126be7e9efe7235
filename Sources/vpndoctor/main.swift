import VPNDoctorCLI

VPNDoctorCommand.main()
