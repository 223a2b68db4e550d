package httpfield

import "time"

// AppendDate appends the IMF-fixdate for Unix second sec (RFC 9110 §5.6.7).
func AppendDate(dst []byte, sec int64) []byte {
	t := time.Unix(sec, 0).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append(dst, t.Weekday().String()[:3]...)
	dst = append(dst, ", "...)
	dst = append2(dst, d)
	dst = append(dst, ' ')
	dst = append(dst, mo.String()[:3]...)
	dst = append(dst, ' ')
	dst = append2(dst, y/100%100)
	dst = append2(dst, y%100)
	dst = append(dst, ' ')
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, mi)
	dst = append(dst, ':')
	dst = append2(dst, s)
	return append(dst, " GMT"...)
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ParseDate parses an HTTP-date in any of the three formats recipients
// must accept (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
// RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime
// "Sun Nov  6 08:49:37 1994". The day name is not checked against the date.
func ParseDate(b []byte) (sec int64, ok bool) {
	var y, mo, d, hh, mm, ss int
	comma := -1
	for i, c := range b {
		if c == ',' {
			comma = i
			break
		}
	}
	switch {
	case comma == 3 && len(b) == 29: // IMF-fixdate
		if b[4] != ' ' || b[7] != ' ' || b[11] != ' ' || b[16] != ' ' || string(b[25:]) != " GMT" {
			return 0, false
		}
		d, ok = num(b[5:7])
		mo = month(b[8:11])
		y1, ok1 := num(b[12:14])
		y2, ok2 := num(b[14:16])
		y = y1*100 + y2
		ok = ok && ok1 && ok2
		hh, mm, ss, ok1 = clock(b[17:25])
		ok = ok && ok1
	case comma > 3 && len(b) == comma+24: // RFC 850
		r := b[comma+1:]
		if r[0] != ' ' || r[3] != '-' || r[7] != '-' || r[10] != ' ' || string(r[19:]) != " GMT" {
			return 0, false
		}
		d, ok = num(r[1:3])
		mo = month(r[4:7])
		yy, ok1 := num(r[8:10])
		y = 1900 + yy
		if yy < 70 {
			y = 2000 + yy
		}
		var ok2 bool
		hh, mm, ss, ok2 = clock(r[11:19])
		ok = ok && ok1 && ok2
	case comma < 0 && len(b) == 24: // asctime
		if b[3] != ' ' || b[7] != ' ' || b[10] != ' ' || b[19] != ' ' {
			return 0, false
		}
		mo = month(b[4:7])
		dd := b[8:10]
		if dd[0] == ' ' {
			dd = dd[1:]
		}
		d, ok = num(dd)
		y1, ok1 := num(b[20:22])
		y2, ok2 := num(b[22:24])
		y = y1*100 + y2
		var ok3 bool
		hh, mm, ss, ok3 = clock(b[11:19])
		ok = ok && ok1 && ok2 && ok3
	default:
		return 0, false
	}
	return finish(y, mo, d, hh, mm, ss, ok)
}

func finish(y, mo, d, hh, mm, ss int, ok bool) (int64, bool) {
	if !ok || mo == 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, 0, time.UTC)
	if t.Day() != d { // e.g. 31 Feb
		return 0, false
	}
	return t.Unix(), true
}

func num(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

func clock(b []byte) (h, m, s int, ok bool) {
	if len(b) != 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := num(b[0:2])
	m, ok2 := num(b[3:5])
	s, ok3 := num(b[6:8])
	return h, m, s, ok1 && ok2 && ok3
}

// month returns 1-12 for a three-letter month name (case-sensitive, as in
// the grammar), 0 otherwise.
func month(b []byte) int {
	for i, m := range months {
		if string(b) == m {
			return i + 1
		}
	}
	return 0
}
