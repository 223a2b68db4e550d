package tlsrec

import "strconv"

// Alert is a TLS alert description (RFC 8446 §6). As an error it means
// "send this alert and close"; received alerts are reported as *PeerAlert.
type Alert uint8

// Alert descriptions used by the record layer.
const (
	AlertCloseNotify           Alert = 0
	AlertUnexpectedMessage     Alert = 10
	AlertBadRecordMAC          Alert = 20
	AlertRecordOverflow        Alert = 22
	AlertHandshakeFailure      Alert = 40
	AlertIllegalParameter      Alert = 47
	AlertDecodeError           Alert = 50
	AlertProtocolVersion       Alert = 70
	AlertInternalError         Alert = 80
	AlertUserCanceled          Alert = 90
	AlertNoApplicationProtocol Alert = 120
)

// Error values for the alerts we send.
var (
	alertUnexpectedMessage error = AlertUnexpectedMessage
	alertBadRecordMAC      error = AlertBadRecordMAC
	alertRecordOverflow    error = AlertRecordOverflow
	alertDecodeError       error = AlertDecodeError
	alertIllegalParameter  error = AlertIllegalParameter
	alertProtocolVersion   error = AlertProtocolVersion
	alertInternalError     error = AlertInternalError
)

var alertNames = map[Alert]string{
	AlertCloseNotify:           "close_notify",
	AlertUnexpectedMessage:     "unexpected_message",
	AlertBadRecordMAC:          "bad_record_mac",
	AlertRecordOverflow:        "record_overflow",
	AlertHandshakeFailure:      "handshake_failure",
	AlertIllegalParameter:      "illegal_parameter",
	AlertDecodeError:           "decode_error",
	AlertProtocolVersion:       "protocol_version",
	AlertInternalError:         "internal_error",
	AlertUserCanceled:          "user_canceled",
	AlertNoApplicationProtocol: "no_application_protocol",
}

// String returns the RFC name of the alert.
func (a Alert) String() string {
	if s, ok := alertNames[a]; ok {
		return s
	}
	return "alert(" + strconv.Itoa(int(a)) + ")"
}

// Error implements error: the local side detected this condition.
func (a Alert) Error() string { return "tls: local error: " + a.String() }

// PeerAlert is a fatal alert received from the peer.
type PeerAlert struct{ Alert Alert }

func (e *PeerAlert) Error() string { return "tls: peer sent alert " + e.Alert.String() }
