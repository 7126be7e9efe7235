/// Every rule, in the order `vpndoctor rules` lists them. Adding a diagnosis: one file under
/// `Rules/<Area>/`, one line here, one test.
let allRules: [any DiagnosisRule.Type] = [
    NoServerTraffic.self, NoVPNTraffic.self, VPNNotDiagnosed.self, OneSidedCapture.self, TruncatedSnaplen.self, CutShortCapture.self,
    TimeWentBack.self, FlowTableFull.self, MidSession.self, FilteredCapture.self,
    DNSFailed.self,
    IKENoResponse.self, IKEPortUnreachable.self, NoProposalChosen.self, InvalidKE.self, InvalidMajorVersion.self,
    ErrorNotify.self, TSUnacceptable.self, PSKMismatchV1.self, AggressiveAuthFailed.self, AuthFailedV2.self, Phase2Failed.self,
    IdentityMismatch.self, VirtualIPRefused.self, VirtualIPOther.self,
    FragmentsLost.self, ICMPUnreachable.self,
    NATDetected.self, UDP4500Blocked.self, ForcedEncapsulation.self, ServerBehindNATWindows.self,
    ESPNoneAfterSA.self, ESPOneWay.self, ESPLoss.self, ESPTiedByInference.self,
    PPTPPortBlocked.self, PPTPRefused.self, PPTPCallFailed.self, PPTPGREBlocked.self,
    L2TPNoResponse.self, L2TPStopped.self, L2TPCleartext.self,
    IKETCPPortBlocked.self, IKETCPRefused.self, IKETCPNoResponse.self,
    OpenVPNNoResponse.self, OpenVPNRefused.self, OpenVPNTLSAlert.self, OpenVPNTLSNotFinished.self, OpenVPNDataOneWay.self, OpenVPNReconnectLoop.self,
    LCPNoResponse.self, PPPAuthFailed.self, IPCPFailed.self, PPPDataOneWay.self,
    WireGuardNoResponse.self, WireGuardCookieReply.self, WireGuardDataOneWay.self, WireGuardNoData.self, WireGuardResponseNotReceived.self,
    TLSNoServerHello.self, TLSHandshakeFailed.self, DTLSBlocked.self,
    PPTPWeak.self, AggressiveModePSK.self, WeakProposal.self,
    Healthy.self,
]

/// The rules of the two-vantage join (`Vantage/JointRules.swift`): findings no single capture can make.
let allJointRules: [any JointRule.Type] = [
    JointFragmentsLost.self, JointLostClientToServer.self, JointLostServerToClient.self, JointStoppedAtServer.self, JointStoppedAtClient.self,
]
