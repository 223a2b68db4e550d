package loop

// user_data of every SQE the loop submits:
//
//	 63      56 55                   32 31                             0
//	+----------+-----------------------+--------------------------------+
//	|    op    |  slot generation (24) |  slot (32): conn slot, or the  |
//	|   (8)    |                       |  listener index for opAccept   |
//	+----------+-----------------------+--------------------------------+
//
// A slot's generation is bumped when the slot is freed; a completion whose
// generation differs from the slot's current one is stale and dropped (its
// provided buffer, if any, is still recycled).

type op uint8

const (
	opNone   op = iota
	opAccept    // multishot accept; slot = listener index
	opRecv      // multishot recv on the buffer ring
	opSend      // sendmsg of the connection's pending output
	opCancel    // async cancel; result ignored
	opClose     // close of a socket; result ignored
	opWake      // read on the worker's eventfd
	opNop       // no-op (tests)
)

const genMask = 1<<24 - 1

func pack(o op, gen uint32, slot uint32) uint64 {
	return uint64(o)<<56 | uint64(gen&genMask)<<32 | uint64(slot)
}

func unpack(ud uint64) (o op, gen uint32, slot uint32) {
	return op(ud >> 56), uint32(ud>>32) & genMask, uint32(ud)
}
